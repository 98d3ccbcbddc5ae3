"""Cached loading of the served model and of the training cohort's reference curves.

``st.cache_resource`` returns one object shared by every session and thread: what is
cached here is the model (read only: never mutated) and aggregates of the training cohort
(its Kaplan-Meier curve), never a patient of a user.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

import risk
from risk import registry
from risk.errors import RegistryError, RiskError
from risk.i18n import N_, _

if TYPE_CHECKING:  # the card's module imports pydantic and numpy: not before the form
    from risk.registry import ModelCard

#: The shipped synthetic cohort: its curves serve as the training reference when the
#: active model's card says it was trained on exactly this file (same sha256).
SHIPPED_COHORT = Path(risk.__file__).resolve().parents[2] / "data" / "synthetic" / "cohort.csv"


@dataclass(frozen=True)
class TrainingReference:
    """Aggregates of the training cohort shown beside a patient's estimate."""

    label: str
    km_times: object = None  # numpy arrays (numpy is imported only once a model loads)
    km_survival: object = None


@dataclass(frozen=True)
class ServedModel:
    """The served model version: its name, the fitted model and its card; ``fallback``
    says why it is not the active one, when it is not ('' when it is)."""

    version: str
    model: object  # risk.model.BiopsyRiskModel
    card: ModelCard
    synthetic: bool  # rests on the shipped synthetic cohort (risk.registry.lineage)
    fallback: str = ""


def model_dir() -> str:
    """The registry folder in use ($RISK_MODEL_DIR or the repository's models/)."""
    return str(registry.default_model_dir().resolve())


def active_version() -> str | None:
    """The active version's name (read from the pointer, cheap; None when none)."""
    try:
        return registry.Registry(model_dir()).active_version()
    except (RiskError, OSError):
        return None


#: Shown on every page whose numbers come from a model resting on synthetic data.
SYNTHETIC_BANNER = (
    N_("**Trained on synthetic data.** The active model was fitted on synthetic patients "
    "calibrated to published figures: every number here illustrates the method, says "
    "nothing about real patients and must not guide the care of a patient."))


def not_a_device_notice() -> str:
    """The notice every page opens with: not a medical device, the intended use, and the
    synthetic-data statement unless the active model rests on real patients."""
    from risk import intended_use

    return _("**Not a medical device.** ") + intended_use(active_is_synthetic() is not False)


def active_is_synthetic() -> bool | None:
    """Whether the active version rests on synthetic data (its card and lineage only,
    without loading the model); None when no version can be read."""
    version = active_version()
    if not version:
        return None
    try:
        return _version_is_synthetic(model_dir(), version)
    except (RiskError, OSError):
        return None


@st.cache_data(show_spinner=False, max_entries=16)
def _version_is_synthetic(folder: str, version: str) -> bool:
    """Once per version: versions and their parents never change, and reading a version
    verifies its files (about 0.1 s), too slow for every rerun of every page."""
    from risk.registry import trained_on_synthetic

    store = registry.Registry(folder)
    return trained_on_synthetic(store.read(version)[1], store.card_or_none)


@st.cache_resource(show_spinner="Loading the model...", max_entries=4)
def _served_model(folder: str, version: str) -> ServedModel:
    loaded = registry.load(version, model_dir=folder)
    _prime(loaded.model, version)
    return ServedModel(loaded.version, loaded.model, loaded.card, loaded.synthetic)


def _prime(model, version: str) -> None:
    """Run every prediction path once, before any session shares the model.

    The model fills some lookup tables on first use; doing it here, while
    ``st.cache_resource`` holds its lock for this entry, means sessions only ever read
    it. The patient estimated is the model's own reference patient.
    """
    from risk.model import estimate_patient

    values = dict(getattr(model, "reference_patient_", None) or {})
    # a model that cannot estimate its reference patient: the page says so on submit
    with contextlib.suppress(Exception):  # priming is an optimisation, never a failure
        estimate_patient(model, values, model_version=version, synthetic=False)


@st.cache_resource(show_spinner=False, max_entries=4)
def _training_reference(folder: str, version: str) -> TrainingReference:
    served = _served_model(folder, version)
    return training_reference(served.model, served.card)


@dataclass(frozen=True)
class InstallationCheck:
    """The served version's reference test pack, re-computed on this installation."""

    check: object = None  # risk.model.PackCheck; None when there is nothing to compare
    problem: str = ""  # why not: no pack stored, or it could not be read or computed


@st.cache_resource(show_spinner="Verifying this installation against the model's "
                   "reference test pack...", max_entries=8)
def _installation_check(folder: str, version: str, manifest_sha256: str) -> InstallationCheck:
    """Once per process, version and manifest (a stored pack is part of the manifest):
    about a second of predictions, shared by every session."""
    try:
        return InstallationCheck(registry.verify_version(registry.Registry(folder), version))
    except RiskError as exc:
        return InstallationCheck(problem=str(exc))


def installation_check(served: ServedModel) -> InstallationCheck:
    """Whether this installation computes what the served version's pack expects."""
    folder = model_dir()
    try:
        manifest = registry.Registry(folder).manifest_sha256(served.version)
    except (RiskError, OSError) as exc:
        return InstallationCheck(problem=str(exc))
    return _installation_check(folder, served.version, manifest)


def clear_served_models() -> None:
    """Forget the cached models (after an activation every page loads the new one)."""
    _served_model.clear()
    _training_reference.clear()
    _installation_check.clear()


def served_reference(served: ServedModel) -> TrainingReference:
    """The training cohort's curve for a served model (computed once per version)."""
    return _training_reference(model_dir(), served.version)


def served_model() -> ServedModel:
    """The active model, loaded and verified once per version (cached across sessions).

    When the active version cannot be served (refused on load: unsigned, untrusted or
    modified; its folder deleted; the pointer missing or damaged) the last version this
    process served, else the latest earlier active version that still verifies, is served
    instead, its ``fallback`` saying what happened (pages show :func:`fallback_notice`).

    Raises
    ------
    risk.errors.RegistryError
        Nothing can be served (the page shows the message).
    """
    folder = model_dir()
    store = registry.Registry(folder)
    try:
        version = store.active_version()
    except RiskError as exc:  # a damaged pointer
        return _fall_back(folder, store, None, str(exc))
    if not version:
        return _fall_back(folder, store, None, f"no model is active in {folder}: run "
                          "'make model' (or 'python -m risk models activate VERSION') and "
                          "reload")
    if not (Path(folder) / version).is_dir():
        return _fall_back(folder, store, version, f"the folder of the active version "
                          f"'{version}' is missing from {folder} (deleted while the app ran?)")
    try:
        served = _served_model(folder, version)
    except RiskError as exc:
        return _fall_back(folder, store, version, str(exc))
    with _LAST_LOCK:
        _LAST_SERVED[folder] = served
    return served


#: The last version served from each registry folder, verified when it was loaded: what
#: the app keeps serving when the registry is damaged under it (replaced, never mutated).
_LAST_SERVED: dict[str, ServedModel] = {}
_LAST_LOCK = threading.Lock()


def _fall_back(folder: str, store: registry.Registry, failed: str | None,
               problem: str) -> ServedModel:
    """The last good version instead of ``failed``, saying why; or the problem raised."""
    with _LAST_LOCK:
        last = _LAST_SERVED.get(folder)
    if last is not None:
        which = ("from the copy loaded and verified before" if last.version == failed
                 else "the version this app served until now")
        return dataclasses.replace(last, fallback=_words(failed, problem, last.version, which))
    try:
        earlier = registry.active_stack(store.history())[::-1]
    except (RiskError, OSError):
        earlier = []
    for version in earlier:
        if version == failed:
            continue
        try:
            served = _served_model(folder, version)
        except RiskError:
            continue
        return dataclasses.replace(served, fallback=_words(
            failed, problem, version, "the latest earlier active version that verifies"))
    raise RegistryError(problem)


def _words(failed: str | None, problem: str, served: str, which: str) -> str:
    head = f"The active version {failed} is not served" if failed else \
        "The active model cannot be read"
    return (f"{head}: {problem}. Serving version {served} instead, {which}. Ask whoever "
            "manages the models to check them ('python -m risk models list') and activate "
            "a trusted version.")


def fallback_notice(served: ServedModel) -> None:
    """Say on the page that the served version is a fallback, and why (nothing if not)."""
    if served.fallback:
        st.warning(served.fallback, icon=":material/gpp_maybe:")


def _summary_reference(model) -> TrainingReference | None:
    """The curve the model stored with itself, when it did."""
    km = (getattr(model, "training_summary_", None) or {}).get("kaplan_meier")
    if not km:
        return None
    import numpy as np

    return TrainingReference(N_("Training cohort (Kaplan-Meier)"),
                             np.asarray(km["months"], float), np.asarray(km["survival"], float))


def training_reference(model, card: ModelCard) -> TrainingReference:
    """The training cohort's Kaplan-Meier curve, when known.

    From the model itself if it stored them, else from the shipped synthetic cohort when
    the model card's fingerprint shows the model was trained on that very file (the
    artifact holds no rows to compute it from).
    """
    stored = _summary_reference(model)
    if stored is not None:
        return stored
    expected = card.training_data.sha256
    if not expected or not SHIPPED_COHORT.exists():
        return TrainingReference("")
    raw = SHIPPED_COHORT.read_bytes()
    if hashlib.sha256(raw).hexdigest() != expected:
        return TrainingReference("")
    return _reference_from_file(raw)


def _reference_from_file(raw: bytes) -> TrainingReference:
    from risk.data import load_cohort
    from risk.stats import kaplan_meier as km_module  # not risk.cohort's: it imports scipy.stats

    frame = load_cohort(raw, "training").frame
    km = km_module.kaplan_meier(frame["os_months"].to_numpy(float), frame["death"].to_numpy(int))
    return TrainingReference(N_("Training cohort (Kaplan-Meier)"), km.times, km.survival)


@st.cache_resource(show_spinner=False, max_entries=4)
def _warm_up(folder: str, version: str) -> bool:
    served = _served_model(folder, version)
    _training_reference(folder, version)
    try:  # the first figure and report imports, off the path of the first submit
        import risk.present.pdf  # noqa: F401
        from risk.present.figures import patient as figures

        ones = [1.0, 1.0, 1.0]
        figures.survival_curve([0.0, 1.0, 2.0], ones, ones, ones).to_json()
        figures.contributions_chart({"age": 0.1}).to_json()  # the first bar chart
    except Exception:  # warming up is an optimisation: it never stops the page
        return False
    return served is not None


def warm_up(served: ServedModel) -> None:
    """Once per model version and process, after the form is on screen: load what the
    first estimate needs (imports, the training curve), so the first submit is fast."""
    _warm_up(model_dir(), served.version)


#: The hidden block that loads the results' element code in the browser.
BROWSER_WARM_UP_KEY = "browser_warm_up"
_BROWSER_WARMED = "browser_warmed_up"  # session flag: once per session is enough


def warm_up_browser() -> None:
    """Once per session: mount, hidden, one element of each kind the results show.

    The browser loads each kind of element's code on its first use; without this the
    first submit waits for it (the metric, table, chart and button code arrive one after
    another: about a second, more on a busy machine). Mounted while the clinician types,
    the code is there when the results come.
    """
    if st.session_state.get(_BROWSER_WARMED):
        return
    st.session_state[_BROWSER_WARMED] = True
    st.html(f"<style>.st-key-{BROWSER_WARM_UP_KEY} {{display: none;}}</style>")
    with st.container(key=BROWSER_WARM_UP_KEY):
        st.metric("warm-up", "0%")
        st.table({"warm-up": ["-"]})
        st.plotly_chart({"data": [{"type": "scatter", "x": [0], "y": [0]}], "layout": {}},
                        key="browser_warm_up_chart")
        st.button("warm-up", key="browser_warm_up_button", disabled=True)
        st.download_button("warm-up", data=b"", key="browser_warm_up_download",
                           disabled=True)
