"""The calibrated synthetic cohort: patients who look like the source study's, but are not.

The generative story, one step per function below (parameters and their sources in
:mod:`risk.synthetic.params`):

1. who: primary site, age, sex, timing of the liver metastases;
2. the tumor's true grades: primary grade by site, liver grade from P(liver | primary)
   of the source study, more discordant for metachronous metastases;
3. what the file records: Ki-67 drawn inside each grade's WHO interval (so it re-derives
   the grade), some mitotic counts, grades not assessed, unknown primaries without a
   primary grade, non-diagnostic liver biopsies, biopsy complications;
4. clinical features (liver burden, extrahepatic disease, resection, syndrome, ECOG,
   SSTR imaging);
5. survival from a Weibull proportional-hazards model on the true grades and features,
   with staggered administrative censoring and loss to follow-up;
6. progression-free survival (:mod:`risk.synthetic.progression`), drawn after
   everything else so the other columns do not depend on it.

Only ``numpy.random.default_rng(seed)`` draws numbers, in a fixed order, so a seed fixes
the cohort; :func:`write_cohort` writes it byte for byte the same.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from risk.schema import GENERATED_COLUMNS, GRADES, MAX_ROWS
from risk.synthetic import params as P
from risk.synthetic.progression import progression_free, progression_log_hazard
from risk.synthetic.shipped import SYNTHETIC_ID_PREFIX

SITES = tuple(P.PRIMARY_SITE_SHARES)
#: Hazard ratios of death by the true liver grade (G1, G2, G3).
_LIVER_HR = np.array([1.0, P.LIVER_G2_HR, P.LIVER_G2_HR * P.UPGRADE_G2_TO_G3_HR])
LIVER_BURDENS = tuple(P.LIVER_BURDEN_SHARES)
SSTR_CODES = ("positive", "negative", "unknown")

#: Decimals written for each numeric column of the file (fixed, for byte-identical files).
DECIMALS = {"age": 0, "primary_ki67": 1, "primary_mitoses": 0, "met_ki67": 1,
            "met_mitoses": 0, "ecog": 0, "os_months": 1, "pfs_months": 1}
FLAGS = ("extrahepatic_mets", "primary_resected", "functional_syndrome", "death",
         "progression")


def generate_cohort(n: int, seed: int) -> pd.DataFrame:
    """A synthetic cohort of ``n`` patients, in the file format of the data dictionary.

    Parameters
    ----------
    n : int
        Number of patients, 1 to :data:`risk.schema.MAX_ROWS`.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same cohort.

    Returns
    -------
    pandas.DataFrame
        Columns in :data:`risk.schema.GENERATED_COLUMNS` order (schema-version-1 columns,
        no cells counted, which validation reads as the default 500, then the PFS pair);
        categories as the data dictionary's codes with ``None`` for blank; numbers as
        float with ``NaN`` for blank; flags and ``ecog`` as int.
    """
    n, seed = _check_size(n), _check_seed(seed)
    rng = np.random.default_rng(seed)
    who = _patients(rng, n)
    truth = _true_grades(rng, who)
    primary = _primary_record(rng, truth["primary"], who["site"])
    liver = _liver_record(rng, truth["liver"], primary)
    clinic = _clinical_features(rng, who, truth["liver"])
    log_hr = _log_hazard(who, truth, clinic)
    os_months, death, os_end = _survival(rng, log_hr)
    complication = _complications(rng, n)
    # drawn last, so the OS columns are those of a generator without PFS
    other = log_hr - np.log(_LIVER_HR)[truth["liver"]]
    pfs_months, progression = progression_free(
        rng, progression_log_hazard(other, truth["liver"]), os_end)

    width = max(5, len(str(n)))
    frame = pd.DataFrame({
        "patient_id": np.char.add(SYNTHETIC_ID_PREFIX,
                                  np.char.zfill(np.arange(1, n + 1).astype(str), width))
        .astype(object),
        "age": who["age"].astype(float),
        "sex": np.where(who["male"], "male", "female").astype(object),
        "primary_site": np.asarray(SITES, dtype=object)[who["site"]],
        "primary_ki67": primary["ki67"],
        "primary_mitoses": primary["mitoses"],
        "primary_grade": _grade_codes(primary["grade"]),
        "met_ki67": liver["ki67"],
        "met_mitoses": liver["mitoses"],
        "met_grade": _grade_codes(liver["grade"]),
        "differentiation": np.full(n, "well", dtype=object),
        "met_timing": np.where(who["metachronous"], "metachronous", "synchronous").astype(object),
        "liver_burden": np.asarray(LIVER_BURDENS, dtype=object)[clinic["burden"]],
        "extrahepatic_mets": clinic["extrahepatic"].astype(int),
        "primary_resected": clinic["resected"].astype(int),
        "functional_syndrome": clinic["functional"].astype(int),
        "ecog": clinic["ecog"].astype(int),
        "sstr_status": np.asarray(SSTR_CODES, dtype=object)[clinic["sstr"]],
        "biopsy_complication": complication,
        "os_months": os_months,
        "death": death.astype(int),
        "pfs_months": pfs_months,
        "progression": progression,
    })
    return frame[list(GENERATED_COLUMNS)]


def write_cohort(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a cohort frame as the data dictionary's CSV, the same bytes every time.

    Numbers get fixed decimals (:data:`DECIMALS`), blanks are empty cells, lines end in
    ``\\n``. The file is written to a temporary file and renamed, so a failed write never
    leaves half a cohort behind.
    """
    path = Path(path)
    text = cohort_csv_text(frame)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def cohort_csv_text(frame: pd.DataFrame) -> str:
    """The CSV text :func:`write_cohort` writes (version-1 columns and the PFS pair)."""
    columns = [_format_column(frame[name], name) for name in GENERATED_COLUMNS]
    lines = [",".join(GENERATED_COLUMNS)]
    lines += [",".join(row) for row in zip(*columns, strict=True)]
    return "\n".join(lines) + "\n"


def _format_column(values: pd.Series, name: str) -> list[str]:
    if name in DECIMALS or name in FLAGS:
        spec = f".{DECIMALS.get(name, 0)}f"
        numbers = values.to_numpy(dtype=float).tolist()
        return ["" if v != v else format(v, spec) for v in numbers]  # v != v: NaN
    return ["" if v is None or v != v else str(v) for v in values.tolist()]


# --- 1. who -----------------------------------------------------------------------

def _patients(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    site = rng.choice(len(SITES), size=n, p=_normalised(P.PRIMARY_SITE_SHARES.values()))
    low, high = P.AGE_LIMITS_YEARS
    age = np.clip(np.round(rng.normal(P.AGE_MEDIAN_YEARS, P.AGE_SD_YEARS, n)), low, high)
    male = rng.random(n) < P.MALE_SHARE
    known = site != SITES.index("unknown")
    metachronous = known & (rng.random(n) < P.METACHRONOUS_SHARE_KNOWN_PRIMARY)
    return {"site": site, "age": age, "male": male, "metachronous": metachronous}


# --- 2. the tumor's true grades ---------------------------------------------------

def _true_grades(rng: np.random.Generator, who: dict[str, Any]) -> dict[str, np.ndarray]:
    by_site = np.array([P.PRIMARY_GRADE_BY_SITE[s] for s in SITES])
    primary = _draw_rows(rng, by_site[who["site"]])
    tables = liver_grade_tables()
    rows = np.where(who["metachronous"][:, None],
                    tables["metachronous"][primary], tables["synchronous"][primary])
    return {"primary": primary, "liver": _draw_rows(rng, rows)}


def liver_grade_tables() -> dict[str, np.ndarray]:
    """P(liver grade | primary grade) for synchronous and metachronous metastases.

    The discordant share of the source study's table (§1) is scaled by
    ``METACHRONOUS_DISCORDANCE_FACTOR`` for metachronous patients and by a factor solved
    per primary grade for synchronous ones, so that the mixture over the expected share
    of metachronous patients with that primary grade is exactly the §1 table among the
    patients whose primary grade is recorded (as in the study).
    """
    overall = np.array(P.LIVER_GRADE_GIVEN_PRIMARY)
    share = metachronous_share_by_primary_grade()
    factor_meta = P.METACHRONOUS_DISCORDANCE_FACTOR
    factor_sync = (1 - share * factor_meta) / (1 - share)
    out = {}
    for name, factor in (("metachronous", np.full(3, factor_meta)),
                         ("synchronous", factor_sync)):
        table = overall * factor[:, None]
        np.fill_diagonal(table, 0.0)
        np.fill_diagonal(table, 1 - table.sum(axis=1))
        if (table < 0).any():
            raise ValueError(f"METACHRONOUS_DISCORDANCE_FACTOR too large: {name} table < 0")
        out[name] = table
    return out


def metachronous_share_by_primary_grade() -> np.ndarray:
    """Expected share of metachronous patients among those with each primary grade.

    Counted among patients whose primary grade is recorded: unknown primaries (always
    synchronous) rarely have one, and the §1 table describes graded primaries.
    """
    site_share = _normalised(P.PRIMARY_SITE_SHARES.values())
    recorded = np.array([1 - (P.PRIMARY_RECORDING_UNKNOWN_SITE if s == "unknown"
                              else P.PRIMARY_RECORDING_KNOWN_SITE)[2] for s in SITES])
    grade_by_site = np.array([P.PRIMARY_GRADE_BY_SITE[s] for s in SITES])
    meta = np.array([0.0 if s == "unknown" else P.METACHRONOUS_SHARE_KNOWN_PRIMARY
                     for s in SITES])
    joint = (site_share * recorded)[:, None] * grade_by_site
    return (joint * meta[:, None]).sum(axis=0) / joint.sum(axis=0)  # type: ignore[no-any-return]  # numpy types this Any


# --- 3. what the file records -------------------------------------------------------

def _primary_record(rng: np.random.Generator, grade: np.ndarray, site: np.ndarray) -> dict[str, Any]:
    n = grade.size
    unknown = site == SITES.index("unknown")
    ways = np.where(unknown[:, None], P.PRIMARY_RECORDING_UNKNOWN_SITE,
                    P.PRIMARY_RECORDING_KNOWN_SITE)
    how = _draw_rows(rng, ways)  # 0 grade entered, 1 derived from Ki-67, 2 nothing
    score = rng.standard_normal(n)  # the tumor's position within its grade
    with_ki67 = (how == 1) | ((how == 0) & (rng.random(n) < P.KI67_GIVEN_WITH_GRADE))
    with_mitoses = (how < 2) & (rng.random(n) < P.PRIMARY_MITOSES_SHARE)
    return _record(rng, grade, how, score, with_ki67, with_mitoses) | {
        "ki67_score": score, "graded": how < 2}


def _liver_record(rng: np.random.Generator, grade: np.ndarray, primary: dict[str, Any]) -> dict[str, Any]:
    """The liver biopsy's record. A patient with no primary grade whose biopsy was
    non-diagnostic had it repeated until diagnostic: the cohort is of patients with a
    histological grade (a file without any grade cannot be used), so the file's share
    of non-diagnostic biopsies is the yield's complement among graded primaries only."""
    n = grade.size
    diagnostic = (rng.random(n) < P.BIOPSY_DIAGNOSTIC_YIELD) | ~primary["graded"]
    primary_score = primary["ki67_score"]
    how = np.where(diagnostic, _draw_rows(rng, np.tile(P.LIVER_RECORDING, (n, 1))), 2)
    rho = P.KI67_PRIMARY_LIVER_CORRELATION
    score = rho * primary_score + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    with_ki67 = (how == 1) | ((how == 0) & (rng.random(n) < P.KI67_GIVEN_WITH_GRADE))
    with_mitoses = (how < 2) & (rng.random(n) < P.LIVER_MITOSES_SHARE)
    return _record(rng, grade, how, score, with_ki67, with_mitoses)


def _record(rng: np.random.Generator, grade: np.ndarray, how: np.ndarray, score: np.ndarray,
            with_ki67: np.ndarray, with_mitoses: np.ndarray) -> dict[str, Any]:
    """Ki-67, mitoses and entered grade, each consistent with the true grade.

    Ki-67 always lies in the grade's interval. A mitotic count lies in the grade's
    interval unless Ki-67 already sets the grade, when it may be one grade lower (the
    higher of the two is the WHO grade). A derived-only grade always has its Ki-67.
    """
    ki67 = np.where(with_ki67, ki67_within_grade(grade, score), np.nan)
    lower = with_ki67 & (grade > 0) & (rng.random(grade.size) >= P.MITOSES_SAME_GRADE_AS_KI67)
    mitoses_grade = grade - lower.astype(int)
    mitoses = np.where(with_mitoses, _mitoses_within_grade(rng, mitoses_grade), np.nan)
    entered = np.where(how == 0, grade, -1)
    return {"ki67": ki67, "mitoses": mitoses, "grade": entered}


def ki67_within_grade(grade: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Ki-67 (%) from a normal score, log-normal truncated to the grade's interval.

    The score's normal probability is mapped into the truncated log-normal by its
    inverse distribution function, then rounded to 0.1 and kept in the rounded interval,
    so every value re-derives its grade.
    """
    median, log_sd = (np.array(v)[grade] for v in zip(*P.KI67_LOGNORMAL_BY_GRADE, strict=True))
    low, high = (np.array(v)[grade] for v in zip(*P.KI67_RANGE_BY_GRADE, strict=True))
    lo_p = ndtr((np.log(low) - np.log(median)) / log_sd)
    hi_p = ndtr((np.log(high) - np.log(median)) / log_sd)
    p = lo_p + ndtr(score) * (hi_p - lo_p)
    value = np.exp(np.log(median) + log_sd * ndtri(np.clip(p, 1e-12, 1 - 1e-12)))
    return np.clip(np.round(value, 1), low, high)  # type: ignore[no-any-return]  # numpy types this Any


def _mitoses_within_grade(rng: np.random.Generator, grade: np.ndarray) -> np.ndarray:
    low, high = (np.array(v, dtype=float)[grade]
                 for v in zip(*P.MITOSES_RANGE_BY_GRADE, strict=True))
    log_draw = np.log(low + 1) + rng.random(grade.size) * (np.log(high + 2) - np.log(low + 1))
    return np.clip(np.floor(np.exp(log_draw) - 1), low, high)  # type: ignore[no-any-return]  # numpy types this Any


def _complications(rng: np.random.Generator, n: int) -> np.ndarray:
    u = rng.random(n)
    codes = np.full(n, "none", dtype=object)
    codes[u < P.COMPLICATION_ANY] = "minor"
    codes[u < P.COMPLICATION_MAJOR] = "major"
    return codes


# --- 4. clinical features -----------------------------------------------------------

def _clinical_features(rng: np.random.Generator, who: dict[str, Any], liver: np.ndarray) -> dict[str, Any]:
    n = liver.size
    burden = rng.choice(len(LIVER_BURDENS), size=n,
                        p=_normalised(P.LIVER_BURDEN_SHARES.values()))
    extrahepatic = rng.random(n) < P.EXTRAHEPATIC_SHARE
    known = who["site"] != SITES.index("unknown")
    resect_p = np.where(who["metachronous"], P.RESECTED_SHARE_METACHRONOUS,
                        P.RESECTED_SHARE_SYNCHRONOUS)
    resected = known & (rng.random(n) < resect_p)
    functional_p = np.array([P.FUNCTIONAL_SHARE_BY_SITE[s] for s in SITES])[who["site"]]
    functional = rng.random(n) < functional_p
    ecog = rng.choice(len(P.ECOG_SHARES), size=n, p=_normalised(P.ECOG_SHARES))
    sstr = _draw_rows(rng, np.array(P.SSTR_BY_LIVER_GRADE)[liver])
    return {"burden": burden, "extrahepatic": extrahepatic, "resected": resected,
            "functional": functional, "ecog": ecog, "sstr": sstr}


# --- 5. survival ----------------------------------------------------------------------

def _log_hazard(who: dict[str, Any], truth: dict[str, Any], clinic: dict[str, Any]) -> np.ndarray:
    """Log relative hazard against the reference patient (see synthetic_params)."""
    ln = np.log
    site_hr = np.array([P.SITE_HR[s] for s in SITES])
    liver_hr = _LIVER_HR
    burden_hr = np.array([P.LIVER_BURDEN_HR[b] for b in LIVER_BURDENS])
    return (ln(site_hr)[who["site"]]  # type: ignore[no-any-return]  # numpy types this Any
            + ln(P.AGE_OVER_50_HR) * (who["age"] > 50)
            + ln(P.MALE_HR) * who["male"]
            + ln(P.SYNCHRONOUS_HR) * ~who["metachronous"]
            + ln(liver_hr)[truth["liver"]]
            + ln(P.PRIMARY_G3_HR) * (truth["primary"] == 2)
            + ln(burden_hr)[clinic["burden"]]
            + ln(P.EXTRAHEPATIC_HR) * clinic["extrahepatic"]
            + ln(P.NOT_RESECTED_HR) * ~clinic["resected"]
            + ln(P.FUNCTIONAL_SYNDROME_HR) * clinic["functional"]
            + ln(np.array(P.ECOG_HR))[clinic["ecog"]]
            + ln(P.SSTR_NEGATIVE_HR) * (clinic["sstr"] == SSTR_CODES.index("negative")))


def _survival(rng: np.random.Generator, log_hr: np.ndarray) -> tuple[np.ndarray, ...]:
    """Weibull PH death times, censored at the end of follow-up or when lost: months
    (rounded), death, and the unrounded end of follow-up (where PFS ends at the latest)."""
    n = log_hr.size
    hazard_draw = rng.standard_exponential(n) * np.exp(-log_hr)
    death_time = P.BASELINE_SCALE_MONTHS * hazard_draw ** (1 / P.WEIBULL_SHAPE)
    low, high = P.FOLLOW_UP_RANGE_MONTHS
    follow_up_end = rng.uniform(low, high, n)
    lost = rng.random(n) < P.LOST_TO_FOLLOW_UP_SHARE
    censor_time = np.where(lost, rng.random(n) * follow_up_end, follow_up_end)
    died = death_time <= censor_time
    end = np.minimum(death_time, censor_time)
    return np.maximum(np.round(end, 1), 0.1), died, end


# --- helpers -------------------------------------------------------------------------

def _draw_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix."""
    probabilities = np.asarray(probabilities, dtype=float)
    cumulative = np.cumsum(probabilities / probabilities.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(probabilities.shape[0])
    return (u[:, None] >= cumulative[:, :-1]).sum(axis=1)  # type: ignore[index, no-any-return]  # numpy types the cumsum of a ratio as float


def _normalised(values: Iterable[float]) -> np.ndarray:
    values = np.asarray(list(values), dtype=float)
    return values / values.sum()  # type: ignore[no-any-return]  # numpy types this Any


def _grade_codes(levels: np.ndarray) -> np.ndarray:
    codes = np.array([None, *GRADES], dtype=object)
    return codes[np.asarray(levels) + 1]  # type: ignore[no-any-return]  # numpy types this Any


def _check_size(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= MAX_ROWS:
        raise ValueError(f"n must be a whole number from 1 to {MAX_ROWS:,}; got {n!r}")
    return int(n)


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0; got {seed!r}")
    return int(seed)
