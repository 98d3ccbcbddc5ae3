"""The cohort page's data: the shown cohort (shipped or uploaded), its filters and its
analyses, cached by the file's SHA-256 so a 100,000-patient file is parsed once.

Caching, and why:

- The validated cohort is kept with ``st.cache_resource``, keyed by the digest of the
  file's bytes: one read-only frame shared by the reruns (and by anyone who uploads the
  very same file). ``st.cache_data`` would pickle and copy 100,000 rows on every rerun
  (about 0.3 s each time a filter moves). The frame is never mutated: filters return new
  frames. Entries expire after :data:`CACHE_TTL_SECONDS` and at most
  :data:`MAX_COHORTS` files are kept, so an upload does not stay in memory for long.
  A file of more than a megabyte is read by a worker process at a lower priority
  (:mod:`riskapp.cohort_parsing`), so other sessions' script runs keep the CPU and GIL.
- Each analysis is cached with ``st.cache_data``, keyed by (digest, filters, grouping,
  model version): small aggregates, cheap to copy.
- Nothing about the patient of the patient page is cached: it is read from the
  session's own state when the page draws.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

import pandas as pd
import streamlit as st

from risk.cohort import CohortRisk, Disclosure, ShownTransitions, cohort_risk, shown
from risk.cohort import forest as cohort_cox
from risk.cohort import summary as cohort
from risk.cohort import survival as cohort_survival
from risk.cohort import tables as cohort_tables
from risk.data import RedcapPreset, median_follow_up
from risk.i18n import N_, _, current_language
from riskapp.cohort_parsing import LoadedCohort, read_cohort_file
from riskapp.loaders import SHIPPED_COHORT

MAX_COHORTS = 4
CACHE_TTL_SECONDS = 2 * 3600
MAX_ANALYSES = 256
SHIPPED_NAME = "the shipped synthetic cohort"
F = TypeVar("F", bound=Callable[..., Any])


def spinning(words: str) -> Callable[[F], F]:
    """Show ``words`` (a msgid) in a spinner while the cached function runs: the cache's
    own spinner text is fixed when the module is imported, in English."""
    def wrap(function: F) -> F:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            with st.spinner(_(words)):
                return function(*args, **kwargs)
        return cast(F, run)
    return wrap


@dataclass(frozen=True)
class CohortSource:
    """A cohort file held in memory: what to call it, its bytes and their SHA-256."""

    name: str
    data: bytes = field(repr=False)
    digest: str
    synthetic: bool = False
    sheet: str | None = None  # the workbook's sheet chosen (None: a CSV, or the first)
    #: A REDCap export's matching (fields and codes), reviewed by the user, or None.
    preset: RedcapPreset | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_bytes(cls, name: str, data: bytes, synthetic: bool = False,
                   sheet: str | None = None) -> CohortSource:
        return cls(name, data, hashlib.sha256(data).hexdigest(), synthetic, sheet)

    @property
    def key(self) -> str:
        """What names the shown cohort in the caches: the bytes' digest (and sheet, and
        the REDCap matching)."""
        key = self.digest if self.sheet is None else f"{self.digest}:{self.sheet}"
        if self.preset is not None:
            key += ":redcap:" + hashlib.sha256(repr(self.preset).encode()).hexdigest()[:16]
        return key


@st.cache_resource(show_spinner=False, max_entries=1)
def shipped_source() -> CohortSource:
    """The shipped synthetic cohort (``data/synthetic/cohort.csv``)."""
    return CohortSource.from_bytes(SHIPPED_NAME, SHIPPED_COHORT.read_bytes(), synthetic=True)


def uploaded_source(name: str, data: bytes, sheet: str | None = None,
                    preset: RedcapPreset | None = None) -> CohortSource:
    """An uploaded file (``sheet``: of a workbook; ``preset``: a REDCap export's
    matching); synthetic when it is the shipped synthetic cohort byte for byte (its
    numbers are then labelled synthetic like the default view's)."""
    source = replace(CohortSource.from_bytes(name, data, sheet=sheet), preset=preset)
    if source.digest == shipped_source().digest:
        return CohortSource(name, data, source.digest, synthetic=True)
    return source


@spinning(N_("Checking the cohort file..."))
@st.cache_resource(show_spinner=False, max_entries=MAX_COHORTS,
                   ttl=CACHE_TTL_SECONDS)
def _cached_cohort(key: str, sheet: str | None, language: str, _data: bytes,
                   _preset: RedcapPreset | None = None) -> LoadedCohort:
    return read_cohort_file(_data, key, sheet, _preset, language)  # large: by a niced worker


def load_shown_cohort(source: CohortSource) -> LoadedCohort:
    """The validated cohort of ``source``, parsed once per file, sheet and language (its
    notes and problems are words) by the file's SHA-256."""
    return _cached_cohort(source.key, source.sheet, current_language(), source.data,
                          source.preset)


# --------------------------------------------------------------------------- filters

@dataclass(frozen=True)
class CohortFilters:
    """The tumor board's filters; ``None`` means "not filtered" (see
    :func:`risk.cohort.summary.filter_cohort`)."""

    sites: tuple[str, ...] | None = None
    primary_grades: tuple[str, ...] | None = None
    met_grades: tuple[str, ...] | None = None
    timings: tuple[str, ...] | None = None
    age_range: tuple[float, float] | None = None

    @property
    def key(self) -> tuple:
        """A hashable key for the analysis caches."""
        return (self.sites, self.primary_grades, self.met_grades, self.timings,
                self.age_range)

    @property
    def active(self) -> bool:
        return any(v is not None for v in self.key)

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The patients that match every filter (a new frame; ``frame`` is untouched)."""
        if not self.active:
            return frame
        return cohort.filter_cohort(frame, self.sites, self.primary_grades, self.met_grades,
                                    self.timings, self.age_range)


def follow_up_months(frame: pd.DataFrame) -> float | None:
    """Median follow-up (reverse Kaplan-Meier) of the shown patients with outcomes."""
    known = frame["os_months"].notna() & frame["death"].notna()
    if not known.any():
        return None
    return median_follow_up(frame.loc[known, "os_months"], frame.loc[known, "death"])


# --------------------------------------------------------------------------- analyses
# ``_frame`` (leading underscore) is not hashed: ``key`` = (digest, filters) names it.

@st.cache_data(show_spinner=False, max_entries=MAX_ANALYSES, ttl=CACHE_TTL_SECONDS)
def transitions(key: tuple, _frame: pd.DataFrame) -> cohort.GradeTransitions:
    return cohort.grade_transitions(_frame)


@spinning(N_("Computing survival curves..."))
@st.cache_data(show_spinner=False, max_entries=MAX_ANALYSES,
               ttl=CACHE_TTL_SECONDS)
def survival(key: tuple, grouping: str, model_version: str | None, _frame: pd.DataFrame,
             _groups: pd.Series | None = None,
             outcome: str = "os") -> cohort_survival.SurvivalByGroup:
    """Kaplan-Meier by a grouping of :data:`risk.cohort.summary.GROUPINGS`, or by ``_groups``
    (the risk groups under ``model_version``), of OS or (``outcome="pfs"``) PFS."""
    by = grouping if _groups is None else _groups
    return cohort_survival.survival_by_group(_frame, by, outcome=outcome)


@spinning(N_("Checking small numbers..."))
@st.cache_data(show_spinner=False, max_entries=MAX_ANALYSES,
               ttl=CACHE_TTL_SECONDS)
def transitions_under_rule(key: tuple, _rule: Disclosure, rule_key: tuple,
                      _frame: pd.DataFrame) -> ShownTransitions:
    """The transitions under the small-cell rule (``rule_key`` names the rule)."""
    return shown.shown_transitions(transitions(key, _frame), _rule)


@spinning(N_("Checking small numbers..."))
@st.cache_data(show_spinner=False, max_entries=MAX_ANALYSES,
               ttl=CACHE_TTL_SECONDS)
def table_one_suppressed(key: tuple, rule_key: tuple, _rule: Disclosure,
                         _group_hidden: dict[str, bool],
                         _level_hidden: dict[tuple[str, str], bool],
                         _frame: pd.DataFrame) -> dict:
    """Table 1's suppressed cells: (characteristic, level, group) -> bool."""
    result = cached_table_one(key, _frame)
    groups = [str(g) for g in result.group_sizes.index]
    return shown.table_one_cells(result.long, groups, cohort_tables.ALL_PATIENTS, _rule,
                                 _group_hidden, _level_hidden)


@spinning(N_("Fitting the Cox model..."))
@st.cache_data(show_spinner=False, max_entries=MAX_ANALYSES,
               ttl=CACHE_TTL_SECONDS)
def forest(key: tuple, _frame: pd.DataFrame) -> cohort_cox.ForestResult:
    return cohort_cox.cox_forest(_frame)


@spinning(N_("Computing Table 1..."))
@st.cache_data(show_spinner=False, max_entries=MAX_ANALYSES,
               ttl=CACHE_TTL_SECONDS)
def cached_table_one(key: tuple, _frame: pd.DataFrame) -> cohort_tables.TableOne:
    return cohort_tables.table_one(_frame, "grade_change")


@st.cache_data(show_spinner=False, max_entries=MAX_ANALYSES, ttl=CACHE_TTL_SECONDS)
def complications(key: tuple, _frame: pd.DataFrame) -> pd.DataFrame | None:
    return cohort_tables.complication_rates(_frame)


@spinning(N_("Scoring the cohort with the active model..."))
@st.cache_data(show_spinner=False,
               max_entries=MAX_COHORTS * 2, ttl=CACHE_TTL_SECONDS)
def risk(digest: str, model_version: str, _model, _frame: pd.DataFrame,
         language: str = "en") -> CohortRisk:
    """Every patient of the whole cohort under a model version (filters select rows), its
    risk groups named in ``language``."""
    return cohort_risk(_model, _frame)
