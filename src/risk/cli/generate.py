"""Write a synthetic cohort calibrated to the published figures (data/synthetic/README.md).

The same --n and --seed always give a byte-identical file. The shipped cohort:

    python -m risk generate --n 1000 --seed 20250517 --out data/synthetic/cohort.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

from risk.errors import RiskError
from risk.i18n import _, format_integer, ngettext

HELP = "write a calibrated synthetic cohort CSV (same seed, same file)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Numbers are read as text and checked in run(): one clear line, not argparse's usage.
    parser.add_argument("--n", default="1000", metavar="N",
                        help="number of patients (1 to 1,000,000; default 1000)")
    parser.add_argument("--seed", default="20250517", metavar="S",
                        help="random seed, a whole number >= 0 (default 20250517)")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="CSV file to write (its folder must exist; replaced if present)")


def run(args: argparse.Namespace) -> int:
    from risk.schema import MAX_ROWS

    n = _whole_number("--n", args.n, 1, MAX_ROWS)
    seed = _whole_number("--seed", args.seed, 0, 2**63 - 1)
    out = _writable_path(args.out)

    from risk.synthetic import generate_cohort, write_cohort

    frame = generate_cohort(n, seed)
    try:
        write_cohort(frame, out)
    except OSError as exc:
        raise RiskError(_("--out: cannot write {path}: {reason}").format(
            path=out, reason=exc.strerror or exc)) from None
    deaths = int(frame["death"].sum())
    print(ngettext("wrote {n} synthetic patient ({deaths} deaths) to {path} (seed {seed})",
                   "wrote {n} synthetic patients ({deaths} deaths) to {path} (seed {seed})",
                   n).format(n=format_integer(n), deaths=format_integer(deaths), path=out,
                             seed=seed))
    return 0


def _whole_number(flag: str, text: str, low: int, high: int) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise RiskError(_("{flag} must be a whole number from {low} to {high}; got {value}")
                        .format(flag=flag, low=format_integer(low), high=format_integer(high),
                                value=repr(text))) from None
    if not low <= value <= high:
        raise RiskError(_("{flag} must be a whole number from {low} to {high}; got {value}")
                        .format(flag=flag, low=format_integer(low), high=format_integer(high),
                                value=value))
    return value


def _writable_path(text: str) -> Path:
    path = Path(text).expanduser()
    if not text.strip() or path.is_dir():
        raise RiskError(_("--out must name a file, not a folder; got {value}").format(
            value=repr(text)))
    if not path.parent.is_dir():
        raise RiskError(_("--out: the folder {path} does not exist").format(
            path=repr(str(path.parent))))
    return path
