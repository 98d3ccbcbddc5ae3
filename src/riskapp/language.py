"""The session's language: a selector in the sidebar, its first value from the browser's
locale, applied to every script run (and fragment run) before anything is written."""

from __future__ import annotations

import streamlit as st

from risk.i18n import LANGUAGES, language_from_locale, use_language

#: The selector's key in the session state (and its CSS class ``st-key-language``).
LANGUAGE_KEY = "language"


def session_language() -> str:
    """The session's language: the one chosen, else the browser's locale's."""
    chosen = st.session_state.get(LANGUAGE_KEY)
    if chosen in LANGUAGES:
        return str(chosen)
    try:
        locale = st.context.locale
    except Exception:  # no browser (AppTest): the default language
        locale = None
    return language_from_locale(locale)


def apply_language() -> str:
    """Make the session's language current for this run (fragments call it too)."""
    language = session_language()
    use_language(language)
    return language


def _keep_choices() -> None:
    """Set each form choice again from its code: a selectbox keeps its chosen option as
    its label, which a new language no longer offers, and would then hold no valid value."""
    from riskapp.patient_form import FORM_FIELDS  # the form's keys; it imports much more

    for name in FORM_FIELDS:
        if name in st.session_state:
            st.session_state[name] = st.session_state[name]


def language_selector() -> str:
    """The sidebar's selector (labelled in both languages, so either reader finds it)."""
    if st.session_state.get(LANGUAGE_KEY) not in LANGUAGES:
        st.session_state[LANGUAGE_KEY] = session_language()
    with st.sidebar:
        st.segmented_control("Language / 语言", options=list(LANGUAGES),
                             format_func=LANGUAGES.__getitem__, key=LANGUAGE_KEY,
                             required=True, on_change=_keep_choices)
    return apply_language()
