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
from risk.i18n import _

if TYPE_CHECKING:
    import argparse

    from risk.data import CohortResult

HELP = "check a cohort CSV against the data dictionary and list every problem"


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
    lines = [f"{name}: valid for {purpose}", f"patients: {result.n_patients:,}"]
    if result.n_deaths is None:
        lines += ["deaths: not given (no outcome columns)",
                  "median follow-up: not given (no outcome columns)"]
    else:
        share = 100 * result.n_deaths / result.n_patients
        lines.append(f"deaths: {result.n_deaths:,} ({share:.1f}%)")
        follow_up = result.median_follow_up_months
        lines.append("median follow-up: " + (
            "not reached (reverse Kaplan-Meier)" if follow_up is None
            else f"{follow_up:.1f} months (reverse Kaplan-Meier)"))
    if mapping:
        lines.append("columns matched: " + ", ".join(f"{theirs} -> {ours}"
                                                     for ours, theirs in mapping.items()))
    ignored = ", ".join(result.ignored_columns) or "none"
    lines.append(f"columns ignored: {ignored}")
    lines += [f"note: {note}" for note in result.notes]
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
