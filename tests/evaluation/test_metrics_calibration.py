"""Calibration against lifelines and known truths (the calibration models' Cox fit itself:
tests/stats/test_cox_efron.py; Kaplan-Meier: tests/stats/test_kaplan_meier.py)."""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from risk.errors import ModelError
from risk.evaluation.metrics import calibration_at, calibration_slope
from risk.evaluation.metrics.calibration import (
    calibration_groups,
    complementary_log_log,
    restricted_cubic_spline,
)


def _simulated(n, seed, baseline=0.01):
    """Exponential survival with hazard baseline * exp(x); uniform censoring to 150."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    death = rng.exponential(1 / (baseline * np.exp(x)))
    censor = rng.uniform(0, 150, n)
    return np.minimum(death, censor), death <= censor, x


# --- spline basis ----------------------------------------------------------------------

def test_restricted_cubic_spline_by_hand():
    # knots 0, 1, 2 at x = 1.5: (1.5^3 - 0.5^3 * 2/1 + 0) / (2 - 0)^2 = 0.78125
    basis = restricted_cubic_spline([-1.0, 1.5, 5.0], [0.0, 1.0, 2.0])
    assert basis[1, 1] == pytest.approx(0.78125)
    assert basis[0, 1] == 0.0  # zero before the first knot
    # linear beyond the last knot: second differences vanish
    far = restricted_cubic_spline([3.0, 4.0, 5.0], [0.0, 1.0, 2.0])[:, 1]
    assert far[2] - 2 * far[1] + far[0] == pytest.approx(0.0, abs=1e-9)


# --- calibration -----------------------------------------------------------------------

def test_calibration_slope_equals_lifelines_cox_on_cloglog():
    time, death, x = _simulated(400, seed=1)
    risk = 1 - np.exp(-0.6 * np.exp(x))
    frame = pd.DataFrame({"cll": complementary_log_log(risk), "t": time, "d": death})
    ref = CoxPHFitter().fit(frame, "t", "d")
    slope, lo, hi = calibration_slope(time, death, risk)
    # lifelines stops at a looser tolerance (our log-likelihood is higher by ~1e-8)
    assert slope == pytest.approx(ref.params_["cll"], abs=1e-4)
    assert lo == pytest.approx(ref.confidence_intervals_.iloc[0, 0], abs=1e-4)
    assert hi == pytest.approx(ref.confidence_intervals_.iloc[0, 1], abs=1e-4)


def test_a_calibration_model_that_cannot_be_fitted_is_a_clear_error():
    time = np.arange(1.0, 51.0)
    death = np.ones(50, dtype=bool)
    # risk falls exactly as follow-up grows: the slope diverges (separation)
    with pytest.raises(ModelError, match="calibration model cannot be fitted"):
        calibration_slope(time, death, np.linspace(0.9, 0.1, 50))


def test_equal_predictions_have_no_slope_but_keep_the_observed_to_expected_ratio():
    """One prediction for everyone: the slope is undefined (a clear error, not a singular
    fit); calibration keeps observed risk (1 - Kaplan-Meier, here lifelines'), O/E and
    calibration-in-the-large, and says why the rest is missing."""
    from lifelines import KaplanMeierFitter

    time, death, _ = _simulated(300, seed=12)
    same = np.full(300, 0.3)
    with pytest.raises(ModelError, match="needs predictions that differ; all 300 "
                                         "predicted risks are 0.3"):
        calibration_slope(time, death, same)
    cal = calibration_at(time, death, same + 1e-9 * (np.arange(300) % 2), 60)
    observed = 1 - KaplanMeierFitter().fit(time, death).predict(60.0)
    assert cal.observed_risk == pytest.approx(observed, abs=1e-12)
    assert cal.oe_ratio == pytest.approx(observed / 0.3, rel=1e-6)
    assert cal.calibration_in_the_large == pytest.approx(observed - 0.3, abs=1e-8)
    assert np.isnan(cal.slope) and np.isnan(cal.ici) and cal.curve == []
    assert [g["n"] for g in cal.groups] == [300]
    assert "all 300 predictions are equal" in cal.note
    beyond = calibration_at(time, death, same, 10_000)  # O/E not computable there
    assert np.isnan(beyond.oe_ratio) and "follow-up ends before" in beyond.note


def test_smoothed_observed_risk_equals_lifelines_spline_cox():
    time, death, x = _simulated(400, seed=2)
    risk = 1 - np.exp(-0.6 * np.exp(x))
    cal = calibration_at(time, death, risk, 60, curve_points=5)
    cll = complementary_log_log(risk)
    knots = np.quantile(cll, [0.1, 0.5, 0.9])
    basis = pd.DataFrame(restricted_cubic_spline(cll, knots), columns=["s1", "s2"])
    ref = CoxPHFitter().fit(basis.assign(t=time, d=death), "t", "d")
    # Breslow's baseline is a step function (as in R); lifelines' predict_* interpolates
    # it linearly between deaths, so read its baseline table at 60 months directly
    base = ref.baseline_cumulative_hazard_.iloc[:, 0]
    h0 = base[base.index <= 60].iloc[-1]
    observed = 1 - np.exp(-h0 * ref.predict_partial_hazard(basis).to_numpy())
    assert cal.ici == pytest.approx(np.mean(np.abs(risk - observed)), abs=1e-4)
    assert cal.e50 == pytest.approx(np.median(np.abs(risk - observed)), abs=1e-4)


def test_model_evaluated_on_its_own_truth_is_calibrated():
    time, death, x = _simulated(3000, seed=3)
    true_risk = 1 - np.exp(-0.01 * 60 * np.exp(x))
    cal = calibration_at(time, death, true_risk, 60)
    assert cal.slope == pytest.approx(1.0, abs=0.1)
    assert cal.slope_lower < 1.0 < cal.slope_upper
    assert abs(cal.calibration_in_the_large) < 0.03
    assert cal.ici < 0.03
    # grouped: each decile's observed risk within its 95% interval of the truth, mostly
    inside = [g["observed_risk_lower"] <= g["mean_predicted_risk"] <= g["observed_risk_upper"]
              for g in cal.groups]
    assert len(cal.groups) == 10 and sum(inside) >= 8


def test_overfit_model_has_slope_below_one_and_underfit_above():
    time, death, x = _simulated(3000, seed=4)
    too_extreme = 1 - np.exp(-0.6 * np.exp(2 * x))
    too_flat = 1 - np.exp(-0.6 * np.exp(0.5 * x))
    over = calibration_at(time, death, too_extreme, 60)
    under = calibration_at(time, death, too_flat, 60)
    assert over.slope == pytest.approx(0.5, abs=0.07) and over.slope_upper < 1
    assert under.slope == pytest.approx(2.0, abs=0.25) and under.slope_lower > 1
    assert over.ici > 0.05


def test_calibration_in_the_large_sees_a_shifted_model():
    time, death, x = _simulated(2000, seed=5)
    true_risk = 1 - np.exp(-0.6 * np.exp(x))
    shifted = 1 - np.exp(-0.6 * np.exp(x - 0.7))  # predicts half the hazard
    honest = calibration_at(time, death, true_risk, 60)
    low = calibration_at(time, death, shifted, 60)
    assert low.calibration_in_the_large > honest.calibration_in_the_large + 0.08
    assert low.oe_ratio > 1.2


def test_risk_groups_are_equal_size_and_ordered():
    risk = np.random.default_rng(6).uniform(size=103)
    groups = calibration_groups(risk, 10)
    counts = np.bincount(groups)
    assert counts.max() - counts.min() <= 1
    assert all(risk[groups == g].max() <= risk[groups == g + 1].min() for g in range(9))


def test_few_distinct_predictions_fall_back_to_a_linear_smoother():
    time, death, x = _simulated(300, seed=7)
    risk = np.where(x > 0, 0.6, 0.3)
    cal = calibration_at(time, death, risk, 60, n_groups=2)
    assert "linear" in cal.note and np.isfinite(cal.ici)
