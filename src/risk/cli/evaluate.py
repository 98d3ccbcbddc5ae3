"""Validate a saved model version on a cohort file with outcomes.

The file is checked first (the same checks and messages as `python -m risk validate`):
outcomes (os_months, death) are required in every row. The model (the active version, or
--model VERSION) predicts every patient; the report compares its predictions with what
happened: discrimination (Harrell's and Uno's C, time-dependent AUC), accuracy (Brier
scores), calibration at 36 and 60 months, a decision curve, what the liver biopsy adds
over the primary-only comparator, proportional-hazards checks, subgroups and Harrell's
bootstrap optimism correction; when the model has a progression-free survival model and
the file has pfs_months and progression, the PFS model's discrimination, Brier scores and
calibration too.

It writes DIR/report.json (every number) and DIR/report.html (one self-contained page
with the charts; it opens offline). On the training cohort it is an internal validation;
on another hospital's cohort, an external one.

--summary-out FILE writes the centre's aggregates only (counts, each metric with its
standard error, the model version and its hash; no patient row), for pooling centres'
results with `python -m risk pool` without sharing patient data. A centre with fewer than
10 deaths writes counts only.

Examples
  python -m risk evaluate --data data/synthetic/cohort.csv --out reports/internal
  python -m risk evaluate --data other.csv --out reports/external --model synthetic-v1
  python -m risk evaluate --data cohort.csv --out r --bootstrap 0
  python -m risk evaluate --data export.csv --out r --columns age=Age_years,death=Died
  python -m risk evaluate --data cohort.csv --out r --dask-scheduler tcp://10.0.0.5:8786
  python -m risk evaluate --data local.csv --summary-out site.json --site-name "Centre A"
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from risk.cli.columns import add_columns_option, merged
from risk.cli.models import add_model_dir

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from risk.evaluation import EvaluationReport
    from risk.registry import LoadedModel, Registry

HELP = "validate a saved model on a cohort file with outcomes (report.json, report.html)"


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0; got {text!r}")
    return value


def worker_count(text: str) -> int:
    """-1 (every core) or a whole number >= 1 (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value != -1 and value < 1:
        raise argparse.ArgumentTypeError(f"must be -1 (all cores) or a whole number >= 1; "
                                         f"got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="FILE", required=True,
                        help="cohort file (CSV, or an Excel workbook .xlsx) with outcomes (os_months, death)")
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="folder for report.json and report.html (created if needed)")
    parser.add_argument("--summary-out", metavar="FILE", default=None,
                        help="write the site summary for pooling (aggregates only)")
    parser.add_argument("--site-name", metavar="NAME", default=None,
                        help="the centre's name in the site summary (default: the data "
                             "file's name without its extension)")
    add_columns_option(parser)
    add_model_dir(parser)
    parser.add_argument("--model", metavar="VERSION", default=None,
                        help="model version to evaluate (default: the active one)")
    parser.add_argument("--bootstrap", type=non_negative_int, default=200, metavar="B",
                        help="bootstrap resamples for intervals and optimism correction "
                             "(default 200; 0 skips resampling)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the resamples (default 0): same seed, same report")
    parser.add_argument("--jobs", type=worker_count, default=-1, metavar="N",
                        help="parallel workers for the refits (default -1: all cores)")
    parser.add_argument("--dask-scheduler", metavar="ADDRESS", default=None,
                        help="send the bootstrap refits to this Dask scheduler "
                             "(e.g. tcp://10.0.0.5:8786; its workers need this package)")


def _progress(done: int, total: int) -> None:
    """One line per finished chunk of refits (about eight lines per run)."""
    from risk.i18n import _

    print(_("bootstrap: {done}/{total} refits").format(done=done,
                                                       total=total),
          file=sys.stderr, flush=True)


def _output_folder(out_arg: str) -> Path:
    from pathlib import Path

    from risk.errors import RiskError
    from risk.i18n import _

    out = Path(out_arg)
    if out.exists() and not out.is_dir():
        raise RiskError(_("--out {path} is a file: give a folder for report.json and "
                          "report.html").format(path=out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RiskError(_("cannot create the output folder {path}: {reason}").format(
            path=out, reason=exc.strerror or exc)) from None
    return out


def _write_report(out: Path, report: EvaluationReport, loaded: LoadedModel) -> None:
    import json

    from risk.errors import RiskError
    from risk.evaluation import report_note_words
    from risk.i18n import _, ngettext
    from risk.present import build_checklists, checklists_html, render_report_html

    version = loaded.version
    checklists = checklists_html(build_checklists(loaded.card, loaded.synthetic))
    try:
        (out / "report.json").write_text(
            json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
        (out / "report.html").write_text(
            render_report_html(report, title=_("Validation of model {version}").format(
                version=version), checklists=checklists),
            encoding="utf-8")
    except OSError as exc:
        raise RiskError(_("cannot write the report in {path}: {reason}").format(
            path=out, reason=exc.strerror or exc)) from None
    served, comparator = report.headline, report.comparator
    print(_("Harrell's C {c}; comparator {comparator}").format(
        c=c_index_text(served.harrell_c, served.harrell_c_lower, served.harrell_c_upper),
        comparator=c_index_text(comparator.harrell_c)))
    if report.pfs is not None:
        pfs = report.pfs.served
        print(ngettext("progression-free survival: Harrell's C {c} on {n} patients, "
                       "{events} PFS events",
                       "progression-free survival: Harrell's C {c} on {n} patients, "
                       "{events} PFS events", report.pfs.n).format(
            c=c_index_text(pfs.harrell_c, pfs.harrell_c_lower, pfs.harrell_c_upper),
            n=report.pfs.n, events=report.pfs.events))
    for note in report.notes:
        print(_("note: {note}").format(note=report_note_words(note)))
    print(_("wrote {first} and {second}").format(first=out / "report.json",
                                                 second=out / "report.html"))


def c_index_text(c: float | None, lower: float | None = None, upper: float | None = None
                 ) -> str:
    """A C-index to 3 decimals, with its 95% CI when there is one ("n/a": none)."""
    from risk.i18n import _, format_number

    if c is None:
        return _("n/a")
    if lower is None or upper is None:
        return format_number(c, 3)
    return _("{value} (95% CI {lower}-{upper})").format(
        value=format_number(c, 3), lower=format_number(lower, 3),
        upper=format_number(upper, 3))


def _write_summary(args: argparse.Namespace, registry: Registry, version: str,
                   frame: pd.DataFrame, report: EvaluationReport | None) -> None:
    from pathlib import Path

    from risk.errors import RiskError
    from risk.evaluation import build_site_summary, site_note_words
    from risk.i18n import _

    sha = registry.show(version)["manifest"]["files"]["model.json"]
    site = args.site_name or Path(args.data).stem
    summary = build_site_summary(report, frame["os_months"], frame["death"], site=site,
                                 model_version=version, model_sha256=sha)
    target = Path(args.summary_out)
    try:
        if target.parent != Path():
            target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(summary.to_json(), encoding="utf-8")
    except OSError as exc:
        raise RiskError(_("cannot write the site summary {path}: {reason}").format(
            path=target, reason=exc.strerror or exc)) from None
    if summary.note:
        print(_("note: {note}").format(note=site_note_words(summary)))
    print(_("wrote the site summary {path} (aggregates only, no patient rows)").format(
        path=target))


def run(args: argparse.Namespace) -> int:
    import hashlib
    from pathlib import Path

    from risk.cli.columns import read_cohort
    from risk.data import read_source_bytes
    from risk.errors import RiskError
    from risk.evaluation import MIN_SITE_DEATHS, evaluate
    from risk.i18n import _, ngettext
    from risk.present import cohort_source
    from risk.registry import Registry

    if not args.out and not args.summary_out:
        raise RiskError(_("give --out DIR (the report), --summary-out FILE (the site "
                          "summary), or both"))
    registry = Registry(args.model_dir)
    loaded = registry.load(args.model)  # fails fast, before the file
    raw_bytes = read_source_bytes(args.data)
    result = read_cohort(raw_bytes, "training", merged(args.columns), args.sheet,
                         args.redcap_dictionary)
    for note in result.notes:
        print(_("note: {note}").format(note=note))
    out = _output_folder(args.out) if args.out else None
    assert result.n_deaths is not None  # a training file has outcomes
    if out is None and result.n_deaths < MIN_SITE_DEATHS:
        _write_summary(args, registry, loaded.version, result.frame, None)
        return 0
    source = cohort_source(Path(args.data).name, hashlib.sha256(raw_bytes).hexdigest(),
                           loaded.card.training_data.sha256,
                           column_mapping=merged(args.columns))
    line = (ngettext("evaluating model {version} on {n} patients, {deaths} deaths (internal "
                     "validation: the model's own training file) ...",
                     "evaluating model {version} on {n} patients, {deaths} deaths (internal "
                     "validation: the model's own training file) ...", result.n_patients)
            if source.validation == "internal" else
            ngettext("evaluating model {version} on {n} patient, {deaths} deaths (not the "
                     "file the model was trained on: an external validation only if the "
                     "patients are new to it) ...",
                     "evaluating model {version} on {n} patients, {deaths} deaths (not the "
                     "file the model was trained on: an external validation only if the "
                     "patients are new to it) ...",
                     result.n_patients))
    print(line.format(version=loaded.version, n=result.n_patients,
                      deaths=result.n_deaths), flush=True)
    report = evaluate(loaded.model, result.frame, bootstrap=args.bootstrap, seed=args.seed,
                      n_jobs=args.jobs, progress=_progress if args.bootstrap else None,
                      dask_scheduler=args.dask_scheduler, model_synthetic=loaded.synthetic)
    report.model_version = loaded.version
    report.source = source
    if out is not None:
        _write_report(out, report, loaded)
    if args.summary_out:
        _write_summary(args, registry, loaded.version, result.frame, report)
    return 0
