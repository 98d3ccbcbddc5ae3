"""Hypothesis strategies for valid cohort files, hard on the model (fuzz tests only).

A drawn :class:`Scenario` names the cohort's shape in a few fields (size, seed, which
degeneracies to build in); :func:`cohort_rows` turns it into the rows a hospital's CSV
would hold, written from the data dictionary alone (text cells, grades entered or left
to be derived from Ki-67/mitoses), and :func:`load_scenario` passes them through the
real upload path (:func:`risk.data.validation.load_cohort` with ``purpose="training"``), so
the frame a test gets is exactly what an upload of that file produces.

Hypothesis draws and shrinks the scenario; a seeded numpy generator fills the rows (a
cohort of 2,000 patients cell by cell would overrun Hypothesis' buffer). A failing
example therefore shrinks to a short scenario, printed in full: seed 0, n 30 and the
one degeneracy that matters.

What the scenarios cover (each alone or together):

- n from 30 to 2,000, most of them small (cheap): 30-80 in about 7 of 10 examples;
- levels present in only 1-2 patients, levels nobody has, a level found only among
  censored patients, a level with exactly one death;
- perfect aliasing: an unknown primary site exactly when the primary grade is unknown;
  every primary G3 a pancreas primary (and no other pancreas); every liver grade equal
  to the primary grade; one 0/1 flag equal (or opposite) to another;
- every patient of one grade (primary, liver biopsy, or both);
- whole-month times, heavy ties (a handful of distinct months), every death at the same
  month, very few deaths (1-5);
- few or no liver biopsies (the biopsy model then has few patients or none).

Every generated cohort is valid by construction (each patient has at least one grade,
a death exists, entered grades agree with their Ki-67/mitoses); :func:`load_scenario`
still drops the example (``hypothesis.reject``) if the validator refuses one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
from hypothesis import reject
from hypothesis import strategies as st

from risk.data.validation import load_cohort
from risk.errors import ValidationError
from risk.schema import COLUMN_NAMES

GRADES = ("G1", "G2", "G3")
SITES = ("pancreas", "small_intestine", "rectum", "colon", "stomach", "appendix", "unknown")
SITE_P = (0.40, 0.33, 0.05, 0.06, 0.05, 0.04, 0.07)
PRIMARY_P = (0.38, 0.49, 0.13)
#: P(liver grade | primary grade), roughly the source study's table.
TRANSITION = {"G1": (0.57, 0.37, 0.06), "G2": (0.11, 0.58, 0.31), "G3": (0.08, 0.17, 0.75)}
KI67_RANGE = {"G1": (0.0, 2.9), "G2": (3.0, 20.0), "G3": (20.1, 95.0)}
MITOSES_RANGE = {"G1": (0, 1), "G2": (2, 20), "G3": (21, 120)}
#: Log hazard ratios of the simulated survival (some signal, so fits are not all flat).
GRADE_LOG_HR = {"G1": 0.0, "G2": 0.5, "G3": 1.3}

#: (column, level) pairs a scenario can make rare, censored-only or single-death.
#: "ecog" levels are the model's groups ("2+" = ECOG 2-4); a grade level "blank" is a
#: grade left unknown (primary) or no biopsy (liver).
LEVELS = (
    ("primary_site", "rectum"), ("primary_site", "appendix"), ("primary_site", "stomach"),
    ("primary_site", "colon"), ("primary_site", "unknown"), ("primary_site", "pancreas"),
    ("primary_grade", "G1"), ("primary_grade", "G3"), ("primary_grade", "blank"),
    ("met_grade", "G1"), ("met_grade", "G3"),
    ("ecog", "2+"), ("ecog", "1"), ("liver_burden", "gt50"), ("liver_burden", "25to50"),
    ("sstr_status", "negative"), ("sstr_status", "unknown"), ("sex", "male"),
    ("met_timing", "metachronous"), ("extrahepatic_mets", "1"), ("primary_resected", "1"),
    ("functional_syndrome", "1"),
)
#: Aliasing rules: (target, source, how); "same" copies, "opposite" flips a 0/1 flag,
#: "metachronous" makes met_timing metachronous exactly when the source flag is 1.
FLAG_ALIASES = (
    ("functional_syndrome", "extrahepatic_mets", "same"),
    ("primary_resected", "extrahepatic_mets", "opposite"),
    ("met_timing", "primary_resected", "metachronous"),
    ("functional_syndrome", "primary_resected", "same"),
)
GRADE_ALIASES = ("g3_is_pancreas", "concordant")
TIME_MODES = ("continuous", "whole_months", "heavy_ties")


@dataclass(frozen=True)
class Scenario:
    """The shape of one cohort; :func:`cohort_rows` builds its rows (deterministic)."""

    n: int
    seed: int = 0
    biopsied: int | None = None  # patients with a liver-biopsy grade; None: about 90%
    primary_blank: float = 0.08  # share with no primary grade (and no Ki-67/mitoses)
    unknown_site_alias: bool = False  # primary_site unknown <=> primary grade unknown
    grade_alias: str | None = None  # one of GRADE_ALIASES
    flag_alias: tuple[str, str, str] | None = None  # one of FLAG_ALIASES
    one_grade: tuple[str, str] | None = None  # ("primary"|"met"|"both", grade)
    rare: tuple[tuple[str, str, int], ...] = ()  # (column, level, patients: 0, 1 or 2)
    censored_only: tuple[str, str] | None = None  # a level without deaths
    one_death: tuple[str, str] | None = None  # a level with exactly one death
    deaths: int | None = None  # exactly this many deaths; None: from the hazard
    time_mode: str = "continuous"
    same_death_time: bool = False


# -- the strategy ------------------------------------------------------------------------

def _sizes() -> st.SearchStrategy[int]:
    """30-80 most of the time, up to 300 often, up to 2,000 now and then."""
    tier = st.sampled_from(("small",) * 7 + ("medium",) * 2 + ("large",))
    sizes = {"small": st.integers(30, 80), "medium": st.integers(81, 300),
             "large": st.one_of(st.just(2000), st.integers(301, 2000))}
    return tier.flatmap(sizes.get)


def _sometimes(strategy: st.SearchStrategy, tenths: int, otherwise=None):
    """``strategy`` in about ``tenths``/10 of the examples, else ``otherwise`` (which
    is what the example shrinks to)."""
    return st.integers(0, 9).flatmap(
        lambda v: strategy if v >= 10 - tenths else st.just(otherwise))


@st.composite
def scenarios(draw) -> Scenario:
    """A :class:`Scenario`; every field shrinks towards the plain cohort."""
    n = draw(_sizes())
    level = st.sampled_from(LEVELS)
    return Scenario(
        n=n,
        seed=draw(st.integers(0, 2**16)),
        biopsied=draw(_sometimes(st.integers(0, min(n, 25)), 2)),
        primary_blank=draw(st.sampled_from((0.08, 0.0, 0.25))),
        unknown_site_alias=draw(_sometimes(st.just(True), 3, False)),
        grade_alias=draw(_sometimes(st.sampled_from(GRADE_ALIASES), 2)),
        flag_alias=draw(_sometimes(st.sampled_from(FLAG_ALIASES), 2)),
        one_grade=draw(_sometimes(st.tuples(st.sampled_from(("primary", "met", "both")),
                                            st.sampled_from(GRADES)), 2)),
        rare=tuple(draw(_sometimes(st.lists(
            st.builds(lambda lv, k: (*lv, k), level, st.integers(0, 2)),
            min_size=1, max_size=2), 4, []))),
        censored_only=draw(_sometimes(level, 3)),
        one_death=draw(_sometimes(level, 3)),
        deaths=draw(_sometimes(st.integers(1, 5), 2)),
        time_mode=draw(st.sampled_from(TIME_MODES)),
        same_death_time=draw(_sometimes(st.just(True), 2, False)),
    )


# -- from a scenario to the rows of a file ----------------------------------------------

def _choice(rng: np.random.Generator, options, p, n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def _base(s: Scenario, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Patients before any degeneracy: latent grades, biopsy and the other inputs."""
    n = s.n
    primary = _choice(rng, GRADES, PRIMARY_P, n)
    met = np.array([GRADES[rng.choice(3, p=TRANSITION[g])] for g in primary], dtype=object)
    if s.biopsied is None:
        biopsy = rng.random(n) < 0.9
    else:
        biopsy = np.zeros(n, dtype=bool)
        biopsy[rng.choice(n, size=min(s.biopsied, n), replace=False)] = True
    return {
        "primary": primary, "primary_known": rng.random(n) >= s.primary_blank,
        "met": met, "biopsy": biopsy,
        "age": np.round(np.clip(rng.normal(60, 12, n), 18, 100), 1),
        "sex": _choice(rng, ("female", "male"), (0.5, 0.5), n),
        "primary_site": _choice(rng, SITES, SITE_P, n),
        "met_timing": _choice(rng, ("synchronous", "metachronous"), (0.6, 0.4), n),
        "liver_burden": _choice(rng, ("lt25", "25to50", "gt50"), (0.5, 0.3, 0.2), n),
        "extrahepatic_mets": (rng.random(n) < 0.25).astype(int),
        "primary_resected": (rng.random(n) < 0.5).astype(int),
        "functional_syndrome": (rng.random(n) < 0.3).astype(int),
        "ecog": rng.choice(5, size=n, p=(0.5, 0.3, 0.1, 0.06, 0.04)),
        "sstr_status": _choice(rng, ("positive", "negative", "unknown", ""),
                               (0.7, 0.1, 0.1, 0.1), n),
    }


def level_mask(p: dict[str, np.ndarray], column: str, level: str) -> np.ndarray:
    """Patients at ``level`` of ``column``, as the model codes it (see :data:`LEVELS`)."""
    if column == "primary_grade":
        if level == "blank":
            return ~p["primary_known"]
        return p["primary_known"] & (p["primary"] == level)
    if column == "met_grade":
        return ~p["biopsy"] if level == "blank" else p["biopsy"] & (p["met"] == level)
    if column == "ecog":
        return p["ecog"] >= 2 if level == "2+" else p["ecog"] == int(level)
    if column == "sstr_status" and level == "unknown":
        return np.isin(p["sstr_status"], ("unknown", ""))
    if column in ("extrahepatic_mets", "primary_resected", "functional_syndrome"):
        return p[column] == int(level)
    return p[column] == level


def _set_level(p: dict[str, np.ndarray], column: str, level: str, rows, on: bool) -> None:
    """Put patients ``rows`` at ``level`` (``on``) or at a common other level."""
    if column == "primary_grade":
        if level == "blank":
            p["primary_known"][rows] = not on
        else:
            p["primary_known"][rows] = True
            p["primary"][rows] = level if on else ("G2" if level != "G2" else "G1")
    elif column == "met_grade":
        p["met"][rows] = level if on else ("G2" if level != "G2" else "G1")
    elif column == "ecog":
        p["ecog"][rows] = (2 if level == "2+" else int(level)) if on else 0
    elif column in ("extrahepatic_mets", "primary_resected", "functional_syndrome"):
        p[column][rows] = int(level) if on else 1 - int(level)
    else:
        others = {"primary_site": "small_intestine", "liver_burden": "lt25",
                  "sstr_status": "positive", "sex": "female", "met_timing": "synchronous"}
        other = others[column] if level != others[column] else "pancreas"
        p[column][rows] = level if on else other


def _make_rare(p: dict[str, np.ndarray], column: str, level: str, count: int,
               rng: np.random.Generator) -> None:
    """Exactly ``count`` patients at the level (liver grades: among the biopsied; a
    blank primary grade: among the biopsied, who keep a grade)."""
    pool = np.arange(len(p["age"]))
    if column == "met_grade" or (column == "primary_grade" and level == "blank"):
        pool = pool[p["biopsy"]]
    _set_level(p, column, level, level_mask(p, column, level), on=False)
    chosen = rng.choice(pool, size=min(count, len(pool)), replace=False)
    _set_level(p, column, level, chosen, on=True)


def _degenerate_inputs(s: Scenario, p: dict[str, np.ndarray], rng) -> None:
    """Grades of one value, aliasing and rare levels, in an order that keeps each."""
    _one_grade(s, p)
    for column, level, count in s.rare:
        _make_rare(p, column, level, count, rng)
    # every patient needs a grade: the primary's, when there is no biopsy
    p["primary_known"] |= ~p["biopsy"]
    if s.grade_alias == "g3_is_pancreas":
        g3 = p["primary_known"] & (p["primary"] == "G3")
        p["primary_site"][g3] = "pancreas"
        p["primary_site"][~g3 & (p["primary_site"] == "pancreas")] = "small_intestine"
    if s.unknown_site_alias:
        p["primary_site"][~p["primary_known"]] = "unknown"
        p["primary_site"][p["primary_known"] & (p["primary_site"] == "unknown")] = "colon"
    if s.flag_alias:
        _alias_flag(p, *s.flag_alias)


def _one_grade(s: Scenario, p: dict[str, np.ndarray]) -> None:
    if s.grade_alias == "concordant":
        p["met"] = p["primary"].copy()
    if s.one_grade:
        which, grade = s.one_grade
        if which in ("primary", "both") or s.grade_alias == "concordant":
            p["primary"][:] = grade
        if which in ("met", "both") or s.grade_alias == "concordant":
            p["met"][:] = grade


def _alias_flag(p: dict[str, np.ndarray], target: str, source: str, how: str) -> None:
    if how == "same":
        p[target] = p[source].copy()
    elif how == "opposite":
        p[target] = 1 - p[source]
    else:
        p[target] = np.where(p[source] == 1, "metachronous", "synchronous").astype(object)


def _outcomes(s: Scenario, p: dict[str, np.ndarray], rng) -> tuple[np.ndarray, np.ndarray]:
    """Months and deaths: exponential times with a grade effect, uniform censoring,
    then the scenario's death counts, censored or single-death levels and time rounding."""
    n = s.n
    grade = np.where(p["biopsy"], p["met"], p["primary"])
    lp = (np.array([GRADE_LOG_HR[g] for g in grade]) + 0.4 * (p["ecog"] >= 2)
          + 0.5 * (p["liver_burden"] == "gt50") + 0.02 * (p["age"] - 60))
    event_time = rng.exponential(60.0 * np.exp(-lp))
    censor = rng.uniform(6.0, 150.0, n)
    death = event_time <= censor
    if s.deaths is not None:
        death[:] = False
        death[rng.choice(n, size=min(s.deaths, n), replace=False)] = True
    blocked = np.zeros(n, dtype=bool)
    if s.censored_only:
        level = level_mask(p, *s.censored_only)
        if not level.all():
            death[level] = False
            blocked = level
    if s.one_death:
        level = level_mask(p, *s.one_death)
        if level.any():
            death[level] = False
            death[rng.choice(np.flatnonzero(level))] = True
    if not death.any():  # a training file needs a death
        death[rng.choice(np.flatnonzero(~blocked) if (~blocked).any() else np.arange(n))] = True
    months = np.where(death, event_time, censor)
    if s.same_death_time:
        months[death] = float(rng.choice((6.0, 12.0, 24.0)))
    if s.time_mode == "continuous":
        months = np.maximum(np.round(months, 1), 0.1)
    elif s.time_mode == "whole_months":
        months = np.maximum(np.ceil(months), 1.0)
    else:  # heavy ties: whole years
        months = np.maximum(np.ceil(months / 12.0) * 12.0, 12.0)
    return np.minimum(months, 600.0), death.astype(int)


def _grade_cells(rng, grade: str | None) -> tuple[str, str, str]:
    """(grade, Ki-67, mitoses) cells: the grade entered, with a consistent Ki-67, or
    left blank to be derived from a Ki-67 or a mitotic count."""
    if grade is None:
        return "", "", ""
    low, high = KI67_RANGE[grade]
    ki67 = f"{rng.uniform(low, high):.1f}"
    mitoses = str(int(rng.integers(MITOSES_RANGE[grade][0], MITOSES_RANGE[grade][1] + 1)))
    how = rng.choice(4, p=(0.55, 0.2, 0.2, 0.05))
    return [(grade, "", ""), (grade, ki67, ""), ("", ki67, ""), ("", "", mitoses)][how]


def _text(rng, value: str) -> str:
    """A category code as people type it: now and then capitalised or padded."""
    roll = rng.random()
    return value.capitalize() if roll < 0.05 else f" {value}" if roll < 0.08 else value


def cohort_rows(s: Scenario) -> list[dict[str, str]]:
    """The scenario's patients as the text cells of a cohort file (deterministic)."""
    rng = np.random.default_rng(s.seed)
    p = _base(s, rng)
    _degenerate_inputs(s, p, rng)
    months, death = _outcomes(s, p, rng)
    rows = []
    for i in range(s.n):
        pg, pk, pm = _grade_cells(rng, p["primary"][i] if p["primary_known"][i] else None)
        mg, mk, mm = _grade_cells(rng, p["met"][i] if p["biopsy"][i] else None)
        rows.append({
            "patient_id": f"FZ-{i + 1:05d}", "age": f"{p['age'][i]:g}",
            "sex": _text(rng, p["sex"][i]), "primary_site": _text(rng, p["primary_site"][i]),
            "primary_ki67": pk, "primary_mitoses": pm, "primary_grade": pg,
            "met_ki67": mk, "met_mitoses": mm, "met_grade": mg,
            "differentiation": "well" if rng.random() < 0.7 else "",
            "met_timing": _text(rng, p["met_timing"][i]),
            "liver_burden": p["liver_burden"][i],
            "extrahepatic_mets": str(p["extrahepatic_mets"][i]),
            "primary_resected": ("yes", "no")[1 - p["primary_resected"][i]]
            if rng.random() < 0.1 else str(p["primary_resected"][i]),
            "functional_syndrome": str(p["functional_syndrome"][i]),
            "ecog": str(p["ecog"][i]), "sstr_status": p["sstr_status"][i],
            "biopsy_complication": _choice(rng, ("none", "minor", "major", ""),
                                           (0.6, 0.2, 0.05, 0.15), 1)[0],
            "os_months": f"{months[i]:g}", "death": str(death[i]),
        })
    return rows


def to_csv_bytes(rows: list[dict[str, str]]) -> bytes:
    """The rows as a UTF-8 CSV file with the data dictionary's header."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMN_NAMES), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def load_rows(rows: list[dict[str, str]]):
    """The canonical training frame an upload of these rows gives (ValidationError if
    the validator refuses them)."""
    return load_cohort(to_csv_bytes(rows), purpose="training").frame


def load_scenario(s: Scenario):
    """The canonical training frame of a scenario; a cohort the validator refuses is
    not a valid cohort, and the example is dropped (``reject``)."""
    try:
        return load_rows(cohort_rows(s))
    except ValidationError:
        reject()
