"""Check a cohort CSV against the data dictionary, listing every problem at once.

Exit 0 with a short summary (patients, deaths, median follow-up, columns ignored, notes);
exit 2 with one line per problem (row numbers count data rows: the first row after the
header is row 1). The file is read into memory only; nothing is written.

Purposes: "cohort" (outcomes optional, checked when given), "training" (os_months and
death required, not every patient censored), "prediction" (outcome columns ignored).
"""

from __future__ import annotations

import sys

HELP = "check a cohort CSV against the data dictionary and list every problem"


def add_arguments(parser) -> None:
    parser.add_argument("--data", required=True, metavar="FILE", help="the cohort CSV file")
    parser.add_argument("--purpose", choices=("cohort", "training", "prediction"),
                        default="cohort",
                        help="what the file is for (default: cohort); training needs "
                        "outcomes, prediction ignores them")


def summary_lines(result, name: str, purpose: str) -> list[str]:
    """The summary printed for a valid file (a :class:`risk.validation.CohortResult`)."""
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
    ignored = ", ".join(result.ignored_columns) or "none"
    lines.append(f"columns ignored: {ignored}")
    lines += [f"note: {note}" for note in result.notes]
    return lines


def run(args) -> int:
    from risk.errors import ValidationError
    from risk.validation import load_cohort

    try:
        result = load_cohort(args.data, purpose=args.purpose)
    except ValidationError as exc:
        print(f"error: {args.data}: {exc.summary}", file=sys.stderr)
        for problem in exc.problems:
            print(str(problem).replace("\n", " "), file=sys.stderr)
        return 2
    print("\n".join(summary_lines(result, args.data, args.purpose)))
    return 0
