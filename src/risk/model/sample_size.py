"""Is a cohort large enough for the models trained on it? Deaths per candidate parameter.

Riley et al. (BMJ 2020;368:m441, "Calculating the sample size required for developing a
clinical prediction model") show that a model developed on too few events overfits: its
estimates are unstable and its predictions too extreme for new patients. Their full
criteria need the anticipated model fit; the floor they discuss, and that is checked
here, is at least :data:`MIN_EVENTS_PER_PARAMETER` events per candidate predictor
parameter. The candidate parameters are every design column the fit may use, the optional
terms chosen by cross-validation included (:func:`risk.model.features.candidate_columns`).
The biopsy model is fitted on the patients with a liver-biopsy grade only, the
comparator on all. Training stays allowed: the Retrain page and ``train`` warn before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from risk.i18n import N_, _, format_integer, format_number
from risk.model.features import EXTRA_TERMS, candidate_columns

#: Fewest deaths per candidate parameter before a model counts as small for its cohort.
MIN_EVENTS_PER_PARAMETER = 10
_MODEL_WORDS = {"biopsy": N_("the biopsy model (patients with a liver-biopsy grade)"),
                "primary_only": N_("the primary-only comparator (all patients)")}


@dataclass(frozen=True)
class SampleSize:
    """One model's deaths and candidate parameters on a cohort."""

    model: str  # "biopsy" or "primary_only"
    deaths: int
    parameters: int

    @property
    def events_per_parameter(self) -> float:
        return self.deaths / self.parameters

    @property
    def small(self) -> bool:
        return self.deaths < MIN_EVENTS_PER_PARAMETER * self.parameters

    def words(self) -> str:
        """The model's counts in a sentence."""
        return _("{model}: {deaths} deaths for {parameters} candidate parameters "
                 "({ratio} per parameter; at least {needed} deaths are advised)").format(
            model=_(_MODEL_WORDS[self.model]), deaths=format_integer(self.deaths),
            parameters=format_integer(self.parameters),
            ratio=format_number(self.events_per_parameter, 1),
            needed=format_integer(MIN_EVENTS_PER_PARAMETER * self.parameters))


def candidate_parameters(covariates: str) -> int:
    """Every design column a model may use, its optional terms included."""
    terms = tuple(t for t in EXTRA_TERMS if not (covariates == "primary_only"
                                                 and t == "grade_change"))
    return len(candidate_columns(covariates, terms))


def sample_sizes(frame: pd.DataFrame) -> tuple[SampleSize, ...]:
    """The biopsy model's and the comparator's deaths and parameters on a validated
    cohort (``met_grade``, ``death``)."""
    died = frame["death"].fillna(0).to_numpy() > 0
    biopsied = frame["met_grade"].notna().to_numpy()
    return (SampleSize("biopsy", int((died & biopsied).sum()), candidate_parameters("biopsy")),
            SampleSize("primary_only", int(died.sum()), candidate_parameters("primary_only")))


def small_cohort_warning(frame: pd.DataFrame) -> str | None:
    """A warning when a model has fewer deaths than advised for its parameters, else
    None: what is small, and the risk of training on it."""
    small = [s for s in sample_sizes(frame) if s.small]
    if not small:
        return None
    return _("Small cohort for these models: {counts}. With fewer than {epp} deaths per "
             "candidate parameter a model overfits: its estimates are unstable and its "
             "predictions too extreme for new patients (Riley et al., BMJ 2020;368:m441). "
             "Training is allowed; read the optimism-corrected figures and the calibration "
             "slope of the validation before saving.").format(
        counts=_("; ").join(s.words() for s in small), epp=MIN_EVENTS_PER_PARAMETER)
