"""``--columns``: the command-line form of the retrain page's column matching.

A researcher's export rarely uses our column names. ``--columns age=Age_years,
met_grade=liver_grade`` says which of the file's columns holds each data-dictionary
column (:func:`risk.data.columns.apply_column_mapping`); validation then runs unchanged, with
its usual messages. When a file lacks required columns and has unknown ones, the error
says so and suggests the matching. Not a command: a helper of validate, train, evaluate
and recalibrate (light at import: heavy modules load in :func:`read_cohort`).
"""

from __future__ import annotations

import argparse
import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from risk.data import CohortResult, FileSource
    from risk.errors import ValidationError

HELP_TEXT = ("match your file's column names to the data dictionary's: OURS=YOURS pairs, "
             "comma-separated (e.g. age=Age_years,met_grade=liver_grade); may be repeated")


def column_pairs(text: str) -> dict[str, str]:
    """``'age=Age_years,death=Died'`` -> ``{'age': 'Age_years', 'death': 'Died'}``
    (argparse type)."""
    pairs: dict[str, str] = {}
    for part in text.split(","):
        ours, sep, theirs = part.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise argparse.ArgumentTypeError(
                f"use OURS=YOURS pairs separated by commas (e.g. age=Age_years); got {part!r}")
        pairs[ours.strip()] = theirs.strip()
    return pairs


SHEET_HELP = ("the sheet of an Excel workbook (.xlsx) to read (default: its first "
              "worksheet)")


def add_columns_option(parser: argparse.ArgumentParser) -> None:
    """``--columns`` and ``--sheet``: how the file's table is found and matched."""
    parser.add_argument("--columns", metavar="OURS=YOURS,...", type=column_pairs,
                        action="append", default=[], help=HELP_TEXT)
    add_sheet_option(parser)
    parser.add_argument("--redcap-dictionary", metavar="FILE", default=None,
                        help="the file is a REDCap raw export: read its fields and choice "
                             "codes with this data dictionary (CSV from REDCap's Project "
                             "Setup); the matching is printed for you to check, and "
                             "--columns pairs override it")


def add_sheet_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sheet", metavar="NAME", default=None, help=SHEET_HELP)


def merged(pairs: list[dict[str, str]]) -> dict[str, str]:
    """The ``--columns`` given, as one mapping (a later pair wins)."""
    out: dict[str, str] = {}
    for mapping in pairs or []:
        out.update(mapping)
    return out


def read_cohort(source: FileSource, purpose: str, columns: dict[str, str] | None = None,
                sheet: str | None = None, redcap_dictionary: FileSource | None = None
                ) -> CohortResult:
    """Read (a CSV, or ``sheet`` of a workbook), match (``columns``: ours -> the file's;
    a REDCap export's fields and codes with its ``redcap_dictionary``, printed for review)
    and validate a cohort file.

    Returns a :class:`risk.data.validation.CohortResult`; raises ValidationError with every
    problem, and a hint naming the matching to try when required columns are missing.
    """
    from risk.data import read_cells, validate_cohort
    from risk.errors import ValidationError

    raw = read_cells(source, sheet)
    matched = _with_redcap(raw, purpose, columns or {}, redcap_dictionary)
    try:
        return validate_cohort(matched, purpose=purpose)
    except ValidationError as exc:
        hint = matching_hint(list(raw.columns), purpose, exc, columns or {})
        if not hint:
            raise
        raise ValidationError(exc.problems, summary=f"{exc.summary}; {hint}") from None


def _with_redcap(raw: pd.DataFrame, purpose: str, columns: dict[str, str],
                 dictionary: FileSource | None) -> pd.DataFrame:
    """The text cells matched by ``columns`` and, when given, the REDCap preset (its
    lines printed; a column named in ``columns`` is the user's choice, codes and all)."""
    from dataclasses import replace

    from risk.data import (
        apply_column_mapping,
        apply_preset,
        read_cells,
        read_dictionary,
        redcap_preset,
    )

    if dictionary is None:
        return apply_column_mapping(raw, columns)
    preset = redcap_preset(list(raw.columns), read_dictionary(read_cells(dictionary)),
                           purpose)
    preset = replace(preset, mapping={**{k: v for k, v in preset.mapping.items()
                                         if k not in columns}, **columns},
                     codes={k: v for k, v in preset.codes.items() if k not in columns})
    from risk.i18n import _

    print(_("REDCap fields matched to the data dictionary (check them):"))
    for line in preset.lines():
        print(f"  {line}")
    for ours, lost in preset.unmatched_choices.items():
        print("  " + _("note: {note}").format(note=_(
            "{column}: choices matching none of ours: {choices}").format(
                column=ours, choices=_(", ").join(lost))))
    return apply_preset(raw, preset)


def matching_hint(headers: list[str], purpose: str, exc: ValidationError,
                  columns: dict[str, str]) -> str:
    """What to pass to ``--columns`` when the file lacks required columns ('' if nothing
    to suggest)."""
    from risk.data import suggest_mapping, unmatched_columns

    if not any("required column is missing" in p.message for p in exc.problems):
        return ""
    used = {v.strip().lower() for v in columns.values()}
    unknown = [h for h in unmatched_columns(headers, purpose)["file"] if h not in used]
    if not unknown:
        return ""
    suggested = {k: v for k, v in suggest_mapping(headers, purpose).items()
                 if v not in used and k not in columns}
    text = ("your file has columns the data dictionary does not know ("
            + ", ".join(unknown[:8]) + (", ..." if len(unknown) > 8 else "")
            + "): say which holds which with --columns OURS=YOURS")
    if suggested:
        text += ", e.g. --columns " + shlex.quote(",".join(f"{k}={v}"
                                                         for k, v in suggested.items()))
    return text
