"""Train the survival models on a cohort file and save them as a new model version.

The file is validated first (the same checks and messages as `python -m risk validate`):
outcomes (os_months, death) are required in every row. Two Cox models are fitted: the
biopsy-informed model (patients with a liver-biopsy grade) and the comparator that knows
only what is known before the biopsy (all patients). The new version is saved with its
model card (intended use, the training file's sha256 and counts - never its rows -
settings, library versions), signed with this site's key (made on the first save, and
said so; see `python -m risk keys`), and its id is printed on the last line.

Examples
  python -m risk train --data cohort.csv
  python -m risk train --data cohort.xlsx --sheet Patients
  python -m risk train --data cohort.csv --activate --version centre-a-2026
  python -m risk train --data cohort.csv --penalizer 0.1 --seed 7
  python -m risk train --data cohort.csv --evaluate 200   # store a validation report
  python -m risk train --data export.csv --columns age=Age_years,death=Died
      # your own column names, matched to ours (recorded in the model card)

Validate a new version before serving it: `python -m risk evaluate --data FILE --out DIR
--model VERSION`; or train, compare and activate on the Retrain page.

Reproducing a version: with --reproduce and the --version of an existing version, the
models are refitted and compared with the stored ones instead of being saved (exit 0
when the coefficients and baselines are the same, 2 when not). `make model` uses this.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from risk.cli.columns import add_columns_option, merged
from risk.cli.evaluate import non_negative_int
from risk.cli.models import add_model_dir

if TYPE_CHECKING:
    from risk.registry import Registry

HELP = "train the models on a cohort file and save a new model version"


def penalizer_value(text: str) -> float | str:
    """``auto`` or a number >= 0 (argparse type; the rule is risk.model.settings')."""
    from risk.model import argument_type

    value: float | str = argument_type("penalizer")(text)
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="FILE", required=True,
                        help="cohort file (CSV, or an Excel workbook .xlsx) with outcomes (os_months, death); see "
                             "data/synthetic/README.md for the columns")
    add_columns_option(parser)
    add_model_dir(parser)
    parser.add_argument("--activate", action="store_true",
                        help="serve the new version at once (default: save only; "
                             "activate later with 'models activate VERSION')")
    parser.add_argument("--penalizer", type=penalizer_value, default="auto",
                        metavar="auto|NUMBER",
                        help="ridge penalty of the Cox fits: 'auto' (default) is maximum "
                             "partial likelihood, stabilised only where an effect is "
                             "unbounded (coverage-checked intervals); a number >= 0 sets "
                             "a penalty (shrunk estimates, intervals ignore the bias)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the cross-validation folds that choose the extra "
                             "terms (default 0): same file, same seed, same model")
    parser.add_argument("--version", metavar="NAME", default=None,
                        help="name of the new version (letters, digits, '.', '_', '-'; "
                             "default: UTC time and a hash of the parameters)")
    parser.add_argument("--reproduce", action="store_true",
                        help="with --version of an existing version: check that refitting "
                             "gives the same model instead of saving")
    parser.add_argument("--notes", default="", help="free text stored in the model card")
    parser.add_argument("--evaluate", type=non_negative_int, default=0, metavar="B",
                        help="also validate the new models on the training file (internal "
                             "validation with B bootstrap resamples, e.g. 200) and store the "
                             "report in the model card, where the Model page shows it "
                             "(default 0: store only the apparent C-index)")


def run(args: argparse.Namespace) -> int:
    from risk.cli.columns import read_cohort
    from risk.cli.keys import site_signer
    from risk.data import read_source_bytes
    from risk.errors import RegistryError
    from risk.i18n import _, ngettext
    from risk.model import (
        TrainingSettings,
        candidate_card,
        fit_models,
        small_cohort_warning,
        train_and_evaluate,
    )
    from risk.registry import Registry, check_version_name, data_fingerprint

    registry = Registry(args.model_dir)
    if args.version:
        check_version_name(args.version)  # before minutes of fitting, not after
    existing = args.version and args.version in registry.versions()
    if args.reproduce and not args.version:
        raise RegistryError(_("--reproduce needs --version NAME (the version to reproduce)"))
    if existing and not args.reproduce:
        raise RegistryError(_("model version '{version}' already exists in {folder}; versions "
                              "are never overwritten: choose another --version").format(
            version=args.version, folder=registry.root))

    raw_bytes = read_source_bytes(args.data)
    result = read_cohort(raw_bytes, "training", merged(args.columns), args.sheet,
                         args.redcap_dictionary)
    for note in result.notes:
        print(_("note: {note}").format(note=note))
    settings = TrainingSettings(penalizer=args.penalizer, bootstrap=args.evaluate,
                                seed=args.seed).check()
    print(ngettext("training on {n} patients, {deaths} deaths ...",
                   "training on {n} patients, {deaths} deaths ...", result.n_patients).format(
        n=result.n_patients, deaths=result.n_deaths or 0),
        flush=True)
    if existing:
        return _reproduce(registry, args, fit_models(result.frame, settings).to_dict())
    small = small_cohort_warning(result.frame)
    if small:  # on stderr: stdout's last line stays the version's name
        print(_("warning: {message}").format(message=small), file=sys.stderr, flush=True)
    if args.evaluate:
        print(ngettext("internal validation with {n} bootstrap resample ...",
                       "internal validation with {n} bootstrap resamples ...",
                       args.evaluate).format(n=args.evaluate), flush=True)
    candidate = train_and_evaluate(result.frame, settings,
                                   data_fingerprint(result.frame, raw_bytes),
                                   progress=_progress, column_mapping=merged(args.columns))
    version = registry.save(candidate.model.to_dict(), candidate_card(candidate, args.notes),
                            version=args.version, activate=args.activate,
                            signer=site_signer(registry))
    print((_("saved model version {version} in {folder} (active)") if args.activate else
           _("saved model version {version} in {folder}; serve it with: python -m risk "
             "models activate {version}")).format(version=version, folder=registry.root))
    print(version)
    sys.stdout.flush()
    return 0


def _reproduce(registry: Registry, args: argparse.Namespace, params: dict[str, Any]) -> int:
    """Compare a refit with the stored version (nothing is written)."""
    from risk.errors import RegistryError
    from risk.i18n import _, ngettext
    from risk.registry import parameter_differences

    stored, _manifest = registry.read(args.version)
    differences = parameter_differences(stored, params)
    if differences:
        raise RegistryError(ngettext(
            "refitting does not reproduce model version '{version}': {n} value(s) differ, "
            "first {first}", "refitting does not reproduce model version '{version}': {n} "
            "value(s) differ, first {first}", len(differences)).format(
            version=args.version, n=len(differences), first=differences[0]))
    print(_("reproduced: the refitted model equals the stored version {version}").format(
        version=args.version))
    if args.activate and registry.active_version() != args.version:
        registry.activate(args.version)
        print(_("active model: {version}").format(version=args.version))
    print(args.version)
    return 0


def _progress(fraction: float, text: str) -> None:
    """The use case's progress, a line per stage and per finished chunk of resamples."""
    print(text, flush=True)
