"""The model card saved with every model version: what the model is for, what it was
trained on (a fingerprint and counts, never rows), how well it did, and with what.

A card is a :class:`ModelCard` (typed, frozen), built here and stored by
:mod:`risk.registry.store` as ``card.json``: JSON comes in only through
:meth:`ModelCard.from_json` and goes out only through :meth:`ModelCard.to_json`. The JSON
names are those of every earlier card; a card reads back to the same bytes, older cards
(without ``methods``, ``fitting_notes``...) read with those fields empty, and keys this
version does not know are kept.
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from importlib import metadata
from typing import TYPE_CHECKING, Any, Literal

from pydantic import ConfigDict, Field

import risk
from risk._records import Number, Record
from risk.evaluation.headline import Headline
from risk.registry.files import canonical_json
from risk.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    import pandas as pd

    from risk.evaluation.document import EvaluationReport

#: The format of ``card.json``: its fields and their JSON names.
CARD_FORMAT = 1
KINDS = ("trained", "recalibrated")
#: Libraries whose versions can change a fit or a prediction.
LIBRARIES = ("numpy", "pandas", "scipy", "lifelines", "scikit-learn")


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string, to the second (``...Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class TrainingData(Record):
    """What a version was trained (or recalibrated) on: a fingerprint and counts, never
    a row. ``synthetic``: every patient id carried the generator's mark. ``pfs_patients``,
    ``pfs_events``, ``progressions``: the cohort's progression-free survival
    (:func:`risk.stats.outcome.pfs_counts`), what a trained version's PFS model was fitted
    on; absent for a cohort without PFS."""

    model_config = ConfigDict(extra="allow")

    sha256: str | None = None
    patients: int | None = None
    events: int | None = None
    median_follow_up_months: Number = None
    schema_version: int | None = None
    patients_with_biopsy_grade: int | None = None
    synthetic: bool | None = None
    pfs_patients: int | None = None
    pfs_events: int | None = None
    progressions: int | None = None


class Methods(Record):
    """How the coefficients and the 95% intervals were computed, in words."""

    estimation: str = ""
    intervals: str = ""


class MeasuredHeadline(Headline):
    """Headline numbers of a validation (rounded to 4 places) and what they were measured
    on (:func:`risk.model.training.card_metrics`)."""

    measured_on: str | None = None


class ComparedWith(MeasuredHeadline):
    """The active model's numbers on the same cohort, when a new version was trained."""

    version: str | None = None


class ObservedVsPredicted(Record):
    """Observed and mean predicted survival at one horizon, before and after a
    recalibration."""

    months: int | float
    observed: Number = None
    predicted_before: Number = None
    predicted_after: Number = None


class CardMetrics(MeasuredHeadline):
    """What evaluation stored with a version (empty: not evaluated): the headline
    numbers, the whole report (``evaluation``, :meth:`stored_report`), the active model's
    numbers on the same cohort, or a recalibration's observed vs predicted survival."""

    model_config = ConfigDict(extra="allow")

    evaluation: dict[str, Any] | None = None
    compared_with: ComparedWith | None = None
    biopsy_model_observed_vs_predicted: list[ObservedVsPredicted] | None = None
    comparator_model_observed_vs_predicted: list[ObservedVsPredicted] | None = None
    #: Cards of the first versions: Harrell's C on the training data (not a validation).
    c_index_apparent_training: Number = None

    def stored_report(self) -> EvaluationReport | None:
        """The stored report (:meth:`risk.evaluation.document.EvaluationReport.from_dict`),
        or None when there is none this version of the code can read."""
        from risk.evaluation.document import EvaluationError, EvaluationReport

        if not isinstance(self.evaluation, dict):
            return None
        try:
            return EvaluationReport.from_dict(self.evaluation)
        except EvaluationError:
            return None


class ModelCard(Record):
    """A version's model card (``card.json``); the registry sets ``version`` when it saves."""

    model_config = ConfigDict(extra="allow")

    card_format: int = CARD_FORMAT
    kind: Literal["trained", "recalibrated"] = "trained"
    parent: str | None = None
    created_utc: str | None = None
    intended_use: str | None = None
    settings: dict[str, Any] = Field(default_factory=dict)
    training_data: TrainingData = Field(default_factory=TrainingData)
    metrics: CardMetrics = Field(default_factory=CardMetrics)
    methods: Methods | None = None
    libraries: dict[str, str] = Field(default_factory=dict)
    notes: str = ""
    fitting_notes: list[str] = Field(default_factory=list)
    version: str | None = None

    @classmethod
    def from_json(cls, data: bytes | str) -> ModelCard:
        """The card of ``card.json``'s bytes (ValueError when they are not a JSON object,
        pydantic's ValidationError when a field has the wrong type)."""
        value = json.loads(data)
        if not isinstance(value, dict):
            raise ValueError("a model card is a JSON object")
        return cls.from_dict(value)

    def to_json(self) -> bytes:
        """``card.json``'s bytes: canonical JSON (sorted keys), the same for the same card."""
        return canonical_json(self.to_dict())

    def with_version(self, version: str) -> ModelCard:
        """The same card naming its version (as the registry saves it)."""
        return self.model_copy(update={"version": version})


def methods() -> Methods:
    """How this software estimates coefficients and intervals (stored with each version)."""
    from risk.model.bands import INTERVAL_METHOD
    from risk.model.fit import ESTIMATION_METHOD

    return Methods(estimation=ESTIMATION_METHOD, intervals=INTERVAL_METHOD)


def library_versions() -> dict[str, str]:
    """Python and the numerical libraries installed now (``"absent"`` when missing)."""
    versions = {"python": platform.python_version(), "risk": risk.__version__}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def data_fingerprint(frame: pd.DataFrame, raw_bytes: bytes | None = None) -> TrainingData:
    """What the model was trained on, without a single row of it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The canonical cohort frame (``os_months``, ``death``, ``met_grade``).
    raw_bytes : bytes, optional
        The training file exactly as read: its sha256 identifies the file.
    """
    from risk.data.validation import median_follow_up  # reverse Kaplan-Meier
    from risk.stats.outcome import pfs_counts

    death = frame["death"].to_numpy(dtype=int)
    follow_up = median_follow_up(frame["os_months"].to_numpy(dtype=float), death)
    summary = {
        "sha256": hashlib.sha256(raw_bytes).hexdigest() if raw_bytes is not None else None,
        "patients": int(len(frame)),
        "events": int(death.sum()),
        "median_follow_up_months": None if follow_up is None else round(follow_up, 2),
        "schema_version": SCHEMA_VERSION,
    }
    if "met_grade" in frame:
        summary["patients_with_biopsy_grade"] = int(frame["met_grade"].notna().sum())
    summary["synthetic"] = is_synthetic_cohort(frame)
    pfs = pfs_counts(frame)
    if pfs.patients:
        summary.update(pfs_patients=pfs.patients, pfs_events=pfs.events,
                       progressions=pfs.progressions)
    return TrainingData.from_dict(summary)


def is_synthetic_cohort(frame: pd.DataFrame) -> bool:
    """True when every patient id carries the generator's mark (one aggregate, no rows)."""
    from risk.synthetic.shipped import SYNTHETIC_ID_PREFIX

    if "patient_id" not in frame or not len(frame):
        return False
    return bool(frame["patient_id"].astype(str).str.startswith(SYNTHETIC_ID_PREFIX).all())


def build_card(
    *,
    training_data: TrainingData | dict[str, Any],
    settings: dict[str, Any] | None = None,
    metrics: CardMetrics | dict[str, Any] | None = None,
    kind: Literal["trained", "recalibrated"] = "trained",
    parent: str | None = None,
    notes: str = "",
    fitting_notes: list[str] | tuple[str, ...] = (),
) -> ModelCard:
    """A model card; the registry adds ``version`` when it saves.

    ``metrics`` is the slot evaluation fills (e.g. ``{"harrell_c": ...}``), each value
    saying what data it was measured on; empty means not evaluated yet.
    ``fitting_notes`` are the fit's own notes (columns left out and why, a stabilising
    penalty): the English sentences of ``BiopsyRiskModel.notes_``, as the model file
    stores them (:mod:`risk.model.fit_notes` words them for a reader).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    if kind == "recalibrated" and not parent:
        raise ValueError("a recalibrated model must name its parent version")
    return ModelCard(
        card_format=CARD_FORMAT,
        kind=kind,
        parent=parent,
        created_utc=utc_now(),
        # the population only: a researcher's model is not the shipped synthetic one
        intended_use=risk.INTENDED_POPULATION,
        settings=dict(settings or {}),
        training_data=TrainingData.from_dict(training_data),
        metrics=CardMetrics.from_dict(metrics or {}),
        methods=methods(),
        libraries=library_versions(),
        notes=notes,
        fitting_notes=list(fitting_notes),
    )
