"""The Patient page's FHIR R4: the estimate as a Bundle to download, and the form filled
from an uploaded Bundle of Observations (and a Patient for age and sex).

The upload is read in memory by :func:`risk.fhir.read_bundle` (JSON only, nothing written
or logged); only the form values it yields are kept in session state, never a name or
identifier (the reader does not read them). What was read, and what was ignored, is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from risk import registry, schema
from risk.errors import Problem, ValidationError
from risk.fhir import (
    BundlePatient,
    BundleReading,
    ModelIdentity,
    assessment_of,
    bundle_bytes,
    read_bundle,
)
from risk.i18n import _
from riskapp.loaders import ServedModel, model_dir
from riskapp.patient_form import FORM_FIELDS, PROBLEMS_KEY, RESULT_KEY, SUBMITTED_KEY
from riskapp.widgets import widget_default

if TYPE_CHECKING:
    from risk.model import PatientEstimate

# pandas (the tables) is imported where a bundle was read: the empty form shows without it.

FHIR_UPLOAD_KEY = "fhir_upload"
READING_KEY = "fhir_reading"
CHOICE_KEY = "fhir_patient"
FILL_KEY = "fhir_fill"
DOWNLOAD_KEY = "fhir_download"
FHIR_UPLOAD_TYPES = [".json", "application/json", "application/fhir+json"]


@st.cache_data(show_spinner=False, max_entries=8)
def _model_sha256(folder: str, version: str) -> str:
    """The sha256 of a version's model.json (versions never change: once per version)."""
    return str(registry.Registry(folder).show(version)["manifest"]["files"]["model.json"])


def fhir_download(est: PatientEstimate, served: ServedModel) -> None:
    """The "Download as FHIR" button: this estimate as an R4 Bundle."""
    model = ModelIdentity(served.version, _model_sha256(model_dir(), served.version),
                          served.synthetic)
    st.download_button(
        _("Download as FHIR (R4 Bundle, JSON)"),
        data=lambda: bundle_bytes([assessment_of(est)], model),
        file_name=f"survival-estimate-{est.created.isoformat()}.fhir.json",
        mime="application/fhir+json", key=DOWNLOAD_KEY, icon=":material/download:",
        on_click="ignore")
    st.caption(_("A Patient (age and sex only), the inputs as Observations (LOINC where a "
               "code exists) and a RiskAssessment naming the model version and its sha256."))


def fill_form(patient: BundlePatient) -> None:
    """Every field from the bundle's patient; a field it does not give is blank."""
    for key in (RESULT_KEY, PROBLEMS_KEY, SUBMITTED_KEY):
        st.session_state.pop(key, None)
    for name in FORM_FIELDS:
        st.session_state[name] = patient.values.get(name, widget_default(name))


def _on_upload() -> None:
    uploaded = st.session_state.get(FHIR_UPLOAD_KEY)
    if uploaded is None:
        st.session_state.pop(READING_KEY, None)
        return
    try:
        if not str(uploaded.name).lower().endswith(".json"):
            raise ValidationError([Problem(_("'{name}' is not a JSON file").format(name=uploaded.name),
                                           allowed=_("a FHIR Bundle saved as .json"))],
                                  summary=_("the FHIR bundle cannot be read"))
        reading: BundleReading | ValidationError = read_bundle(uploaded.getvalue())
    except ValidationError as exc:
        reading = exc
    st.session_state[READING_KEY] = reading
    if isinstance(reading, BundleReading) and len(reading.patients) == 1:
        fill_form(reading.patients[0])


def _on_fill() -> None:
    reading = st.session_state.get(READING_KEY)
    labels = [p.label for p in reading.patients] if isinstance(reading, BundleReading) else []
    chosen = st.session_state.get(CHOICE_KEY)
    if chosen in labels:
        fill_form(reading.patients[labels.index(chosen)])


def _value_words(name: str, value: object) -> str:
    unit = schema.column(name).unit
    return schema.label(name, value) + (f" {unit}" if unit and not isinstance(value, bool)
                                        and schema.column(name).kind != "category" else "")


def _table(rows: list[dict[str, str]], key: str) -> None:
    import pandas as pd

    from riskapp.charts import static_table

    with st.container(key=key):
        static_table(pd.DataFrame(rows), hide_index=True)


def _show_reading(reading: BundleReading) -> None:
    from riskapp.charts import as_plain_markdown

    patients = reading.patients
    if len(patients) > 1:
        st.selectbox(_("The bundle holds {v0} patients: which one?").format(v0=len(patients)),
                     [p.label for p in patients], key=CHOICE_KEY)
        st.button(_("Fill the form with this patient"), key=FILL_KEY, on_click=_on_fill)
    chosen = st.session_state.get(CHOICE_KEY) if len(patients) > 1 else patients[0].label
    patient = next((p for p in patients if p.label == chosen), patients[0])
    st.success(_("Read {v0} field(s) of {label} into the form below: check them, then estimate.").format(v0=len(patient.read), label=patient.label), icon=":material/check_circle:")
    rows = [{"Field": schema.column(r.name).label, "Value": _value_words(r.name, r.value),
             "From": r.source} for r in patient.read]
    _table(rows, "fhir_read")
    ignored = [*patient.ignored, *reading.ignored]
    if ignored:
        with st.container(key="fhir_ignored"):
            st.markdown(_("**Ignored ({v0})**: not read, and nothing of it kept.").format(v0=len(ignored)))
            for line in ignored[:30]:
                st.markdown(f"- {as_plain_markdown(line)}")
            if len(ignored) > 30:
                st.caption(_("... and {v0} more.").format(v0=len(ignored) - 30))


def fhir_upload() -> None:
    """The uploader above the form, and what the last bundle gave."""
    reading = st.session_state.get(READING_KEY)
    with st.expander(_("Fill the form from a FHIR R4 bundle"), expanded=reading is not None,
                     icon=":material/upload_file:"):
        st.file_uploader(_("FHIR Bundle (JSON) of a patient's Observations and Patient"),
                         type=FHIR_UPLOAD_TYPES, key=FHIR_UPLOAD_KEY, on_change=_on_upload,
                         help=_("Read in memory only; names and identifiers are never read."))
        if isinstance(reading, ValidationError):
            st.error(_("**{v0}**: nothing was filled in.").format(v0=reading.summary[:1].upper() + reading.summary[1:]), icon=":material/error:")
            _table([{_("Where"): p.column or _("the file"), _("Problem"): p.message
                     + ("" if p.value is None else _(" (got {value!r})").format(value=p.value)),
                     "Allowed": p.allowed or ""} for p in reading.problems], "fhir_problems")
        elif isinstance(reading, BundleReading):
            _show_reading(reading)
