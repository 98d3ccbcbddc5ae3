"""Matching a file's own column names to the data dictionary's, before validation.

Researchers' exports rarely use our names (``Age at biopsy``, ``OS (months)``,
``Ki67 liver``). Rather than asking them to edit the file, the retrain page lets them say
which of their columns holds each schema column; :func:`apply_column_mapping` renames
the columns of the text frame (:func:`risk.data.reading.read_cells`) and validation runs
unchanged, with its usual messages. A mapping is plain data (schema name -> file column)
and is stored in the model card, so a training can be repeated.

A column that looks like a direct identifier (a name, record number, date of birth...)
can never be mapped, not even to ``patient_id``: such a file is refused by validation and
must be cleaned first.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

import pandas as pd

from risk.errors import Problem, ValidationError
from risk.schema import BY_NAME, COLUMN_NAMES, OUTCOME_COLUMNS, looks_like_identifier

__all__ = ["apply_column_mapping", "apply_value_codes", "unmatched_columns",
           "suggest_mapping", "normalise"]

#: Close-match cut-off for suggestions (difflib ratio on normalised names).
SUGGESTION_CUTOFF = 0.75
#: A unit or qualifier after our name still means our column (``Age_years`` is age,
#: ``ECOG_PS`` is ecog); anything else after it (``death_date``) does not.
QUALIFIERS = ("years", "yrs", "yr", "y", "months", "month", "mo", "pct", "percent", "ps",
              "status", "atbiopsy", "index", "yn", "01", "code", "group", "category")


def normalise(name: str) -> str:
    """Lower case, letters and digits only: ``'Ki-67 (Liver)'`` -> ``'ki67liver'``."""
    return re.sub(r"[^a-z0-9]", "", str(name).strip().lower())


def unmatched_columns(headers: Iterable[object], purpose: str = "training"
                      ) -> dict[str, list[str]]:
    """What the file lacks, and what it has that the schema does not know.

    Returns ``{"schema": [...], "file": [...]}``: schema columns absent from the header
    (required ones first; outcomes count as required for training and evaluation) and the
    file's columns that are not schema columns (identifier-like ones left out: they cannot
    be mapped).
    """
    present = {str(h).strip().lower() for h in headers}
    needs_outcomes = purpose in ("training", "evaluation")

    def required(name: str) -> bool:
        return BY_NAME[name].required or (needs_outcomes and name in OUTCOME_COLUMNS)

    missing = [n for n in COLUMN_NAMES if n not in present]
    missing.sort(key=lambda n: (not required(n), COLUMN_NAMES.index(n)))
    extra = [h for h in dict.fromkeys(str(h).strip().lower() for h in headers)
             if h and h not in BY_NAME and not looks_like_identifier(h)]
    return {"schema": missing, "file": extra}


def suggest_mapping(headers: Iterable[object], purpose: str = "training") -> dict[str, str]:
    """A guess of schema column -> file column for the unmatched ones (each file column
    used once): same name up to case and punctuation first, then close spellings."""
    unmatched = unmatched_columns(headers, purpose)
    free = list(unmatched["file"])
    by_norm = {normalise(h): h for h in free}
    out: dict[str, str] = {}
    for name in unmatched["schema"]:
        hit = by_norm.get(normalise(name))
        if hit is None:
            close = difflib.get_close_matches(normalise(name), list(by_norm), n=1,
                                              cutoff=SUGGESTION_CUTOFF)
            hit = by_norm[close[0]] if close else _qualified(normalise(name), by_norm)
        if hit is not None and hit in free:
            out[name] = hit
            free.remove(hit)
            by_norm = {normalise(h): h for h in free}
    return out


def _qualified(ours: str, by_norm: dict[str, str]) -> str | None:
    """The one file column named ours plus a unit or qualifier (None if none or several)."""
    hits = [h for norm, h in by_norm.items() if norm.startswith(ours)
            and norm[len(ours):] in QUALIFIERS]
    return hits[0] if len(hits) == 1 else None


def apply_column_mapping(raw: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """Rename the file's columns to the schema's names, as ``mapping`` says.

    Parameters
    ----------
    raw : pandas.DataFrame
        Text cells, as :func:`risk.data.reading.read_cells` returns them (headers trimmed and
        lower-cased).
    mapping : dict
        Schema column -> the file's column holding it. Empty values mean "not in the
        file" and are skipped.

    Returns
    -------
    pandas.DataFrame
        A new frame (``raw`` is not changed) with the mapped columns renamed, every other
        column as it was.

    Raises
    ------
    risk.errors.ValidationError
        Listing every problem: an unknown schema name, a file column that does not exist
        or is used twice, a target name the file already has, or an identifier-like
        column.
    """
    mapping = {str(k).strip().lower(): str(v).strip().lower()
               for k, v in (mapping or {}).items() if v is not None and str(v).strip()}
    headers = [str(h) for h in raw.columns]
    problems = []
    used: dict[str, str] = {}
    for target, source in mapping.items():
        if target not in BY_NAME:
            problems.append(Problem("is not a column of the data dictionary", column=target,
                                    allowed=", ".join(COLUMN_NAMES)))
        elif source not in headers:
            problems.append(Problem(f"the file has no column '{source}' to read "
                                    f"'{target}' from", column=target, value=source))
        elif looks_like_identifier(source):
            problems.append(Problem(
                "looks like a direct identifier and cannot be used: remove it from the "
                "file; only a pseudonymous study code may identify a patient",
                column=source))
        elif source in used:
            problems.append(Problem(f"is chosen for both '{used[source]}' and '{target}'",
                                    column=source, allowed="each column of the file once"))
        elif target in headers and target != source:
            problems.append(Problem(f"the file already has a column '{target}'; choose "
                                    f"'{target}' itself or remove one of them",
                                    column=target, value=source))
        else:
            used[source] = target
    if problems:
        raise ValidationError(problems, summary="the column matching cannot be used")
    return raw.rename(columns=dict(used)) if used else raw.copy()


def apply_value_codes(raw: pd.DataFrame, codes: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Replace coded cells by our codes, column by column (e.g. a study database's
    ``sex`` 1/2 by female/male: :mod:`risk.data.redcap`).

    ``codes``: our column -> {the file's code: ours}; cells are compared trimmed; other
    cells are left as they are, for validation to judge. Returns a new frame.
    """
    out = raw.copy()
    for name, table in codes.items():
        if table and list(out.columns).count(name) == 1:  # a repeated header: validation says so
            cells = out[name].astype(str)
            trimmed = cells.str.strip()
            out[name] = trimmed.map(table).where(trimmed.isin(list(table)), cells)
    return out
