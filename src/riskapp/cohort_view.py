"""The cohort page: which cohort is shown, its problems or its summary, the filters, and
the sections as tabs (each drawn only when opened, see :mod:`riskapp.cohort_sections`).
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from risk import schema
from risk.cohort import NOT_ASSESSED_CODE, Disclosure
from risk.cohort import shown as disclosed
from risk.data import read_cells, redcap_preset
from risk.errors import Problem, RiskError, ValidationError
from risk.i18n import N_, _, format_integer, format_number, format_percent
from riskapp import cohort_data, cohort_parsing, cohort_sections
from riskapp.charts import as_plain_markdown, csv_download, static_table
from riskapp.cohort_data import CohortFilters, CohortSource
from riskapp.cohort_parsing import LoadedCohort
from riskapp.cohort_sections import View
from riskapp.uploads import (
    MAX_UPLOAD_MB,
    UPLOAD_TYPES,
    problems_table,
    read_upload,
    redcap_dictionary,
    rows_caption,
    sheet_picker,
    show_preset,
    small_cell_rule,
)

COHORT_UPLOAD_KEY = "cohort_file"
COHORT_SHEET_KEY = "cohort_sheet"
COHORT_REDCAP_KEY = "cohort_redcap_dictionary"
COHORT_TAB_KEY = "cohort_tab"
FILTER_KEYS = {"sites": "filter_sites", "primary_grades": "filter_primary_grade",
               "met_grades": "filter_met_grade", "timings": "filter_timing",
               "age_range": "filter_age"}
STATIC_PROBLEMS = 30  # more problems than this are listed in a scrolling grid
_FILTERS_FOR = "_cohort_filters_for"  # the digest the filter widgets were made for
SYNTHETIC_COHORT = N_(
    "**Synthetic cohort.** Shown is the shipped file of {n} made-up patients, generated "
    "to match published figures (grade transitions, survival by grade). Every number and "
    "chart below describes synthetic data, not real patients. Upload your own cohort file "
    "above to see it instead.")
UPLOAD_HELP = N_(
    "A CSV file or an Excel workbook (`.xlsx`) in the cohort format (see the data "
    "dictionary, `data/synthetic/README.md`): "
    "one row per patient, a pseudonymous patient_id and no names, record numbers or dates "
    "of birth. It is checked with the same rules as `python -m risk validate`, kept in "
    "this session's memory only, and never saved.")


# --------------------------------------------------------------------------- the source

def choose_source() -> CohortSource | None:
    """The uploaded file, or the shipped synthetic cohort without one; None (after
    showing why) when the upload is refused before it is read."""
    if st.runtime.exists():  # a server (not a test): the large-file reader, ready
        cohort_parsing.warm_worker()
    uploaded = st.file_uploader(_("Upload a cohort file (CSV or Excel), or use the shipped "
                                  "synthetic cohort"), type=UPLOAD_TYPES, key=COHORT_UPLOAD_KEY,
                                help=_(UPLOAD_HELP),
                                max_upload_size=MAX_UPLOAD_MB)
    if uploaded is None:
        return cohort_data.shipped_source()
    try:
        upload = read_upload(uploaded)
        sheet = sheet_picker(upload.data, COHORT_SHEET_KEY)
        fields = redcap_dictionary(COHORT_REDCAP_KEY)
        preset = None
        if fields is not None:  # a REDCap export: its matching, shown for review
            preset = redcap_preset(list(read_cells(upload.data, sheet).columns), fields,
                                   "cohort")
            show_preset(preset)
    except ValidationError as exc:
        show_problems(str(getattr(uploaded, "name", _("the file"))), exc.summary, exc.problems)
        return None
    return cohort_data.uploaded_source(upload.name, upload.data, sheet, preset)


def show_problems(name: str, summary: str, problems: list[Problem] | tuple) -> None:
    """Every problem of a refused file: those of the whole file (no row or column) in the
    message itself, the others as a table with row numbers and a CSV of it; no table or
    download when there is nothing to put in them."""
    whole_file = [p for p in problems if not located(p)]
    message = _("**{name}** cannot be used: {summary}. Nothing from it is shown or kept. "
                "Correct the file and upload it again, or remove it to see the shipped "
                "synthetic cohort.").format(name=as_plain_markdown(name), summary=summary)
    st.error("\n".join([message, *(f"- {as_plain_markdown(str(p))}" for p in whole_file)]),
             icon=":material/error:")
    rows = [p for p in problems if located(p)]
    if not rows:
        return
    table = problems_table(rows)
    with st.container(key="upload_problems"):
        if len(table) <= STATIC_PROBLEMS:  # a plain table: readable, printable, no scrolling
            static_table(table, hide_index=True)
        else:
            st.dataframe(table, hide_index=True, width="stretch", height=600)
    st.caption(rows_caption(rows))
    csv_download(table, "cohort-file-problems", "problems_csv",
                 N_("Download the list of problems (CSV)"))


def located(problem: Problem) -> bool:
    """A problem of a row or column (a line of the table), not of the whole file."""
    return problem.row is not None or bool(problem.column) or problem.value is not None


def load_or_stop(source: CohortSource | None) -> LoadedCohort:
    """The validated cohort; otherwise its problems are shown and the page stops."""
    if source is None:
        st.stop()
    loaded = cohort_data.load_shown_cohort(source)
    if not loaded.ok:
        show_problems(source.name, loaded.summary, loaded.problems)
        st.stop()
    return loaded


def describe_source(source: CohortSource, loaded: LoadedCohort, rule: Disclosure) -> None:
    name = as_plain_markdown(source.name)  # the user's file name, shown as written
    if source.synthetic and source.name != cohort_data.SHIPPED_NAME:
        st.warning(_("**Synthetic cohort.** The uploaded file **{name}** is the shipped "
                     "synthetic cohort ({n} made-up patients, byte for byte): every number "
                     "and chart below describes synthetic data, not real patients.").format(
                         name=name, n=format_integer(len(loaded.frame))),
                   icon=":material/science:")
    elif source.synthetic:
        st.warning(_(SYNTHETIC_COHORT).format(n=format_integer(len(loaded.frame))),
                   icon=":material/science:")
    else:
        st.success(_("Showing **{name}** ({n} patients), checked against the data "
                     "dictionary. It stays in this session's memory only.").format(
                         name=name, n=format_integer(len(loaded.frame))),
                   icon=":material/check_circle:")
    if loaded.note_records or loaded.ignored_columns:
        with st.expander(_("How the file was read")):
            for note in loaded.note_records:  # its counts of patients under the rule
                st.markdown(f"- {note.words(rule.count)}")
            if loaded.ignored_columns:
                # the file's own header names: shown as written, never as Markdown
                st.markdown("- " + _("columns not in the data dictionary, ignored: "
                                     "{columns}").format(columns=", ".join(
                                         f"**{as_plain_markdown(c)}**"
                                         for c in loaded.ignored_columns)))


# --------------------------------------------------------------------------- filters

def _reset_filters() -> None:
    for key in FILTER_KEYS.values():
        st.session_state.pop(key, None)


def _choices(label: str, key: str, options: list, format_func) -> tuple | None:
    """Toggle pills that start with everything chosen; None when all are chosen."""
    chosen = st.pills(label, options, selection_mode="multi", default=options, key=key,
                      format_func=format_func) or []
    return None if len(chosen) == len(options) else tuple(chosen)


def _codes_present(frame: pd.DataFrame, name: str) -> list[str]:
    present = set(frame[name].dropna().unique())
    return [c for c in schema.column(name).categories if c in present]


def _grade_options(frame: pd.DataFrame, name: str) -> list[str]:
    options = _codes_present(frame, name)
    return options + ([NOT_ASSESSED_CODE] if frame[name].isna().any() else [])


def _grade_label(name: str):
    return lambda code: schema.label(name, None if code == NOT_ASSESSED_CODE else code)


def _age_bounds(frame: pd.DataFrame) -> tuple[int, int]:
    low, high = math.floor(frame["age"].min()), math.ceil(frame["age"].max())
    return low, max(high, low + 1)


def filter_sidebar(frame: pd.DataFrame, digest: str) -> CohortFilters:
    """The filters in the sidebar (reset when another cohort is shown)."""
    if st.session_state.get(_FILTERS_FOR) != digest:
        _reset_filters()
        st.session_state[_FILTERS_FOR] = digest
    with st.sidebar:
        st.header(_("Filters"))
        sites = _choices(_("Primary site"), FILTER_KEYS["sites"],
                         _codes_present(frame, "primary_site"),
                         lambda c: schema.label("primary_site", c))
        primary = _choices(_("Primary tumor grade"), FILTER_KEYS["primary_grades"],
                           _grade_options(frame, "primary_grade"), _grade_label("primary_grade"))
        liver = _choices(_("Liver-biopsy grade"), FILTER_KEYS["met_grades"],
                         _grade_options(frame, "met_grade"), _grade_label("met_grade"))
        timings = _choices(_("Metastasis timing"), FILTER_KEYS["timings"],
                           _codes_present(frame, "met_timing"),
                           lambda c: schema.label("met_timing", c))
        low, high = _age_bounds(frame)
        ages = st.slider(_("Age at the liver biopsy (years)"), min_value=low, max_value=high,
                         value=(low, high), key=FILTER_KEYS["age_range"])
        st.button(_("Show every patient"), on_click=_reset_filters, key="filter_reset",
                  icon=":material/filter_alt_off:")
    age_range = None if tuple(ages) == (low, high) else (float(ages[0]), float(ages[1]))
    return CohortFilters(sites, primary, liver, timings, age_range)


# --------------------------------------------------------------------------- summary

def _share(percent: float | None, words: str, **more: str) -> str:
    """``words`` (a template with ``{percent}``) with the share, or nothing when the share
    is suppressed."""
    return "" if percent is None else words.format(percent=format_percent(percent / 100),
                                                   **more)


def _metric(column, label: str, value: str, caption: str = "", help: str | None = None):
    """A metric with its share in a caption under it (the value stays short enough for
    a fifth of the page)."""
    with column:
        st.metric(label, value, help=help)
        if caption:
            st.caption(caption)


def overview(view: View, total: int) -> None:
    """Size, deaths, follow-up, biopsy grades and grade changes of the shown patients."""
    frame, rule = view.frame, view.rule
    n = len(frame)
    columns = st.columns(5)
    _metric(columns[0], _("Patients shown"), format_integer(n),
            _("all patients of the file") if n == total
            else _("of {total} (filtered)").format(total=format_integer(total)))
    if view.has_outcomes:
        deaths = int(frame["death"].sum())
        _metric(columns[1], _("Deaths"), disclosed.text(rule, deaths, view.deaths_hidden),
                _share(disclosed.share(rule, deaths, n, view.deaths_hidden),
                       _("{percent} of shown")))
        follow_up = cohort_data.follow_up_months(frame)
        _metric(columns[2], _("Median follow-up"), _("not reached") if follow_up is None
                else _("{months} months").format(months=format_number(follow_up, 0)),
                _("reverse Kaplan-Meier"),
                help=_("The follow-up of the patients alive at last contact."))
    else:
        _metric(columns[1], _("Deaths"), _("not given"), _("no outcome columns"))
        _metric(columns[2], _("Median follow-up"), _("not given"), _("no outcome columns"))
    biopsied = int(frame["met_grade"].notna().sum())
    # the patients without one are the transitions' last column: hidden with it
    no_biopsy_hidden = bool(view.transitions.grid.column_totals[-1]) \
        or rule.small(n - biopsied)
    _metric(columns[3], _("With a liver-biopsy grade"),
            disclosed.text(rule, biopsied, no_biopsy_hidden),
            _share(disclosed.share(rule, biopsied, n, no_biopsy_hidden),
                   _("{percent} of the {n} shown"), n=format_integer(n)))
    changed = view.transitions
    _metric(columns[4], _("Grade changed in the liver"), changed.change_text("changed"),
            _share(changed.change_share("changed"), _("{percent} of patients with both grades")))
    if view.synthetic:
        st.caption(_("Synthetic data: these are not real patients."))


# --------------------------------------------------------------------------- the page

def active_model():
    """The served model, or None (the risk views say why) when none can be loaded."""
    from riskapp import loaders

    try:
        return loaders.served_model()
    except RiskError:
        return None


def render_sections(view: View) -> None:
    """The sections as tabs; only the open one is computed and drawn."""
    sections = cohort_sections.sections(view)
    st.caption(_("Save a chart as PNG with the camera button that appears at its top right "
                 "under the mouse; save a table with the button under it."))
    tabs = st.tabs([title for title, _draw in sections], key=COHORT_TAB_KEY, on_change="rerun")
    for tab, (_title, draw) in zip(tabs, sections, strict=True):
        if tab.open:
            with tab:
                draw(view)


def render_page() -> None:
    """The whole cohort page below its title."""
    source = choose_source()
    loaded = load_or_stop(source)
    rule = small_cell_rule(source.synthetic)
    describe_source(source, loaded, rule)
    filters = filter_sidebar(loaded.frame, loaded.digest)
    shown = filters.apply(loaded.frame)
    view = View(source, loaded, shown, filters, active_model(), rule)
    if rule.active:
        with st.container(key="small_cells"):
            st.info(rule.words(), icon=":material/shield:")
            st.caption(rule.limits())
    if view.served is not None:
        from riskapp.loaders import fallback_notice

        fallback_notice(view.served)
    if shown.empty:
        overview(view, len(loaded.frame))
        st.warning(_("No patients match the filters. Widen them in the sidebar, or press "
                     "*Show every patient*."), icon=":material/filter_alt_off:")
        return
    if rule.small(len(shown)):
        st.warning(_("Fewer than {threshold} patients match the filters: nothing is "
                     "shown of so few patients. Widen the filters in the sidebar, or press "
                     "*Show every patient*.").format(threshold=rule.threshold),
                   icon=":material/filter_alt_off:")
        return
    overview(view, len(loaded.frame))
    render_sections(view)
