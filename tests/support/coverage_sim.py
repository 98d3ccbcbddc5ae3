"""Cohorts from "other hospitals" with a KNOWN Cox/Weibull truth, and how often the served
model's 95% intervals cover that truth (coverage tests and the coverage benchmark only).

Independent of :mod:`risk.synthetic.generator` and :mod:`risk.model.features`: the true log hazard is
:func:`model_sim.true_log_hazard` (its own table lookups on the canonical columns) with
each hospital's own table of log hazard ratios, and the truth is computed here.

Hospitals (:data:`HOSPITALS`) differ from the shipped generator and from
:mod:`model_sim` in site mix, grade mix (one is high-grade), liver-grade transitions,
hazard ratios, Weibull shape (0.65-1.3, never 1.1), scale, follow-up and loss to
follow-up, and share without a diagnostic biopsy. Cohort seed ``s`` comes from hospital
``HOSPITALS[s % 4]``. Every truth stays inside the biopsy model's family (linear age,
one log hazard ratio for ECOG 2-4, a log hazard ratio per level of every other input,
risk from the *reported* primary grade, "unknown" included, no Ki-67 or grade-change
effect), so the biopsy model is correctly specified and what is measured is its interval
procedure. The primary grade is drawn independently of the site. A diagnostic biopsy is
missing at random among patients whose primary grade is reported (the validator refuses a
patient with neither grade, so a patient without a primary grade always has a biopsy
here); given the reported inputs it is independent of the liver grade.

Every cohort is written as CSV and read back through :func:`risk.data.validation.load_cohort`
(purpose "training"), as an uploaded file would be: it is a valid canonical frame.

Truth: ``S(t|x) = exp(-(t / scale)^shape exp(lp(x)))``. For a patient WITHOUT a liver grade
(served by the primary-only comparator) the truth is the marginal survival over the liver
grade given the reported primary grade: ``sum_g P(g | primary) S(t | x, g)``, with
``P(g | unknown primary grade) = sum_p P(p) P(g | p)`` (grade independent of site and of
its being reported). The comparator, a Cox model of that mixture, is misspecified: it has
no correctly specified target, so its coverage is reported separately.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from model_sim import GRADES, true_log_hazard
from scipy import optimize, stats

from risk.schema import CURVE_MAX_MONTHS

HORIZONS = (12, 36, 60)
QUANTITIES = (*(f"surv_{h}" for h in HORIZONS), "median")
Z_95 = float(stats.norm.ppf(0.975))
SITES = ("pancreas", "small_intestine", "rectum", "colon", "stomach", "appendix", "unknown")
#: Ki-67 (%) of a liver biopsy is uniform in its grade's WHO range (rounded to 0.1).
KI67_RANGE = {"G1": (0.5, 2.9), "G2": (3.0, 20.0), "G3": (20.1, 70.0)}
PANEL_SIZE, PANEL_WITHOUT_BIOPSY = 20, 4
PANEL_SEED = 90_000


def _ecog(one: float, two_plus: float) -> dict[int, float]:
    return {1: one, 2: two_plus, 3: two_plus, 4: two_plus}


@dataclass(frozen=True)
class Hospital:
    """One hospital's population: case mix, true log hazard ratios, baseline, follow-up.

    ``log_hr`` is in :data:`model_sim.TRUE_LOG_HR`'s format (lp = 0 for age 60, female,
    small intestine, G1/G1, synchronous, < 25% burden, no flags, ECOG 0, SSTR positive).
    Administrative follow-up is uniform on ``follow_up`` months; loss to follow-up is
    exponential at ``loss_per_month``.
    """

    name: str
    site_p: tuple[float, ...]  # in SITES order
    primary_p: tuple[float, float, float]  # G1, G2, G3
    transition: dict[str, tuple[float, float, float]]  # P(liver grade | primary grade)
    log_hr: dict
    shape: float
    scale: float
    follow_up: tuple[float, float]
    loss_per_month: float
    missing_biopsy: float
    missing_primary_grade: float
    age: tuple[float, float] = (60.0, 11.0)  # mean, SD (clipped to 20-90)
    shares: dict = field(default_factory=dict)  # shares of binary inputs (see _patients)
    burden_p: tuple[float, float, float] = (0.5, 0.3, 0.2)
    ecog_p: tuple[float, ...] = (0.5, 0.35, 0.1, 0.04, 0.01)
    sstr_p: tuple[float, float, float] = (0.75, 0.12, 0.13)  # positive, negative, unknown


HOSPITALS = (
    Hospital(
        "pancreas_centre",
        site_p=(0.60, 0.15, 0.03, 0.04, 0.06, 0.02, 0.10), primary_p=(0.25, 0.50, 0.25),
        transition={"G1": (0.60, 0.32, 0.08), "G2": (0.08, 0.62, 0.30),
                    "G3": (0.02, 0.18, 0.80)},
        log_hr={"age_per_10y": 0.30, "sex": {"male": 0.0},
                "primary_site": {"pancreas": 0.45, "rectum": -0.40, "colon": 0.35,
                                 "stomach": 0.20, "appendix": -0.30, "unknown": 0.40},
                "primary_grade": {"G2": 0.15, "G3": 0.60, "unknown": 0.25},
                "met_grade": {"G2": 0.55, "G3": 1.40}, "met_timing": {"metachronous": -0.10},
                "liver_burden": {"25to50": 0.30, "gt50": 0.85}, "extrahepatic_mets": 0.45,
                "primary_resected": -0.50, "functional_syndrome": 0.0,
                "ecog": _ecog(0.25, 0.90), "sstr_status": {"negative": 0.40, "unknown": 0.15}},
        shape=0.8, scale=600.0, follow_up=(36.0, 132.0), loss_per_month=0.003,
        missing_biopsy=0.10, missing_primary_grade=0.06, age=(62.0, 10.0),
        shares={"male": 0.55, "metachronous": 0.35, "extrahepatic": 0.30, "resected": 0.40,
                "functional": 0.15},
        burden_p=(0.45, 0.33, 0.22), ecog_p=(0.45, 0.35, 0.12, 0.06, 0.02),
        sstr_p=(0.70, 0.15, 0.15)),
    Hospital(
        "small_bowel_centre",
        site_p=(0.25, 0.55, 0.04, 0.04, 0.03, 0.04, 0.05), primary_p=(0.50, 0.42, 0.08),
        transition={"G1": (0.70, 0.27, 0.03), "G2": (0.12, 0.70, 0.18),
                    "G3": (0.05, 0.25, 0.70)},
        log_hr={"age_per_10y": 0.20, "sex": {"male": 0.15},
                "primary_site": {"pancreas": 0.25, "rectum": -0.20, "colon": 0.40,
                                 "stomach": 0.30, "appendix": -0.15, "unknown": 0.20},
                "primary_grade": {"G2": 0.30, "G3": 0.40, "unknown": 0.10},
                "met_grade": {"G2": 0.35, "G3": 1.00}, "met_timing": {"metachronous": -0.30},
                "liver_burden": {"25to50": 0.45, "gt50": 0.60}, "extrahepatic_mets": 0.25,
                "primary_resected": -0.30, "functional_syndrome": 0.20,
                "ecog": _ecog(0.35, 0.70), "sstr_status": {"negative": 0.25, "unknown": 0.05}},
        shape=1.3, scale=240.0, follow_up=(60.0, 150.0), loss_per_month=0.002,
        missing_biopsy=0.05, missing_primary_grade=0.10, age=(64.0, 9.0),
        shares={"male": 0.50, "metachronous": 0.45, "extrahepatic": 0.20, "resected": 0.60,
                "functional": 0.40},
        burden_p=(0.55, 0.30, 0.15), ecog_p=(0.60, 0.30, 0.06, 0.03, 0.01),
        sstr_p=(0.85, 0.05, 0.10)),
    Hospital(
        "high_grade_referral",
        site_p=(0.45, 0.20, 0.06, 0.08, 0.08, 0.01, 0.12), primary_p=(0.15, 0.45, 0.40),
        transition={"G1": (0.50, 0.40, 0.10), "G2": (0.05, 0.50, 0.45),
                    "G3": (0.01, 0.14, 0.85)},
        log_hr={"age_per_10y": 0.15, "sex": {"male": 0.05},
                "primary_site": {"pancreas": 0.30, "rectum": -0.25, "colon": 0.50,
                                 "stomach": 0.35, "appendix": -0.40, "unknown": 0.45},
                "primary_grade": {"G2": 0.25, "G3": 0.80, "unknown": 0.35},
                "met_grade": {"G2": 0.50, "G3": 1.60}, "met_timing": {"metachronous": -0.25},
                "liver_burden": {"25to50": 0.40, "gt50": 0.95}, "extrahepatic_mets": 0.50,
                "primary_resected": -0.35, "functional_syndrome": 0.05,
                "ecog": _ecog(0.40, 1.10), "sstr_status": {"negative": 0.50, "unknown": 0.20}},
        shape=1.0, scale=450.0, follow_up=(30.0, 100.0), loss_per_month=0.006,
        missing_biopsy=0.15, missing_primary_grade=0.04, age=(58.0, 12.0),
        shares={"male": 0.60, "metachronous": 0.25, "extrahepatic": 0.45, "resected": 0.30,
                "functional": 0.08},
        burden_p=(0.35, 0.35, 0.30), ecog_p=(0.35, 0.40, 0.15, 0.07, 0.03),
        sstr_p=(0.55, 0.30, 0.15)),
    Hospital(
        "regional_registry",
        site_p=(0.35, 0.35, 0.08, 0.05, 0.05, 0.05, 0.07), primary_p=(0.40, 0.45, 0.15),
        transition={"G1": (0.65, 0.30, 0.05), "G2": (0.10, 0.65, 0.25),
                    "G3": (0.03, 0.22, 0.75)},
        log_hr={"age_per_10y": 0.35, "sex": {"male": 0.10},
                "primary_site": {"pancreas": 0.40, "rectum": -0.50, "colon": 0.20,
                                 "stomach": 0.15, "appendix": -0.25, "unknown": 0.35},
                "primary_grade": {"G2": 0.10, "G3": 0.45, "unknown": 0.15},
                "met_grade": {"G2": 0.40, "G3": 1.25}, "met_timing": {"metachronous": -0.15},
                "liver_burden": {"25to50": 0.25, "gt50": 0.75}, "extrahepatic_mets": 0.40,
                "primary_resected": -0.45, "functional_syndrome": 0.15,
                "ecog": _ecog(0.30, 0.95), "sstr_status": {"negative": 0.35, "unknown": 0.10}},
        shape=0.65, scale=700.0, follow_up=(24.0, 180.0), loss_per_month=0.004,
        missing_biopsy=0.08, missing_primary_grade=0.08, age=(60.0, 11.0),
        shares={"male": 0.52, "metachronous": 0.40, "extrahepatic": 0.25, "resected": 0.50,
                "functional": 0.25}),
)


def hospital_of(seed: int) -> Hospital:
    """The hospital cohort ``seed`` comes from."""
    return HOSPITALS[seed % len(HOSPITALS)]


# ---- simulation ----------------------------------------------------------------------
def _choice(rng, options, p, n) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def _patients(hospital: Hospital, n: int, rng, prefix: str) -> pd.DataFrame:
    """Canonical input columns of ``n`` patients, every liver grade filled (true grade)."""
    share = {"male": 0.5, "metachronous": 0.4, "extrahepatic": 0.25, "resected": 0.5,
             "functional": 0.25, **hospital.shares}
    site = _choice(rng, SITES, hospital.site_p, n)
    primary = _choice(rng, GRADES, hospital.primary_p, n)
    liver = np.array([GRADES[rng.choice(3, p=hospital.transition[g])] for g in primary],
                     dtype=object)
    reported = (rng.random(n) >= hospital.missing_primary_grade) & (site != "unknown")
    low = np.array([KI67_RANGE[g][0] for g in liver])
    high = np.array([KI67_RANGE[g][1] for g in liver])
    mean_age, sd_age = hospital.age
    return pd.DataFrame({
        "patient_id": [f"{prefix}-{i:05d}" for i in range(n)],
        "age": np.round(np.clip(rng.normal(mean_age, sd_age, n), 20, 90), 1),
        "sex": np.where(rng.random(n) < share["male"], "male", "female").astype(object),
        "primary_site": site,
        "primary_ki67": np.nan, "primary_mitoses": np.nan,
        "primary_grade": np.where(reported, primary, None),
        "met_ki67": np.round(rng.uniform(low, high), 1), "met_mitoses": np.nan,
        "met_grade": liver,
        "differentiation": "well",
        "met_timing": np.where(rng.random(n) < share["metachronous"], "metachronous",
                               "synchronous").astype(object),
        "liver_burden": _choice(rng, ("lt25", "25to50", "gt50"), hospital.burden_p, n),
        "extrahepatic_mets": (rng.random(n) < share["extrahepatic"]).astype(int),
        "primary_resected": (rng.random(n) < share["resected"]).astype(int),
        "functional_syndrome": (rng.random(n) < share["functional"]).astype(int),
        "ecog": rng.choice(5, size=n, p=hospital.ecog_p).astype(int),
        "sstr_status": _choice(rng, ("positive", "negative", "unknown"), hospital.sstr_p, n),
        "biopsy_complication": "none",
    })


def _validated(frame: pd.DataFrame, purpose: str) -> pd.DataFrame:
    """``frame`` written as CSV and read back as an upload: the canonical frame."""
    from risk.data.validation import load_cohort

    return load_cohort(frame.to_csv(index=False).encode(), purpose=purpose).frame


def _blank_biopsy(frame: pd.DataFrame, rows: np.ndarray) -> None:
    frame.loc[rows, ["met_grade", "met_ki67"]] = [None, np.nan]


def simulate_cohort(hospital: Hospital, n: int, seed: int) -> pd.DataFrame:
    """A validated canonical training frame of ``n`` patients from ``hospital``."""
    rng = np.random.default_rng(seed)
    frame = _patients(hospital, n, rng, f"C{seed}")
    lp = true_log_hazard(frame, hospital.log_hr)
    event = hospital.scale * (rng.exponential(size=n) * np.exp(-lp)) ** (1 / hospital.shape)
    censor = np.minimum(rng.uniform(*hospital.follow_up, n),
                        rng.exponential(1 / hospital.loss_per_month, n))
    frame["os_months"] = np.maximum(np.minimum(event, censor), 0.01)
    frame["death"] = (event <= censor).astype(int)
    missing = rng.random(n) < hospital.missing_biopsy
    _blank_biopsy(frame, missing & frame["primary_grade"].notna().to_numpy())
    return _validated(frame, "training")


def _panel_patients(hospital: Hospital, size: int) -> pd.DataFrame:
    index = HOSPITALS.index(hospital) if hospital in HOSPITALS else len(HOSPITALS)
    return _patients(hospital, size, np.random.default_rng(PANEL_SEED + index),
                     f"EVAL{index}")


def evaluation_panel(hospital: Hospital, size: int = PANEL_SIZE,
                     without_biopsy: int = PANEL_WITHOUT_BIOPSY) -> pd.DataFrame:
    """Fixed patients from ``hospital``'s population (seeded by the hospital); the last
    ``without_biopsy`` of those with a reported primary grade have no liver grade (served
    by the comparator). Validated for prediction."""
    panel = _panel_patients(hospital, size)
    reported = np.flatnonzero(panel["primary_grade"].notna().to_numpy())
    _blank_biopsy(panel, reported[len(reported) - without_biopsy:])
    return _validated(panel, "prediction")


def hidden_liver_grades(hospital: Hospital, size: int = PANEL_SIZE) -> np.ndarray:
    """The liver grade each panel patient truly has, also those shown without one: the
    WRONG truth for the comparator (it cannot know it), kept to measure that mistake."""
    return _panel_patients(hospital, size)["met_grade"].to_numpy(dtype=object)


# ---- truth ---------------------------------------------------------------------------
def liver_grade_probabilities(hospital: Hospital, frame: pd.DataFrame) -> np.ndarray:
    """(n, 3) P(true liver grade G1..G3 | what is known): 1 at the grade where the biopsy
    gave one, else P(g | reported primary grade), marginal over it when unknown."""
    table = np.array([hospital.transition[g] for g in GRADES])
    unknown = np.asarray(hospital.primary_p) @ table
    rows = {g: table[i] for i, g in enumerate(GRADES)}
    primary = frame["primary_grade"].to_numpy(dtype=object)
    out = np.array([rows.get(p, unknown) for p in primary], dtype=float).reshape(-1, 3)
    liver = frame["met_grade"].to_numpy(dtype=object)
    for i, g in enumerate(GRADES):
        out[liver == g] = np.eye(3)[i]
    return out


def _log_hazards_by_grade(hospital: Hospital, frame: pd.DataFrame) -> np.ndarray:
    """(n, 3) true lp with the liver grade set to G1, G2, G3."""
    return np.column_stack([true_log_hazard(frame.assign(met_grade=g), hospital.log_hr)
                            for g in GRADES])


def true_survival(hospital: Hospital, frame: pd.DataFrame, months) -> np.ndarray:
    """True S(t | what is known) at ``months``, shape (n, len(months)) (see module doc)."""
    months = np.atleast_1d(np.asarray(months, dtype=float))
    weights = liver_grade_probabilities(hospital, frame)
    relative = np.exp(_log_hazards_by_grade(hospital, frame))  # (n, 3)
    base = (months / hospital.scale) ** hospital.shape  # (m,)
    return np.einsum("ng,ngm->nm", weights, np.exp(-relative[:, :, None] * base))


def true_median(hospital: Hospital, frame: pd.DataFrame) -> np.ndarray:
    """True median survival (months) of each patient: S(t) = 0.5 solved exactly."""
    weights = liver_grade_probabilities(hospital, frame)
    relative = np.exp(_log_hazards_by_grade(hospital, frame))
    out = np.empty(len(frame))
    for i, (w, r) in enumerate(zip(weights, relative, strict=True)):
        # u = (t / scale)^shape; sum_g w_g exp(-u r_g) falls from 1 to 0 in u
        used = w > 0
        u = optimize.brentq(lambda x, w=w[used], r=r[used]: w @ np.exp(-x * r) - 0.5,
                            0.0, 50.0 * math.log(2.0) / r[used].min(), xtol=1e-14)
        out[i] = hospital.scale * u ** (1 / hospital.shape)
    return out


# ---- coverage --------------------------------------------------------------------------
@dataclass
class CohortCoverage:
    """One cohort: what cross-validation chose and one row per panel patient x quantity.

    ``rows`` columns: seed, n, hospital, patient_id, model_used, quantity
    (:data:`QUANTITIES`), estimate, lower, upper, truth, covered, and for the survival
    horizons log_h_estimate, log_h_se (from the reported band: the log-log interval is
    log H +- 1.96 se) and log_h_truth. Median rows: estimate NaN = not reached by month
    120; lower NaN = the lower band does not reach 0.5 by month 120 (interval "beyond
    120"); upper NaN = open-ended.
    """

    seed: int
    n: int
    hospital: str
    penalizer: dict[str, float]
    terms: dict[str, tuple[str, ...]]
    rows: pd.DataFrame


def fit_cohort(seed: int, n: int, settings: dict | None = None):
    """(hospital, training frame, fitted BiopsyRiskModel) for cohort ``seed`` of size ``n``;
    ``settings`` are BiopsyRiskModel's (default: production's defaults)."""
    from risk.model import BiopsyRiskModel

    hospital = hospital_of(seed)
    frame = simulate_cohort(hospital, n, seed)
    return hospital, frame, BiopsyRiskModel(**(settings or {})).fit(frame)


def _log_h(survival) -> np.ndarray:
    s = np.asarray(survival, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((s > 0) & (s < 1), np.log(-np.log(s)), np.nan)


def median_covered(truth, lower, upper) -> np.ndarray:
    """Truth inside the reported median interval; a lower limit NaN means "beyond month
    120" (covered only if the true median is beyond it), an upper NaN is open-ended."""
    truth, lower, upper = (np.asarray(a, dtype=float) for a in (truth, lower, upper))
    above = np.where(np.isnan(lower), truth > CURVE_MAX_MONTHS, truth >= lower)
    return above & (np.isnan(upper) | (truth <= upper))


def panel_coverage(model, hospital: Hospital, panel: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    """One row per panel patient x quantity (see :class:`CohortCoverage`), no ids of
    the cohort."""
    panel = evaluation_panel(hospital) if panel is None else panel
    table = model.predict(panel).table
    survival = true_survival(hospital, panel, HORIZONS)
    common = {"patient_id": table["patient_id"].to_numpy(),
              "model_used": table["model_used"].to_numpy()}
    parts = []
    for j, h in enumerate(HORIZONS):
        est, lo, hi = (table[f"surv_{h}{s}"].to_numpy(float) for s in ("", "_lower", "_upper"))
        truth = survival[:, j]
        parts.append(pd.DataFrame({
            **common, "quantity": f"surv_{h}", "estimate": est, "lower": lo, "upper": hi,
            "truth": truth, "covered": (lo <= truth) & (truth <= hi),
            "log_h_estimate": _log_h(est), "log_h_se": (_log_h(lo) - _log_h(est)) / Z_95,
            "log_h_truth": _log_h(truth)}))
    truth = true_median(hospital, panel)
    lo, hi = table["median_os_lower"].to_numpy(float), table["median_os_upper"].to_numpy(float)
    parts.append(pd.DataFrame({
        **common, "quantity": "median", "estimate": table["median_os_months"].to_numpy(float),
        "lower": lo, "upper": hi, "truth": truth, "covered": median_covered(truth, lo, hi)}))
    return pd.concat(parts, ignore_index=True)


def conditional_panel_coverage(model, hospital: Hospital, alive_months: float,
                               horizons=(36, 60), panel: pd.DataFrame | None = None
                               ) -> pd.DataFrame:
    """As :func:`panel_coverage` for survival given alive at ``alive_months``: the truth
    is ``S(t) / S(s)`` of the true survival (also for the comparator's mixture, whose
    conditional survival is the ratio of its marginals), 1 at horizons already survived."""
    panel = evaluation_panel(hospital) if panel is None else panel
    table = model.predict(panel, alive_months=alive_months).table
    truth = true_survival(hospital, panel, horizons) / true_survival(
        hospital, panel, [alive_months])
    truth[:, np.asarray(horizons, dtype=float) <= alive_months] = 1.0  # already survived
    parts = []
    for j, h in enumerate(horizons):
        est, lo, hi = (table[f"surv_{h}{s}"].to_numpy(float) for s in ("", "_lower", "_upper"))
        parts.append(pd.DataFrame({
            "patient_id": table["patient_id"].to_numpy(),
            "model_used": table["model_used"].to_numpy(), "quantity": f"surv_{h}",
            "estimate": est, "lower": lo, "upper": hi, "truth": truth[:, j],
            "covered": (lo <= truth[:, j]) & (truth[:, j] <= hi)}))
    return pd.concat(parts, ignore_index=True)


def cohort_coverage(seed: int, n: int, settings: dict | None = None) -> CohortCoverage:
    """Train as production does (or with ``settings``) on cohort ``seed`` of ``n``
    patients and check the intervals of its hospital's evaluation panel."""
    hospital, _, model = fit_cohort(seed, n, settings)
    rows = panel_coverage(model, hospital)
    rows.insert(0, "hospital", hospital.name)
    rows.insert(0, "n", n)
    rows.insert(0, "seed", seed)
    models = model.models_
    return CohortCoverage(seed, n, hospital.name,
                          {k: float(m.penalizer_) for k, m in models.items()},
                          {k: tuple(m.terms_) for k, m in models.items()}, rows)


def coverage_summary(rows: pd.DataFrame, by=("quantity",)) -> pd.DataFrame:
    """Coverage with its Wilson 95% interval per group of ``rows`` (treating the rows as
    independent: rows of one cohort are not, so the interval is too narrow; see
    ``cluster_se``, the SD of per-cohort coverage / sqrt(cohorts)) and mean width."""
    out = []
    for key, group in rows.groupby(list(by), sort=False):
        k, total = int(group["covered"].sum()), len(group)
        ci = stats.binomtest(k, total).proportion_ci(method="wilson")
        per_cohort = group.groupby("seed")["covered"].mean()
        width = (group["upper"] - group["lower"]).mean()
        out.append({**dict(zip(by, np.atleast_1d(key), strict=True)), "cases": total,
                    "coverage": k / total, "wilson_low": ci.low, "wilson_high": ci.high,
                    "cluster_se": per_cohort.std(ddof=1) / np.sqrt(len(per_cohort))
                    if len(per_cohort) > 1 else np.nan,
                    "mean_width": width})
    return pd.DataFrame(out)
