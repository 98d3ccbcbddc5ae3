"""What each use case of the training path must do on any valid cohort (fuzz tests and
their reproducers): work, or raise the package's own error; never anything else.

- :func:`train_case`: the Retrain page and ``python -m risk train`` (production
  defaults: penalizer and extra terms chosen by 5-fold cross-validation);
- :func:`evaluate_case`: ``python -m risk evaluate`` and the Retrain page's reports;
- :func:`recalibrate_case`: ``python -m risk recalibrate`` and the Retrain page.

A working model has finite coefficients, predictions for the patients it was fitted
(or recalibrated) on with 0 <= lower <= estimate <= upper <= 1 at 12, 36 and 60 months,
and parameters the registry can save. A working evaluation gives the report the CLI
writes (JSON without NaN) with C-indices in [0, 1].
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
from pathlib import Path

import numpy as np

from risk.errors import ModelError
from risk.evaluation.report import evaluate
from risk.model import BiopsyRiskModel
from risk.model.recalibration import recalibrate
from risk.registry.files import canonical_json
from risk.registry.store import Registry

REPO = Path(__file__).resolve().parents[2]
HORIZONS = (12, 36, 60)
#: Bootstrap resamples of an evaluation example: enough to run every code path.
RESAMPLES = 2
#: The Retrain page's default fixed penalty (the internal-validation examples).
FIXED_PENALTY = 0.1
#: Rounding allowed between an interval limit and its estimate.
TOLERANCE = 1e-12


@functools.cache
def shipped_model():
    """The shipped active model, as the CLI and the pages load it (read only)."""
    return Registry(REPO / "models").load().model


def production_model() -> BiopsyRiskModel:
    """The model the Retrain page and ``python -m risk train`` fit by default."""
    return BiopsyRiskModel(penalizer="auto", cv_folds=5, seed=0, extra_terms="auto")


def assert_usable(model, frame) -> None:
    """Finite coefficients; predictions of ``frame`` inside [0, 1] with their intervals
    around them at 12/36/60 months; parameters the registry can save."""
    for name, cox in model.models_.items():
        assert np.all(np.isfinite(cox.coef_.to_numpy(float))), (name, cox.coef_)
        assert np.all(np.isfinite(cox.covariance_.to_numpy(float))), name
    table = model.predict(frame).table
    for h in HORIZONS:
        estimate = table[f"surv_{h}"].to_numpy(float)
        lower = table[f"surv_{h}_lower"].to_numpy(float)
        upper = table[f"surv_{h}_upper"].to_numpy(float)
        for what, values in (("estimate", estimate), ("lower", lower), ("upper", upper)):
            assert np.all(np.isfinite(values)), f"{what} at {h} months not finite"
            assert np.all((values >= 0) & (values <= 1)), f"{what} at {h} months outside [0, 1]"
        assert np.all(lower <= estimate + TOLERANCE), f"lower limit above the estimate at {h}"
        assert np.all(estimate <= upper + TOLERANCE), f"upper limit below the estimate at {h}"
    canonical_json(model.to_dict())  # RegistryError if a parameter is not finite


def _in_unit_interval(value) -> bool:
    return value is None or (math.isfinite(value) and 0.0 <= value <= 1.0)


def assert_sound_report(report) -> None:
    """The report as the CLI writes it (JSON without NaN), C-indices in [0, 1] and
    ordered interval limits."""
    data = report.to_dict()
    json.dumps(data, allow_nan=False)
    for part in (data, data["comparator"]):
        for key in ("harrell_c", "uno_c"):
            assert _in_unit_interval(part.get(key)), (key, part.get(key))
            low, high = part.get(f"{key}_lower"), part.get(f"{key}_upper")
            assert _in_unit_interval(low) and _in_unit_interval(high), (key, low, high)
            if low is not None and high is not None:
                assert low <= high, (key, low, high)


def train_case(frame) -> None:
    try:
        model = production_model().fit(frame)
    except ModelError:
        return
    assert_usable(model, frame)


def evaluate_case(frame, internal: bool = False) -> None:
    """The shipped model on ``frame`` (external validation, what ``python -m risk
    evaluate`` does by default), or with ``internal`` a model trained on ``frame`` (the
    Retrain page's internal validation) with the page's fixed penalty and no extra
    terms: cheap, and its training failures belong to :func:`train_case`. A cohort that
    model cannot be trained on is evaluated with the shipped model. ``ModelError`` (of
    which evaluate's ``EvaluationError`` is one) is the only accepted refusal."""
    model = shipped_model()
    if internal:
        with contextlib.suppress(ModelError):
            model = BiopsyRiskModel(penalizer=FIXED_PENALTY, extra_terms=[]).fit(frame)
    try:
        report = evaluate(model, frame, bootstrap=RESAMPLES, seed=0, n_jobs=1)
    except ModelError:
        return
    assert_sound_report(report)


def recalibrate_case(frame, slope: bool = False) -> None:
    """The shipped model recalibrated on ``frame`` (baseline, or baseline and slope)."""
    try:
        result = recalibrate(shipped_model(), frame, slope=slope)
    except ModelError:
        return
    assert_usable(result.model, frame)
    json.dumps(result.details, allow_nan=False)  # it goes into the model card
