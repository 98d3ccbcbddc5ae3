"""Check a cohort CSV against the data dictionary, listing every problem at once.

Exit 0 with a short summary (patients, deaths, median follow-up, columns ignored, notes);
exit 2 with one line per problem (row numbers count data rows: the first row after the
header is row 1). The file is read into memory only; nothing is written.

Purposes: "cohort" (outcomes optional, checked when given), "training" (os_months and
death required, not every patient censored), "prediction" (outcome columns ignored).

Your own column names: --columns age=Age_years,death=Died says which of your columns
holds each of ours (train, evaluate and recalibrate take the same option).

Examples
  python -m risk validate --data cohort.csv --purpose training
  python -m risk validate --data cohort.xlsx --sheet Patients --purpose training
  python -m risk validate --data export.csv --purpose training --columns age=Age_years
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from risk.cli.columns import add_columns_option, merged
from risk.i18n import N_, Words, _, format_integer, format_number, format_percent

if TYPE_CHECKING:
    import argparse

    from risk.data import CohortResult

HELP = "check a cohort CSV against the data dictionary and list every problem"

#: The first line of a valid file's summary, per purpose.
_PURPOSES = Words({"cohort": N_("{name}: valid for cohort"),
                   "training": N_("{name}: valid for training"),
                   "prediction": N_("{name}: valid for prediction")})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, metavar="FILE", help="the cohort file: CSV, or an Excel workbook (.xlsx; --sheet NAME)")
    parser.add_argument("--purpose", choices=("cohort", "training", "prediction"),
                        default="cohort",
                        help="what the file is for (default: cohort); training needs "
                        "outcomes, prediction ignores them")
    add_columns_option(parser)


def validation_lines(result: CohortResult, name: str, purpose: str,
                     mapping: dict[str, Any] | None = None) -> list[str]:
    """The summary printed for a valid file (a :class:`risk.data.validation.CohortResult`)."""
    lines = [_PURPOSES[purpose].format(name=name),
             _("patients: {n}").format(n=format_integer(result.n_patients))]
    if result.n_deaths is None:
        lines += [_("deaths: not given (no outcome columns)"),
                  _("median follow-up: not given (no outcome columns)")]
    else:
        lines.append(_("deaths: {n} ({share})").format(
            n=format_integer(result.n_deaths),
            share=format_percent(result.n_deaths / result.n_patients, 1)))
        follow_up = result.median_follow_up_months
        lines.append(_("median follow-up: not reached (reverse Kaplan-Meier)")
                     if follow_up is None else
                     _("median follow-up: {months} months (reverse Kaplan-Meier)").format(
                         months=format_number(follow_up, 1)))
    if mapping:
        lines.append(_("columns matched: {pairs}").format(pairs=_(", ").join(
            f"{theirs} -> {ours}" for ours, theirs in mapping.items())))
    lines.append(_("columns ignored: {columns}").format(
        columns=_(", ").join(result.ignored_columns) or _("none")))
    lines += [_("note: {note}").format(note=note) for note in result.notes]
    return lines


def run(args: argparse.Namespace) -> int:
    from risk.cli.columns import read_cohort
    from risk.errors import ValidationError

    try:
        result = read_cohort(args.data, args.purpose, merged(args.columns), args.sheet,
                         args.redcap_dictionary)
    except ValidationError as exc:
        print(_("error: {message}").format(message=f"{args.data}: {exc.summary}"), file=sys.stderr)
        for problem in exc.problems:
            print(str(problem).replace("\n", " "), file=sys.stderr)
        return 2
    print("\n".join(validation_lines(result, args.data, args.purpose, merged(args.columns))))
    return 0
