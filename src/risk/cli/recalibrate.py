"""Recalibrate a saved model on your own cohort: same coefficients, your baseline survival.

Use it when your patients live longer or shorter than the training cohort but the model
still ranks them well (a good C-index, predictions uniformly too high or too low in
`python -m risk evaluate`). The coefficients are kept; the baseline survival of both
models (the biopsy model and the primary-only comparator) is re-estimated on your
patients. With --slope the coefficients are also scaled by the calibration slope fitted
on your patients (use it when predictions are too extreme or too timid; it needs at
least 10 deaths per model).

The file is checked first (the same checks and messages as `python -m risk validate`):
outcomes (os_months, death) are required in every row, and a file where every patient
is censored is refused. The result is saved as a NEW version whose model card names the
version it was recalibrated from (its parent), your file's sha256 and counts (never its
rows), and the observed vs predicted survival before and after. The parent is not
changed. The new version is signed with this site's key (made on the first save, and
said so; see `python -m risk keys`); its id is printed on the last line.

Examples
  python -m risk recalibrate --data my_centre.csv
  python -m risk recalibrate --data my_centre.csv --slope
  python -m risk recalibrate --data export.csv --columns age=Age_years,death=Died
  python -m risk recalibrate --data my_centre.csv --model synthetic-v1 --activate
  python -m risk models rollback          # undo an activation
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from risk.cli.columns import add_columns_option, merged
from risk.cli.models import add_model_dir

HELP = "update a saved model's baseline survival (and slope) on your cohort, as a new version"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="FILE", required=True,
                        help="your cohort file (CSV or .xlsx) with outcomes (os_months, death) in every row; "
                             "see data/synthetic/README.md for the columns")
    add_columns_option(parser)
    parser.add_argument("--model", metavar="VERSION", default=None,
                        help="the version to recalibrate (default: the active one); see "
                             "'python -m risk models list'")
    parser.add_argument("--slope", action="store_true",
                        help="also scale the coefficients by the calibration slope fitted on "
                             "your cohort (default: baseline only)")
    parser.add_argument("--activate", action="store_true",
                        help="serve the new version at once (default: save only; activate "
                             "later with 'python -m risk models activate VERSION')")
    parser.add_argument("--version", metavar="NAME", default=None,
                        help="name of the new version (letters, digits, '.', '_', '-'; "
                             "default: UTC time and a hash of the parameters)")
    parser.add_argument("--notes", default="", help="free text stored in the model card")
    add_model_dir(parser)


def run(args: argparse.Namespace) -> int:
    from risk.cli.columns import read_cohort
    from risk.cli.keys import site_signer
    from risk.data import read_source_bytes
    from risk.i18n import _, ngettext
    from risk.model import recalibrate, recalibration_card
    from risk.registry import Registry, check_version_name, data_fingerprint

    registry = Registry(args.model_dir)
    if args.version:
        check_version_name(args.version)
    parent = registry.load(args.model)  # verified; fails before reading the file
    raw_bytes = read_source_bytes(args.data)
    cohort = read_cohort(raw_bytes, "training", merged(args.columns), args.sheet,
                         args.redcap_dictionary)
    for note in cohort.notes:
        print(_("note: {note}").format(note=note))
    line = (ngettext("recalibrating model {version} on {n} patients, {deaths} deaths "
                     "(baseline and slope) ...",
                     "recalibrating model {version} on {n} patients, {deaths} deaths "
                     "(baseline and slope) ...", cohort.n_patients) if args.slope else
            ngettext("recalibrating model {version} on {n} patients, {deaths} deaths ...",
                     "recalibrating model {version} on {n} patients, {deaths} deaths ...",
                     cohort.n_patients))
    print(line.format(version=parent.version, n=cohort.n_patients,
                      deaths=cohort.n_deaths or 0), flush=True)
    result = recalibrate(parent.model, cohort.frame, slope=args.slope)
    for line in recalibration_lines(result.details):
        print(line)
    card = recalibration_card(parent.version, data_fingerprint(cohort.frame, raw_bytes), result,
                              args.notes)
    if merged(args.columns):
        card = card.model_copy(update={
            "settings": {**card.settings, "column_mapping": merged(args.columns)}})
    version = registry.save(result.model.to_dict(), card, version=args.version,
                            activate=args.activate,
                            signer=site_signer(registry))
    print((_("saved model version {version} (recalibrated from {parent}) in {folder} (active)")
           if args.activate else
           _("saved model version {version} (recalibrated from {parent}) in {folder}; serve "
             "it with: python -m risk models activate {version}")).format(
        version=version, parent=parent.version, folder=registry.root))
    print(version)
    sys.stdout.flush()
    return 0


def recalibration_lines(details: dict[str, Any]) -> list[str]:
    """Observed vs mean predicted survival before and after, per model, for people."""
    from risk.i18n import N_, _, format_number, format_percent, ngettext

    names = {"biopsy_model": N_("biopsy model"),
             "comparator_model": N_("primary-only comparator")}
    lines = []
    for part, name in names.items():
        d = details[part]
        head = ngettext("{model}: {n} patients, {deaths} deaths",
                        "{model}: {n} patients, {deaths} deaths", d["patients"]).format(
            model=_(name), n=d["patients"],
            deaths=d["deaths"])
        if d.get("slope_fitted") is not None:
            head += _(", calibration slope {slope} (SE {se})").format(
                slope=format_number(d["slope_fitted"], 3), se=format_number(d["slope_se"], 3))
        lines.append(head)
        for row in d.get("check", []):
            lines.append("  " + _("{months} months: observed {observed}, predicted {before} "
                                  "before, {after} after").format(
                months=f"{row['months']:>3g}", observed=format_percent(row["observed"], 1),
                before=format_percent(row["predicted_before"], 1),
                after=format_percent(row["predicted_after"], 1)))
    return lines
