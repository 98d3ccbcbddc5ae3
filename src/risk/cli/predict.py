"""Predict survival for every patient of a cohort file with a saved model version.

The input has the cohort file's columns (see data/synthetic/README.md); outcome columns
(os_months, death) are ignored if present. Every row is validated first (the same checks
and messages as `python -m risk validate`); when any row has a problem nothing is written.

The output CSV has one row per patient, in the input's order:
  patient_id, model_version, model_used (biopsy, or primary_only for a patient without a
  liver-biopsy grade), surv_12, surv_12_lower, surv_12_upper (survival at 12 months and
  its 95% interval, as fractions), the same for 36, 60 and 120 months,
  median_os_months, median_os_lower, median_os_upper (the first whole month at which
  predicted survival, or its interval's limit, is 50% or lower; blank when it does not
  fall to 50% within 120 months), risk_group (low / intermediate / high) and flags
  (inputs outside the training data's range or rare in it; blank if none). It is written
  as every CSV of the tool (risk.data.export): UTF-8 with a byte-order mark, CRLF line
  ends, numbers to 12 significant digits (a program can check them to 1e-9), text that a spreadsheet would run as a formula
  prefixed with '.

Survival given time already survived: with --alive-months N (or a column alive_months
in the input, which wins where it is filled in) every estimate of that patient is
conditional on being alive N months after the biopsy: surv_T is S(T) / S(N) with its
own 95% interval (1 for T <= N), the median is still counted from the biopsy, and the
output's alive_months column says what each row is conditional on (blank: at the
biopsy). N must be below the month of the training cohort's last death.

A grade near a WHO cut-off: the input may give primary_cells_counted and
met_cells_counted (cells counted for each Ki-67 index, 100-100,000; blank = 500).
When the exact 95% interval of a Ki-67 index (Clopper-Pearson) or mitotic count (Garwood)
crosses a cut-off (Ki-67 3% or 20%; 2 or 20 mitoses per 2 mm2), grade_uncertain is
true, and for that grade (primary or met) and each grade G1-G3 the interval allows:
  p_met_G3 (the probability of that grade given the counts, from their Jeffreys
  posterior; with both counts, of the higher of the two grades), surv_60_if_met_G3,
  surv_60_if_met_G3_lower,
  surv_60_if_met_G3_upper (5-year survival and its 95% interval with that grade in place
  of the uncertain one); likewise p_primary_G1 ... surv_60_if_primary_G3_upper.
  These are blank where the grade is not in doubt or the interval does not allow it.

Large files are read and scored in chunks, so memory stays flat. An Excel workbook
(--input cohort.xlsx, its first worksheet or --sheet NAME) is read whole (at most 50 MB),
then scored in chunks; its problems name the sheet, the Excel row and the column letter.
With --output predictions.xlsx the same cells are written as an Excel workbook (numbers
as numbers, formula-like text neutralised as in the CSV).

FHIR R4: --fhir-out bundle.json also writes a Bundle (type collection) with, per patient
in the input's order, a Patient (gender and an age extension only: no name, identifier,
date of birth or study code; ids p1, p2, ...), the inputs entered as Observations (Ki-67
as LOINC 29593-1, a WHO grade as LOINC 33732-9 with the grade as a local code, ECOG as
LOINC 89247-1, the others as local codes; the tumour in bodySite) and a RiskAssessment:
one prediction per horizon (probabilityDecimal = survival, the 95% interval in an
extension), basis = those resources, method = the model version and the sha256 of its
model.json, and a note when the model rests on synthetic data. At most 10,000 patients.

Examples
  python -m risk predict --input patients.csv --output predictions.csv
  python -m risk predict --input patients.csv --output out.csv --model synthetic-v1
  python -m risk predict --input patients.csv --output out.csv --alive-months 24
  python -m risk predict --input cohort.xlsx --sheet Patients --output predictions.xlsx
  python -m risk predict --input patients.csv --output out.csv --fhir-out bundle.json
"""

from __future__ import annotations

import argparse
import math
import os
from typing import TYPE_CHECKING

from risk.cli.columns import add_sheet_option
from risk.cli.models import add_model_dir
from risk.i18n import N_, Words
from risk.schema import CHUNK_ROWS

if TYPE_CHECKING:
    from risk.registry import LoadedModel, Registry

HELP = "predict survival for each patient of a file with a saved model"

#: How many patients each model of the pair scored (model_used -> words).
_USED = Words({"biopsy": N_("{n} with the biopsy model"),
               "primary_only": N_("{n} with the primary_only model")})


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1; got {text!r}")
    return value


def months_alive(text: str) -> float:
    """--alive-months: a number within the data dictionary's bounds for alive_months."""
    from risk.schema import column

    col = column("alive_months")
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    low = -math.inf if col.minimum is None else col.minimum
    high = math.inf if col.maximum is None else col.maximum
    if not low <= value <= high:  # NaN fails too
        raise argparse.ArgumentTypeError(f"must be {col.allowed()}; got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", metavar="FILE", required=True,
                        help="cohort file of the patients to score: CSV, or an Excel "
                             "workbook (.xlsx)")
    add_sheet_option(parser)
    parser.add_argument("--output", metavar="FILE", required=True,
                        help="where to write the predictions: a CSV, or an Excel "
                             "workbook when the name ends in .xlsx (replaced if it exists)")
    add_model_dir(parser)
    parser.add_argument("--model", metavar="VERSION", default=None,
                        help="the model version to use (default: the active one; see "
                             "'python -m risk models list')")
    parser.add_argument("--alive-months", type=months_alive, default=None, metavar="N",
                        help="estimates conditional on being alive N months after the "
                             "biopsy (a filled alive_months cell of the input wins)")
    parser.add_argument("--fhir-out", metavar="FILE", default=None,
                        help="also write the estimates as a FHIR R4 Bundle (JSON; at most "
                             "10,000 patients)")
    parser.add_argument("--chunk-rows", type=positive_int, default=CHUNK_ROWS,
                        metavar="N", help=f"patients scored at a time (default {CHUNK_ROWS:,})")
    parser.add_argument("--jobs", type=positive_int, default=None, metavar="N",
                        help="worker processes for a file of several chunks (default: the "
                             "number of CPUs, at most 2; 1 = no worker processes)")


def run(args: argparse.Namespace) -> int:
    from risk.errors import RiskError
    from risk.i18n import _, ngettext
    from risk.model import score_file
    from risk.registry import Registry

    if os.path.isdir(args.input):
        raise RiskError(f"--input {args.input} is a folder: give the cohort file")
    if not os.path.isfile(args.input):
        raise RiskError(f"input file not found: {args.input}")
    if os.path.abspath(args.input) == os.path.abspath(args.output):
        raise RiskError("--output must be a different file from --input")
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        raise RiskError(f"the folder of --output does not exist: {out_dir}")

    fhir_out = getattr(args, "fhir_out", None)
    if fhir_out and os.path.abspath(fhir_out) in (os.path.abspath(args.input),
                                                  os.path.abspath(args.output)):
        raise RiskError("--fhir-out must be a different file from --input and --output")
    if fhir_out and not os.path.isdir(os.path.dirname(os.path.abspath(fhir_out))):
        raise RiskError(f"the folder of --fhir-out does not exist: {fhir_out}")
    store = Registry(args.model_dir)
    loaded = store.load(args.model)
    try:
        summary = score_file(loaded.model, loaded.version, args.input, args.output,
                             chunk_rows=args.chunk_rows, jobs=args.jobs,
                             alive_months=args.alive_months, sheet=args.sheet)
    except OSError as exc:  # unreadable input, full disk, no permission to write
        reading = exc.filename and os.path.abspath(exc.filename) == os.path.abspath(args.input)
        raise RiskError(f"cannot {'read' if reading else 'write'} "
                        f"{args.input if reading else args.output}: "
                        f"{exc.strerror or exc}") from None
    for note in summary.notes:
        print(_("note: {note}").format(note=note))
    if fhir_out:
        _write_fhir(args, store, loaded, fhir_out)
    used = _(", ").join(_USED[name].format(n=n)
                        for name, n in sorted(summary.by_model.items()))
    print(ngettext("wrote {n} prediction ({used}) with model version {version} to {path}",
                   "wrote {n} predictions ({used}) with model version {version} to {path}",
                   summary.patients).format(n=summary.patients, used=used,
                                            version=loaded.version, path=args.output))
    return 0


def _write_fhir(args: argparse.Namespace, store: Registry, loaded: LoadedModel,
                fhir_out: str) -> None:
    from risk.errors import RiskError
    from risk.fhir import model_identity, write_file_bundle

    try:
        n = write_file_bundle(args.input, args.output, fhir_out,
                              model_identity(store, loaded.version, loaded.synthetic),
                              alive_months=args.alive_months, sheet=args.sheet)
    except OSError as exc:
        raise RiskError(f"cannot write {fhir_out}: {exc.strerror or exc}") from None
    from risk.i18n import ngettext

    print(ngettext("wrote the FHIR R4 bundle of {n} patient to {path}",
                   "wrote the FHIR R4 bundle of {n} patients to {path}", n).format(
        n=n, path=fhir_out))
