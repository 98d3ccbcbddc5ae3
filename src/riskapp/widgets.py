"""Form widgets built from the schema: labels, units, bounds and help text live there."""

from __future__ import annotations

import streamlit as st

from risk import schema
from risk.i18n import N_, _

CHOOSE = N_("Choose...")
#: What a blank grade means on the form, after its words (``risk.schema.missing_label``).
#: Short enough for the closed box; the column's help says the rest (no biopsy).
_BLANK_HINT = N_(" (derive from Ki-67/mitoses)")


def widget_label(col: schema.Column) -> str:
    """The label with its unit, unless the label already says it ('... cells counted')."""
    label = schema.column_label(col.name)
    if col.unit and col.unit not in col.label:
        return _("{label} ({unit})").format(label=label, unit=schema.unit_label(col.name))
    return label


def widget_default(name: str):
    """The value the blank form shows for schema column ``name`` (None = nothing chosen)."""
    col = schema.column(name)
    if col.kind == "flag":
        return False
    if col.kind != "category" or col.required:
        return None
    return col.default if col.default in col.categories else None


def schema_widget(name: str, default=None):
    """One input widget for schema column ``name``, keyed by the column name."""
    col = schema.column(name)
    label, help_text = widget_label(col), schema.column_help(name) or None
    if col.kind in ("number", "integer") and name != "ecog":
        # whole steps for counts and years; tenths for percentages
        step = 0.1 if col.unit == "%" else 1.0
        # No min_value/max_value: with them the browser silently keeps the previous value
        # when an out-of-range one is typed, and a form would estimate from that value
        # while showing the typed one. The validator refuses it, naming the range.
        return st.number_input(
            label, value=None if default is None else float(default), step=step,
            help=help_text, key=name, format="%g",
            placeholder=_("required") if col.required else (
                schema.missing_label(name).lower() if col.prediction_only
                else _("not measured") if col.default is None
                else _("{default:g} if blank").format(default=col.default)),
        )
    if name == "ecog":
        options = list(range(int(col.minimum), int(col.maximum) + 1))
        # A required choice starts empty: the clinician picks it, nothing is assumed.
        return st.selectbox(label, options, index=None if default is None else
                            options.index(default), format_func=_ecog_choice,
                            help=help_text, key=name, placeholder=_(CHOOSE))
    if col.kind == "flag":
        return st.checkbox(label, value=bool(default), help=help_text, key=name)
    options = list(col.categories)
    if not col.required and col.default is None:
        options = [None, *options]
    if col.required and default not in options:
        index = None
    else:
        index = options.index(default if default in options else
                              (col.default if col.default in options else options[0]))
        if name in st.session_state:
            # the value comes from session state (e.g. set back by "New patient"); a
            # second, non-first default would only make Streamlit log a warning
            index = 0
    grade = tuple(col.categories) == schema.GRADES

    def format_code(code, n=name):
        return schema.label(n, code) + (_(_BLANK_HINT) if code is None and grade else "")

    # where blank is a choice, the placeholder says it too: a blank set through session
    # state ("New patient") shows the placeholder, not the blank option
    placeholder = format_code(None) if None in options else _(CHOOSE)
    return st.selectbox(label, options, index=index, help=help_text, key=name,
                        placeholder=placeholder, format_func=format_code)


def _ecog_choice(score: int) -> str:
    return f"{score} - {schema.ecog_words(score)}"
