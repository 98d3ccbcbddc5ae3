"""Retrain page, step 1: the uploaded cohort, its column matching and its validation report.

The file stays in memory (in this user's session only): its bytes are read once, hashed,
parsed into text cells (:func:`risk.data.reading.read_cells`), optionally renamed
(:func:`risk.data.columns.apply_column_mapping`) and validated for training
(:func:`risk.data.validation.validate_cohort`): every problem with its row, column and value.
The validated cohort is kept per (file digest, mapping), so reruns cost nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from risk import schema
from risk.data import (
    CohortResult,
    RedcapPreset,
    apply_column_mapping,
    apply_value_codes,
    read_cells,
    redcap_preset,
    suggest_mapping,
    unmatched_columns,
    validate_cohort,
)
from risk.errors import Problem, ValidationError
from risk.i18n import _, format_integer, format_number
from risk.registry import TrainingData, data_fingerprint
from risk.synthetic import SHIPPED_SHA256
from riskapp.charts import as_plain_markdown
from riskapp.uploads import (
    UPLOAD_TYPES,
    check_upload_name,
    problems_table,
    redcap_dictionary,
    rows_caption,
    sheet_picker,
    show_preset,
    small_cell_rule,
)

RETRAIN_UPLOAD_KEY = "cohort_file"
RETRAIN_SHEET_KEY = "retrain_sheet"
RETRAIN_REDCAP_KEY = "retrain_redcap_dictionary"
_RAW = "retrain_raw"  # (digest, text-cell frame) of the current file
_VALIDATED = "retrain_validated"  # (digest, mapping items) -> CohortUpload
_PRESET_FOR = "retrain_preset_for"  # the REDCap preset the matching widgets were made for
NOT_IN_FILE = ""
#: Up to this many problems are shown in a table that wraps long messages.
WRAPPED_PROBLEMS = 30


@dataclass(frozen=True)
class CohortUpload:
    """An uploaded cohort after validation: usable (``result``) or not (``problems``)."""

    name: str
    digest: str
    mapping: dict = field(default_factory=dict)
    result: CohortResult | None = None
    training_data: TrainingData | None = None  # fingerprint for the model card (no rows)
    problems: list[Problem] = field(default_factory=list)
    summary: str = ""

    @property
    def ok(self) -> bool:
        return self.result is not None


def read_raw(name: str, data: bytes, sheet: str | None = None) -> pd.DataFrame:
    """The file's text cells (``sheet`` of a workbook); ValidationError for a name that
    is not a CSV's or a workbook's, or an unreadable file."""
    check_upload_name(name)
    return read_cells(data, sheet)


def validate_upload(name: str, data: bytes, mapping: dict | None = None,
                    raw: pd.DataFrame | None = None, sheet: str | None = None,
                    codes: dict | None = None) -> CohortUpload:
    """Read, match and validate an uploaded training cohort (pure: no Streamlit).

    Parameters
    ----------
    name, data : the file's name and bytes
    mapping : dict, optional
        Schema column -> the file's column (blank values ignored).
    raw : DataFrame, optional
        The text cells, when already read (:func:`read_raw`).
    sheet : str, optional
        The workbook's sheet (default: its first worksheet).
    codes : dict, optional
        Our column -> {the file's code: ours} (a REDCap export's choices).
    """
    digest = hashlib.sha256(data).hexdigest()
    mapping = {k: v for k, v in (mapping or {}).items() if v}
    try:
        raw = read_raw(name, data, sheet) if raw is None else raw
        matched = apply_value_codes(apply_column_mapping(raw, mapping), codes or {})
        result = validate_cohort(matched, purpose="training")
    except ValidationError as exc:
        return CohortUpload(name, digest, mapping, problems=exc.problems, summary=exc.summary)
    return CohortUpload(name, digest, mapping, result, data_fingerprint(result.frame, data))


# ---------------------------------------------------------------- Streamlit side
def upload_section() -> CohortUpload | None:
    """Uploader, column matching and validation report; the valid cohort or None."""
    uploaded = st.file_uploader(
        _("Cohort file (CSV, UTF-8, or Excel .xlsx)"), type=UPLOAD_TYPES,
        key=RETRAIN_UPLOAD_KEY,
        help=_("One row per patient with the columns of the data dictionary, including the "
               "outcomes os_months and death. The file stays in memory and is never saved."))
    if uploaded is None:
        for key in (_RAW, _VALIDATED):
            st.session_state.pop(key, None)
        _data_dictionary()
        return None
    name, data = str(uploaded.name or "upload"), uploaded.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    try:
        sheet = sheet_picker(data, RETRAIN_SHEET_KEY)
    except ValidationError as exc:
        show_validation(CohortUpload(name, digest, problems=exc.problems, summary=exc.summary))
        return None
    raw = _raw_cells(name, data, digest, sheet)
    if raw is None:
        return None
    preset = _redcap_preset(list(raw.columns))
    if preset is False:
        return None
    mapping = _mapping_widgets(list(raw.columns), preset)
    codes = {} if preset is None else {ours: table for ours, table in preset.codes.items()
                                       if mapping.get(ours, preset.mapping.get(ours))
                                       == preset.mapping.get(ours)}
    cache_key = (digest, sheet, tuple(sorted(mapping.items())), repr(sorted(codes.items())))
    cached = st.session_state.get(_VALIDATED)
    if cached is None or cached[0] != cache_key:
        cached = (cache_key, validate_upload(name, data, mapping, raw=raw, sheet=sheet,
                                             codes=codes))
        st.session_state[_VALIDATED] = cached
    outcome = cached[1]
    show_validation(outcome)
    return outcome if outcome.ok else None


def _raw_cells(name: str, data: bytes, digest: str, sheet: str | None
               ) -> pd.DataFrame | None:
    held = st.session_state.get(_RAW)
    if held is not None and held[0] == (digest, sheet):
        return held[1]
    try:
        raw = read_raw(name, data, sheet)
    except ValidationError as exc:
        st.session_state.pop(_RAW, None)
        show_validation(CohortUpload(name, digest, problems=exc.problems, summary=exc.summary))
        return None
    st.session_state[_RAW] = ((digest, sheet), raw)
    for key in [k for k in st.session_state if str(k).startswith("map_")]:
        del st.session_state[key]  # another file: its own suggestions
    return raw


def _redcap_preset(headers: list[str]) -> RedcapPreset | None | bool:
    """The REDCap preset when a data dictionary is given (shown for review), None
    without one, False when it cannot be used (its problems are shown)."""
    fields = redcap_dictionary(RETRAIN_REDCAP_KEY)
    if fields is None:
        return None
    try:
        preset = redcap_preset(headers, fields)
    except ValidationError as exc:
        show_validation(CohortUpload(_("the REDCap export"), "", problems=exc.problems,
                                     summary=exc.summary))
        return False
    show_preset(preset)
    held = tuple(sorted(preset.mapping.items()))
    if st.session_state.get(_PRESET_FOR) != held:  # a new preset: its choices pre-selected
        st.session_state[_PRESET_FOR] = held
        for key in [k for k in st.session_state if str(k).startswith("map_")]:
            del st.session_state[key]
    return preset


def _mapping_widgets(headers: list[str], preset: RedcapPreset | None = None) -> dict:
    """A selectbox per schema column the file lacks, offering the file's unknown columns
    (pre-selected: the REDCap preset's field, else the column matching's suggestion)."""
    unmatched = unmatched_columns(headers, "training")
    if not unmatched["schema"] or not unmatched["file"]:
        return {}
    suggested = suggest_mapping(headers, "training")
    if preset is not None:
        suggested.update({k: v for k, v in preset.mapping.items()
                          if v in unmatched["file"]})
    required = [n for n in unmatched["schema"]
                if schema.column(n).required or schema.column(n).outcome]
    options = [NOT_IN_FILE, *unmatched["file"]]
    mapping = {}
    with st.expander(_("Match your column names to the data dictionary"),
                     expanded=bool(required), icon=":material/swap_horiz:"):
        st.caption(_("Your file has columns the data dictionary does not know, and lacks "
                     "some it needs. Say which of your columns holds each one (suggestions "
                     "are pre-selected); the matching is recorded in the model card."))
        columns = st.columns(3)
        for i, name in enumerate(unmatched["schema"]):
            label = (_("`{column}` (required)") if name in required
                     else _("`{column}` (optional)")).format(column=name)
            default = suggested.get(name, NOT_IN_FILE)
            with columns[i % 3]:
                mapping[name] = st.selectbox(
                    label, options, index=options.index(default),
                    key=f"map_{name}", help=schema.column_help(name) or schema.column_label(name),
                    format_func=lambda v: _("(not in my file)") if v == NOT_IN_FILE else v)
    return {k: v for k, v in mapping.items() if v}


def show_validation(outcome: CohortUpload) -> None:
    """The validation report: the cohort's counts and notes, or every problem."""
    if not outcome.ok:
        st.error(_("**{file}**: {summary}. Fix the file (or the column matching) and upload "
                   "it again; nothing was trained.").format(
            file=outcome.name, summary=outcome.summary),
            icon=":material/error:")
        table = problems_table(outcome.problems)
        if len(table) <= WRAPPED_PROBLEMS:  # whole sentences, wrapped
            st.table(table.set_index(table.columns[0]))
        else:
            st.dataframe(table, hide_index=True, width="stretch", key="upload_problems")
        st.caption(rows_caption(outcome.problems))
        return
    result = outcome.result
    follow = result.median_follow_up_months
    with_grade = outcome.training_data.patients_with_biopsy_grade
    counts = {"file": outcome.name,
              "patients": format_integer(result.n_patients),
              "deaths": format_integer(result.n_deaths or 0),
              "with_grade": format_integer(with_grade)}
    st.success((_("**{file}** is valid: {patients} patients, {deaths} deaths, {with_grade} "
                  "with a liver-biopsy grade, median follow-up {months} months.").format(
                    months=format_number(follow, 1), **counts) if follow is not None else
                _("**{file}** is valid: {patients} patients, {deaths} deaths, {with_grade} "
                  "with a liver-biopsy grade, median follow-up not reached.").format(**counts)),
               icon=":material/check_circle:")
    # counts of patients under the small-cell rule of uploaded cohorts, as on the Cohort page
    rule = small_cell_rule(outcome.digest == SHIPPED_SHA256)
    notes = [note.words(rule.count) for note in result.note_records]
    if result.ignored_columns:
        notes.append(_("columns not in the data dictionary, ignored: {columns}").format(
            columns=_(", ").join(result.ignored_columns)))
    if outcome.mapping:
        notes.append(_("columns matched: {pairs}").format(pairs=_(", ").join(
            f"{theirs} -> {ours}" for ours, theirs in outcome.mapping.items())))
    if notes:
        st.caption(as_plain_markdown(_("Notes: {notes}.").format(notes=_("; ").join(notes))))


def _data_dictionary() -> None:
    with st.expander(_("What the file must contain (data dictionary)"),
                     icon=":material/table_view:"):
        st.table(_dictionary_table(), hide_index=True)
        st.caption(_("Columns that look like direct identifiers (names, record numbers, "
                     "dates of birth, contact details) are refused: remove them first."))


def _dictionary_table() -> pd.DataFrame:
    """One row per column of the file: its name and codes as the file spells them (as
    code: a file in any language uses them), what is required and allowed, and its
    meaning, in the current language (cells in Markdown, for ``st.table``)."""
    rows = [{_("column"): f"`{c.name}`",
             _("required"): _("yes") if c.required else
             (_("for training") if c.outcome else _("no")),
             _("allowed"): c.allowed(code=lambda code: f"`{code}`"),
             _("meaning"): as_plain_markdown(schema.column_help(c.name)
                                             or schema.column_label(c.name))}
            for c in schema.COLUMNS]
    return pd.DataFrame(rows)
