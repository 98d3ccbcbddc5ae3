"""Decision curves, net reclassification, the nested-model LR test and the PH check."""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.datasets import load_lung, load_rossi

from risk.evaluation.metrics import (
    decision_curve,
    likelihood_ratio_test,
    nested_cox_lr_test,
    net_reclassification,
    proportional_hazards_check,
    reclassification_table,
)
from risk.evaluation.metrics.cox_checks import independent_columns

# Ten patients, nobody censored before 60 months: four died by 60 (the "events").
TIME = np.array([5, 12, 30, 59, 61, 70, 80, 90, 100, 120], float)
DEATH = np.array([1, 1, 1, 1, 0, 1, 0, 0, 1, 0])
DIED_BY_60 = (TIME <= 60) & (DEATH == 1)


# --- decision curve --------------------------------------------------------------------

def test_decision_curve_without_censoring_matches_the_binary_formula():
    risk = np.array([0.9, 0.2, 0.6, 0.4, 0.5, 0.1, 0.3, 0.7, 0.05, 0.15])
    rows = decision_curve(TIME, DEATH, risk, 60, thresholds=[0.1, 0.25, 0.5])
    for row in rows:
        pt = row["threshold"]
        treated = risk >= pt
        tp = (treated & DIED_BY_60).sum() / 10
        fp = (treated & ~DIED_BY_60).sum() / 10
        assert row["net_benefit"] == pytest.approx(tp - fp * pt / (1 - pt))
        assert row["treat_all"] == pytest.approx(0.4 - 0.6 * pt / (1 - pt))
        assert row["treat_none"] == 0.0


def test_a_perfect_model_dominates_treat_all_and_treat_none():
    perfect = DIED_BY_60.astype(float)
    for row in decision_curve(TIME, DEATH, perfect, 60):
        assert row["net_benefit"] == pytest.approx(0.4)  # the prevalence: no false positives
        assert row["net_benefit"] >= row["treat_all"] and row["net_benefit"] >= 0


def test_decision_curve_with_censoring_uses_kaplan_meier_in_the_treated():
    rng = np.random.default_rng(0)
    time = rng.exponential(50, 300)
    death = rng.random(300) < 0.7
    risk = rng.uniform(0, 0.8, 300)
    row = decision_curve(time, death, risk, 36, thresholds=[0.3])[0]
    treated = risk >= 0.3
    s = KaplanMeierFitter().fit(time[treated], death[treated]).predict(36)
    share = treated.mean()
    assert row["net_benefit"] == pytest.approx((1 - s) * share - s * share * 0.3 / 0.7)


def test_nobody_above_threshold_has_zero_net_benefit():
    row = decision_curve(TIME, DEATH, np.full(10, 0.01), 60, thresholds=[0.2])[0]
    assert row["net_benefit"] == 0.0 and row["treated"] == 0.0


# --- net reclassification --------------------------------------------------------------

def test_nri_without_censoring_before_the_horizon_by_hand():
    # events (first four): up, up, down, same; non-events: down x3, up, same x2
    old = np.array([0, 0, 2, 1, 2, 2, 1, 0, 1, 2])
    new = np.array([1, 2, 1, 1, 1, 0, 0, 1, 1, 2])
    out = net_reclassification(TIME, DEATH, old / 2, new / 2, 60, old, new)
    cat = out["categorical"]
    assert cat["nri_events"] == pytest.approx((2 - 1) / 4)
    assert cat["nri_nonevents"] == pytest.approx((3 - 1) / 6)
    assert cat["nri"] == pytest.approx(0.25 + 1 / 3)
    assert (cat["moved_up"], cat["moved_down"]) == (3, 4)
    # continuous: every change of category is also a change of risk here
    assert out["continuous"]["nri"] == pytest.approx(cat["nri"])


def test_nri_of_a_model_against_itself_is_zero():
    risk = np.linspace(0.1, 0.9, 10)
    out = net_reclassification(TIME, DEATH, risk, risk, 60)
    assert out["continuous"]["nri"] == 0.0


def test_reclassification_table_counts():
    old = np.array([0, 0, 2, 1, 2, 2, 1, 0, 1, 2])
    new = np.array([1, 2, 1, 1, 1, 0, 0, 1, 1, 2])
    cells = reclassification_table(TIME, DEATH, old, new, ["low", "mid", "high"], 60)
    counts = {(c["old"], c["new"]): c["n"] for c in cells}
    assert sum(counts.values()) == 10
    assert counts[("high", "mid")] == 2 and counts[("low", "mid")] == 2
    # high -> mid holds patients 3 (died at 30) and 5 (alive at 61): observed risk 1/2
    cell = next(c for c in cells if (c["old"], c["new"]) == ("high", "mid"))
    assert cell["observed_risk"] == pytest.approx(0.5)


# --- likelihood-ratio test -------------------------------------------------------------

def test_lr_test_against_r_lung():
    """R: coxph(Surv(time, status) ~ age + sex, lung): likelihood ratio test 14.12 on 2 df,
    p = 0.0009."""
    lung = load_lung()
    out = nested_cox_lr_test(lung.time, lung.status, lung[[]], lung[["age", "sex"]])
    assert out["statistic"] == pytest.approx(14.12, abs=0.005)
    assert out["df"] == 2 and out["p"] == pytest.approx(0.000857, abs=1e-5)


def test_lr_test_of_nested_models_equals_lifelines_difference():
    rossi = load_rossi()
    full_cols = ["fin", "age", "prio", "wexp"]
    small = CoxPHFitter().fit(rossi[["fin", "age", "week", "arrest"]], "week", "arrest")
    big = CoxPHFitter().fit(rossi[full_cols + ["week", "arrest"]], "week", "arrest")
    out = nested_cox_lr_test(rossi.week, rossi.arrest, rossi[["fin", "age"]], rossi[full_cols])
    expected = likelihood_ratio_test(small.log_likelihood_, big.log_likelihood_, 2)
    assert out["statistic"] == pytest.approx(expected["statistic"], abs=1e-5)
    assert out["df"] == 2


def test_constant_and_collinear_columns_are_dropped_and_named():
    rossi = load_rossi()
    design = rossi[["fin", "age", "prio"]].assign(never=0.0, age_twice=rossi.age * 2)
    assert independent_columns(design) == ["fin", "age", "prio"]
    out = nested_cox_lr_test(rossi.week, rossi.arrest, design[["fin", "age"]], design)
    assert out["df"] == 1 and set(out["dropped"]) == {"never", "age_twice"}


# --- proportional hazards --------------------------------------------------------------

def _ph_data(seed, crossing):
    """A binary factor with hazard ratio e^0.8 throughout, or e^1.5 for the first 10
    months and e^-1.5 after (crossing hazards); a continuous marker with HR e^0.5."""
    rng = np.random.default_rng(seed)
    n = 600
    x = rng.integers(0, 2, n).astype(float)
    z = rng.normal(size=n)
    if crossing:
        early = rng.exponential(1 / (0.05 * np.exp(1.5 * x + 0.5 * z)))
        late = 10 + rng.exponential(1 / (0.05 * np.exp(-1.5 * x + 0.5 * z)))
        death_time = np.where(early < 10, early, late)
    else:
        death_time = rng.exponential(1 / (0.05 * np.exp(0.8 * x + 0.5 * z)))
    censor = rng.uniform(0, 60, n)
    return (np.minimum(death_time, censor), death_time <= censor,
            pd.DataFrame({"treated": x, "marker": z}))


def test_ph_check_is_quiet_under_proportional_hazards():
    time, death, design = _ph_data(1, crossing=False)
    out = proportional_hazards_check(time, death, design)
    assert {r["covariate"] for r in out["covariates"]} == {"treated", "marker"}
    assert all(r["p"] > 0.05 for r in out["covariates"])


def test_ph_check_flags_an_effect_that_reverses_over_time():
    time, death, design = _ph_data(2, crossing=True)
    rows = {r["covariate"]: r for r in proportional_hazards_check(time, death, design)[
        "covariates"]}
    assert rows["treated"]["violated"] and rows["treated"]["p"] < 0.001
