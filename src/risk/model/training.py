"""Training a new model version: fit, validate, and compare with the active model.

The one training use case: the Retrain page and ``python -m risk train`` both run it, so
a version trained either way has the same kind of card. Once the cohort is valid:

1. fit a new :class:`~risk.model.BiopsyRiskModel` (both models) with the chosen settings;
2. evaluate it on the same cohort (:func:`risk.evaluation.report.evaluate`): an *internal*
   validation, whose bootstrap optimism correction says how much of the fit is luck;
3. evaluate the active model on that cohort: an *external* validation of the model
   clinicians are served now, on exactly the same patients;
4. build the model card of the new version (:func:`candidate_card`): settings, the data
   fingerprint (sha256, patients, deaths, follow-up; never rows), the headline metrics
   and what they were measured on, the column mapping used, and the version it was
   compared with.

Nothing here writes to the registry: saving and activating are separate, explicit steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from risk.i18n import N_, _, ngettext
from risk.model.settings import check_setting

if TYPE_CHECKING:
    from risk.evaluation.document import EvaluationReport
    from risk.model.fit_notes import FitNote
    from risk.model.pair import BiopsyRiskModel
    from risk.registry.card import ModelCard, TrainingData

#: Share of the progress bar each stage takes (fit, evaluate new, evaluate active).
_STAGES = (0.25, 0.45, 0.30)
#: Headline metrics recorded in the card, from :meth:`EvaluationReport.summary`.
CARD_METRICS = ("harrell_c", "harrell_c_lower", "harrell_c_upper", "harrell_c_corrected",
                "uno_c", "auc_60", "brier_60", "brier_60_corrected", "ibs",
                "calibration_slope_60", "calibration_slope_corrected", "ici_60", "delta_c",
                "nri_60")

Progress = Callable[[float, str], None]

#: What the active version's stored metrics were measured on (the card keeps it, in
#: English; worded where shown). Cards saved before said "external validation of that
#: version", which claimed more than a file comparison shows; still worded for them.
COMPARED_ON = N_("the same cohort (not that version's training file)")
_COMPARED_ON_BEFORE = N_("the same cohort (external validation of that version)")


@dataclass(frozen=True)
class TrainingSettings:
    """What the researcher chose: penalty, bootstrap resamples and seed."""

    penalizer: float | str = "auto"  # "auto" or a number >= 0
    bootstrap: int = 50
    seed: int = 0

    def check(self) -> TrainingSettings:
        """Return self, or raise ModelError naming the setting, what is allowed and got."""
        for name in ("penalizer", "bootstrap", "seed"):
            check_setting(name, getattr(self, name))
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"penalizer": self.penalizer, "bootstrap": self.bootstrap, "seed": self.seed}


@dataclass
class Candidate:
    """A trained, evaluated model not saved yet (it lives in the user's session).

    ``report`` and ``active_report`` are the evaluations of the new and of the active
    model (:class:`~risk.evaluation.document.EvaluationReport`); ``active_report`` is None
    when no model is active.
    """

    model: BiopsyRiskModel
    settings: TrainingSettings
    training_data: TrainingData
    report: EvaluationReport
    active_report: EvaluationReport | None = None
    active_version: str | None = None
    column_mapping: dict[str, Any] = field(default_factory=dict[str, Any])
    notes: list[FitNote] = field(default_factory=list)


def _stage(progress: Progress | None, start: float, width: float, text: str
           ) -> Callable[[int, int], None] | None:
    """A ``(done, total)`` callback filling ``width`` of the bar from ``start``."""
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        share = done / total if total else 1.0
        progress(min(1.0, start + width * share),
                 ngettext("{stage}: {done} of {total} resample",
                          "{stage}: {done} of {total} resamples", total).format(
                     stage=_(text), done=done, total=total))

    return report


def fit_models(frame: pd.DataFrame, settings: TrainingSettings) -> BiopsyRiskModel:
    """The served pair fitted with ``settings`` (also what ``train --reproduce`` refits);
    a :class:`~risk.errors.ModelError` explains a cohort no model can be fitted on."""
    from risk.model.pair import BiopsyRiskModel

    return BiopsyRiskModel(penalizer=settings.check().penalizer, seed=settings.seed).fit(frame)


def train_and_evaluate(frame: pd.DataFrame, settings: TrainingSettings,
                       training_data: TrainingData | dict[str, Any],
                       active: BiopsyRiskModel | None = None,
                       active_version: str | None = None,
                       progress: Progress | None = None, n_jobs: int = -1,
                       column_mapping: dict[str, Any] | None = None,
                       active_synthetic: bool = False) -> Candidate:
    """Fit a new model on ``frame`` and evaluate it, and the active model, on ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The validated canonical cohort with outcomes.
    settings : TrainingSettings
    training_data : TrainingData
        :func:`risk.registry.card.data_fingerprint` of the uploaded file.
    active : BiopsyRiskModel, optional
        The served model (read only: only its predictions are used).
    active_synthetic : bool
        The served model rests on synthetic data (its report then says so).
    progress : callable, optional
        ``progress(fraction, text)`` as each stage and bootstrap chunk finishes.
    """
    from risk.evaluation.report import evaluate
    from risk.registry.card import TrainingData

    settings.check()
    fit_share, new_share, active_share = _STAGES if active is not None else (0.35, 0.65, 0.0)
    if progress:
        penalty = (_("maximum partial likelihood") if settings.penalizer == "auto"
                   else _("penalty {penalty}").format(penalty=f"{settings.penalizer:g}"))
        progress(0.02, _("Fitting the biopsy model and the comparator ({penalty})").format(
            penalty=penalty))
    model = fit_models(frame, settings)
    if progress:
        progress(fit_share, _("Evaluating the new model on your cohort"))
    report = evaluate(model, frame, bootstrap=settings.bootstrap, seed=settings.seed,
                      n_jobs=n_jobs, progress=_stage(progress, fit_share, new_share,
                                                     N_("Bootstrap of the new model")))
    candidate = Candidate(model, settings, TrainingData.from_dict(training_data), report,
                          column_mapping=dict(column_mapping or {}), notes=list(model.notes_))
    if active is not None:
        start = fit_share + new_share
        if progress:
            progress(start, _("Evaluating the active model {version} on your cohort").format(
                version=active_version))
        other = evaluate(active, frame, bootstrap=settings.bootstrap, seed=settings.seed,
                         n_jobs=n_jobs, model_synthetic=active_synthetic,
                         progress=_stage(progress, start, active_share,
                                         N_("Bootstrap of the active model")))
        other.model_version = active_version
        candidate.active_report = other
        candidate.active_version = active_version
    if progress:
        progress(1.0, _("Done"))
    return candidate


def card_metrics(report: EvaluationReport, measured_on: str, external: bool = False) -> dict[str, Any]:
    """The card's metrics: headline numbers of a report and what they were measured on.

    ``external=True`` leaves out the optimism-corrected values: they correct a model
    evaluated on its own training data, not one evaluated on new patients.
    """
    keys = [k for k in CARD_METRICS if not (external and k.endswith("_corrected"))]
    headline = report.headline.to_dict()  # the numbers the report holds
    out = {key: _rounded(headline[key]) for key in keys if key in headline}
    out["measured_on"] = measured_on
    return out


def _rounded(value: object) -> object:
    return round(value, 4) if isinstance(value, float) else value


def candidate_card(candidate: Candidate, notes: str = "") -> ModelCard:
    """The model card of a candidate about to be saved."""
    from risk.registry.card import build_card

    model = candidate.model
    settings = candidate.settings.to_dict()
    for name in ("biopsy_model_", "comparator_model_"):
        settings[f"{name.rstrip('_')}_penalizer_chosen"] = float(getattr(model, name).penalizer_)
    if candidate.column_mapping:
        settings["column_mapping"] = dict(candidate.column_mapping)
    metrics = card_metrics(
        candidate.report, N_("the training cohort itself (internal validation; "
                             "'corrected' values are bootstrap optimism-corrected)"))
    # the whole report, as `train --evaluate` stores it: the Model page draws its figures
    metrics["evaluation"] = candidate.report.to_dict()
    if candidate.active_report is not None:
        metrics["compared_with"] = {
            "version": candidate.active_version,
            **card_metrics(candidate.active_report,
                               COMPARED_ON,
                               external=True)}
    return build_card(training_data=candidate.training_data, settings=settings,
                      metrics=metrics, notes=notes, fitting_notes=[str(note) for note in candidate.notes])
