"""The model card saved with every model version: what the model is for, what it was
trained on (a fingerprint and counts, never rows), how well it did, and with what.

A card is a plain JSON-safe dict, built here and stored by :mod:`risk.registry.store`.
"""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib import metadata

import risk
from risk.schema import SCHEMA_VERSION

CARD_FORMAT = 1
KINDS = ("trained", "recalibrated")
#: Libraries whose versions can change a fit or a prediction.
LIBRARIES = ("numpy", "pandas", "scipy", "lifelines", "scikit-learn")


def utc_now() -> str:
    """The current time as an ISO 8601 UTC string, to the second (``...Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def methods() -> dict[str, str]:
    """How this software estimates coefficients and intervals (stored with each version)."""
    from risk.model.bands import INTERVAL_METHOD
    from risk.model.fit import ESTIMATION_METHOD

    return {"estimation": ESTIMATION_METHOD, "intervals": INTERVAL_METHOD}


def library_versions() -> dict[str, str]:
    """Python and the numerical libraries installed now (``"absent"`` when missing)."""
    versions = {"python": platform.python_version(), "risk": risk.__version__}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def data_fingerprint(frame, raw_bytes: bytes | None = None) -> dict:
    """What the model was trained on, without a single row of it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The canonical cohort frame (``os_months``, ``death``, ``met_grade``).
    raw_bytes : bytes, optional
        The training file exactly as read: its sha256 identifies the file.
    """
    from risk.data.validation import median_follow_up  # reverse Kaplan-Meier

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
    return summary


def is_synthetic_cohort(frame) -> bool:
    """True when every patient id carries the generator's mark (one aggregate, no rows)."""
    from risk.synthetic.generator import SYNTHETIC_ID_PREFIX

    if "patient_id" not in frame or not len(frame):
        return False
    return bool(frame["patient_id"].astype(str).str.startswith(SYNTHETIC_ID_PREFIX).all())


def build_card(
    *,
    training_data: dict,
    settings: dict | None = None,
    metrics: dict | None = None,
    kind: str = "trained",
    parent: str | None = None,
    notes: str = "",
    fitting_notes: list[str] | tuple[str, ...] = (),
) -> dict:
    """A model card (JSON-safe dict); the registry adds ``version`` when it saves.

    ``metrics`` is the slot evaluation fills (e.g. ``{"c_index": ...}``), each value
    saying what data it was measured on; an empty dict means not evaluated yet.
    ``fitting_notes`` are the fit's own notes in words (columns left out and why, a
    stabilising penalty), as ``BiopsyRiskModel.notes_`` has them.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    if kind == "recalibrated" and not parent:
        raise ValueError("a recalibrated model must name its parent version")
    return {
        "card_format": CARD_FORMAT,
        "kind": kind,
        "parent": parent,
        "created_utc": utc_now(),
        # the population only: a researcher's model is not the shipped synthetic one
        "intended_use": risk.INTENDED_POPULATION,
        "settings": dict(settings or {}),
        "training_data": dict(training_data),
        "metrics": dict(metrics or {}),
        "methods": methods(),
        "libraries": library_versions(),
        "notes": notes,
        "fitting_notes": list(fitting_notes),
    }
