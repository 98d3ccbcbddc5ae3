"""The patient form: one ``st.form`` of schema widgets, and the estimate on submit.

The submit callback validates and estimates before the page reruns, so the form can
show each problem at its field and each grade's derivation beside it. The patient lives
only in ``st.session_state`` (the widgets' own keys and :data:`RESULT_KEY`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING

import streamlit as st

from risk import schema
from risk.errors import Problem, RiskError, ValidationError
from risk.i18n import N_, _, ngettext
from riskapp.loaders import served_model
from riskapp.widgets import schema_widget, widget_default

if TYPE_CHECKING:
    from risk.model import PatientEstimate

# risk.model.patient_estimate (numpy, pandas) is imported where first needed: the empty form shows
# without them, so the page's first render does not wait for those imports.

_log = logging.getLogger(__name__)

RESULT_KEY = "patient_estimate"
PROBLEMS_KEY = "patient_problems"
#: The values last submitted: Streamlit forgets a page's widgets while another page
#: runs, and the form must come back showing the patient its estimate was made from.
SUBMITTED_KEY = "patient_submitted"
SUBMIT_KEY = "predict"
CLEAR_KEY = "clear"
#: The form's three columns: a title, the fields (schema names = widget keys), a note.
FORM_SECTIONS = (
    (N_("Patient and disease extent"),
     ("age", "sex", "ecog", "met_timing", "liver_burden", "extrahepatic_mets", "sstr_status",
      "alive_months"),
     None),
    (N_("Primary tumor"),
     ("primary_site", "differentiation", "primary_ki67", "primary_cells_counted",
      "primary_mitoses", "primary_grade", "primary_resected", "functional_syndrome"),
     None),
    (N_("Liver-metastasis biopsy (CT-guided core needle)"),
     ("met_ki67", "met_cells_counted", "met_mitoses", "met_grade"),
     N_("Leave these empty when there is no diagnostic liver biopsy: the estimate then "
     "comes from the primary-only model.")),
)
FORM_FIELDS = tuple(name for _, names, _ in FORM_SECTIONS for name in names)
GENERAL = "__form__"  # problems that belong to no single field
UNEXPECTED = (N_("The estimate could not be computed for these inputs. Nothing was saved; "
              "please check the inputs, and report the problem if it persists."))


def form_values() -> dict:
    """The submitted form values by schema name (None for a blank field)."""
    return {name: st.session_state.get(name) for name in FORM_FIELDS}


#: Advice worded for a cohort file, which a form has no use for.
_FILE_ADVICE = (": remove this patient",)


def _in_words(text: str) -> str:
    """Column names (``met_grade``) said as the form labels them (Liver biopsy WHO grade)."""
    for name in sorted(FORM_FIELDS, key=len, reverse=True):
        text = re.sub(rf"\b{name}\b", schema.column_label(name), text)
    return text


def field_message(problem: Problem) -> str:
    """A problem as said at its field (the field itself names the column).

    A choice list shows what may be chosen, so a category's list of codes is left out;
    a rule (the WHO grading thresholds, a range) is kept.
    """
    if problem.message == _("required but empty"):  # the validator's words, translated
        return _("Required: please fill this in.")
    text = problem.message
    for advice in _FILE_ADVICE:
        text = text.replace(advice, "")
    column = schema.BY_NAME.get(problem.column)
    is_choice = column is not None and column.kind == "category" and "WHO" not in (
        problem.allowed or "")
    if problem.allowed and not is_choice:
        text += _("; allowed: {allowed}").format(allowed=problem.allowed)
    text = _in_words(text)
    # TRANSLATORS: the end of a sentence: Chinese ends it with 。
    return _("{sentence}.").format(sentence=text[:1].upper() + text[1:].rstrip("."))


def problems_by_field(problems: list[Problem]) -> dict[str, list[str]]:
    """Messages grouped by the field they belong to (:data:`GENERAL` for the others)."""
    out: dict[str, list[str]] = {}
    for problem in problems:
        if problem.column in FORM_FIELDS:
            out.setdefault(problem.column, []).append(field_message(problem))
        else:
            out.setdefault(GENERAL, []).append(str(replace(problem, row=None)))
    return out


def on_predict() -> None:
    """Submit callback: validate, estimate, and keep the result in session state only."""
    from risk.model import estimate_patient
    from riskapp.language import apply_language
    from riskapp.timing import callback_started

    callback_started()
    apply_language()  # a callback runs before the script sets it: its messages are words

    st.session_state[SUBMITTED_KEY] = form_values()
    try:
        served = served_model()
        estimate = estimate_patient(served.model, form_values(), model_version=served.version,
                                    synthetic=served.synthetic)
    except ValidationError as exc:
        st.session_state[PROBLEMS_KEY] = problems_by_field(exc.problems)
        st.session_state.pop(RESULT_KEY, None)
        return
    except RiskError as exc:
        st.session_state[PROBLEMS_KEY] = {GENERAL: [str(exc)]}
        st.session_state.pop(RESULT_KEY, None)
        return
    except Exception as exc:  # never a traceback for a clinician
        # the log names the failure only: no value, message or traceback of the patient
        _log.error("patient estimate failed: %s", type(exc).__name__)
        st.session_state[PROBLEMS_KEY] = {GENERAL: [_(UNEXPECTED)]}
        st.session_state.pop(RESULT_KEY, None)
        return
    st.session_state[PROBLEMS_KEY] = {}
    st.session_state[RESULT_KEY] = estimate


#: Said above every result: a form sends nothing until it is submitted, so a field
#: changed since is not in the estimate below.
SUBMITTED_NOTE = N_("These results are for the inputs last submitted (listed under *Inputs as "
                    "entered*). After changing a field, press **Estimate survival** again.")
STALE_WARNING = N_("**The inputs have changed since this estimate was made.** The results "
                 "below are for the inputs submitted before the change: press **Estimate "
                 "survival** to update them.")


def inputs_changed() -> bool:
    """True when the form's values differ from those the shown estimate was made from."""
    submitted = st.session_state.get(SUBMITTED_KEY)
    return submitted is not None and submitted != form_values()


def clear_patient() -> None:
    """Forget the patient: every field, the estimate and the messages (next patient).

    Each field is set back to its blank value rather than deleted: a deleted widget
    state resets the server's copy only, and the browser would keep showing (and on the
    next submit send) the previous patient's values.
    """
    for key in (RESULT_KEY, PROBLEMS_KEY, SUBMITTED_KEY):
        st.session_state.pop(key, None)
    for name in FORM_FIELDS:
        st.session_state[name] = widget_default(name)


def _field_notes(name: str, problems: dict, submitted: dict | None) -> None:
    for message in problems.get(name, []):
        st.error(message, icon=":material/error:")
    if submitted is None or name not in ("primary_grade", "met_grade"):
        return
    from risk.model import describe_grade, grades_as_entered

    check = grades_as_entered(submitted)[name]
    if check.contradiction:
        return  # the error above says it
    text = describe_grade(name, check, submitted)
    if name == "met_grade" and check.grade is None:
        st.info(text, icon=":material/info:")
    else:
        st.caption(text)


def _restore_submitted() -> None:
    """Put the submitted values back into fields Streamlit forgot (after another page)."""
    submitted = st.session_state.get(SUBMITTED_KEY)
    if not submitted:
        return
    for name in FORM_FIELDS:
        if name not in st.session_state:
            st.session_state[name] = submitted.get(name, widget_default(name))


def patient_form() -> None:
    """Render the form; problems and grade derivations appear at their fields.

    The form needs no model: it shows at once, while the model loads below it.
    """
    _restore_submitted()
    problems: dict = st.session_state.get(PROBLEMS_KEY, {})
    result: PatientEstimate | None = st.session_state.get(RESULT_KEY)
    submitted = form_values() if (problems or result is not None) else None
    with st.form("patient_form", enter_to_submit=False):
        st.markdown(_("Enter one patient. No name or record number is asked for, and nothing "
                    "entered is stored: it lives only in this browser session."))
        for message in problems.get(GENERAL, []):
            st.error(message, icon=":material/error:")
        n = sum(len(v) for k, v in problems.items() if k != GENERAL)
        if n:
            st.error(ngettext("{n} problem to correct: see the field marked below.",
                               "{n} problems to correct: see the fields marked below.",
                               n).format(n=n), icon=":material/error:")
        columns = st.columns(len(FORM_SECTIONS), gap="large")
        for column, (title, names, note) in zip(columns, FORM_SECTIONS, strict=True):
            with column:
                st.markdown(f"**{_(title)}**")
                if note:
                    st.caption(_(note))
                for name in names:
                    schema_widget(name)
                    _field_notes(name, problems, submitted)
        st.form_submit_button(_("Estimate survival"), key=SUBMIT_KEY, type="primary",
                              icon=":material/query_stats:", on_click=on_predict)
    if problems or result is not None:
        st.button(_("New patient: clear the form"), key=CLEAR_KEY, on_click=clear_patient,
                  icon=":material/restart_alt:")
