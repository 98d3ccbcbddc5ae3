"""The baseline hazard after an Efron fit: R's ``survfit.coxph`` on tied data, an
independent loop, and Breslow's exactly where nothing is tied.

R (survival 3.5-3):

    d <- data.frame(time = c(1,1,1,2,2,3,3,3,3,4,5,5,6,7,7),
                    status = c(1,1,0,1,1,1,1,0,1,1,0,1,1,1,0),
                    x1 = c(0.5,-1.2,0.3,1.1,0,-0.4,0.8,2.0,-1.5,0.2,0.9,-0.7,1.4,-0.1,0.6),
                    x2 = c(1,0,0,1,1,0,1,0,0,1,0,1,1,0,0))
    fit <- coxph(Surv(time, status) ~ x1 + x2, d)        # ties = "efron", R's default
    coef(fit)   # x1 -0.671572951714, x2 1.329873686186
    fit$means   # x1 0.26, x2 0.00 (R centres 0/1 columns at 0)
    fit$var     # 0.1582597766578 -0.0665139486082 / -0.0665139486082 0.5238676177896
    basehaz(fit, centered = TRUE)$hazard                  # times 1..7
    # 0.056568588721 0.127315940287 0.272263889134 0.336293377909
    # 0.421896684301 0.683161331225 1.166403868513
    sf <- survfit(fit, newdata = data.frame(x1 = c(0, 1.5), x2 = c(0, 1)))
    sf$std.err  # standard error of the cumulative hazard, patient 1 then patient 2:
    # 0.0587265762728 0.1097914506495 0.2110809375749 0.2608753558360
    # 0.3269245721689 0.5098902636117 0.7691041209828
    # 0.0868343262469 0.1655080271600 0.3271744288274 0.3961864442756
    # 0.4954767846745 0.7631354537686 1.4913554010760

The coefficients, means and covariance are R's, passed in, so the baseline is tested
apart from the fit.
"""

import numpy as np
import pytest
from efron_by_hand import efron_baseline
from lifelines import CoxPHFitter

from risk.model.bands import BandCalculator
from risk.stats.baseline import baseline_aggregates

TIME = np.array([1, 1, 1, 2, 2, 3, 3, 3, 3, 4, 5, 5, 6, 7, 7], dtype=float)
DEATH = np.array([1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0], dtype=float)
X = np.column_stack([[0.5, -1.2, 0.3, 1.1, 0, -0.4, 0.8, 2.0, -1.5, 0.2, 0.9, -0.7, 1.4,
                      -0.1, 0.6], [1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0]])
R_COEF = np.array([-0.671572951714, 1.329873686186])
R_MEANS = np.array([0.26, 0.0])
R_VAR = np.array([[0.1582597766578, -0.0665139486082], [-0.0665139486082, 0.5238676177896]])
R_BASEHAZ = [0.056568588721, 0.127315940287, 0.272263889134, 0.336293377909,
             0.421896684301, 0.683161331225, 1.166403868513]
R_STD_ERR = [[0.0587265762728, 0.1097914506495, 0.2110809375749, 0.2608753558360,
              0.3269245721689, 0.5098902636117, 0.7691041209828],
             [0.0868343262469, 0.1655080271600, 0.3271744288274, 0.3961864442756,
              0.4954767846745, 0.7631354537686, 1.4913554010760]]
GRID = np.arange(1.0, 8.0)  # the event times: no interpolation


def _baseline(**kwargs):
    return baseline_aggregates(X, TIME, DEATH, R_COEF, R_MEANS, GRID, **kwargs)


def test_cumulative_hazard_equals_r_survfit_coxph():
    np.testing.assert_allclose(_baseline().cumulative_hazard, R_BASEHAZ, rtol=1e-10)


def test_standard_error_equals_r_survfit_coxph():
    """var H(t|x) uses all three Efron sums (H0, V0 and A)."""
    z = np.array([[0.0, 0.0], [1.5, 1.0]]) - R_MEANS
    se = BandCalculator(_baseline(), R_VAR).cumulative_hazard_se(z @ R_COEF, z)
    np.testing.assert_allclose(se, R_STD_ERR, rtol=1e-10)


def test_a_linear_predictor_held_fixed_equals_r_with_an_offset():
    """Recalibration's case: the linear predictor is given, not fitted.
    R: lp <- c(0.5,-1.2,0.3,1.1,0,-0.4,0.8,2.0,-1.5,0.2,0.9,-0.7,1.4,-0.1,0.6)
    fit <- coxph(Surv(time, status) ~ offset(lp), d)
    survfit(fit, newdata = data.frame(lp = 0))$cumhaz
    # 0.070731726646 0.152598387666 0.299708948748 0.390951927925 0.493638784988
    # 0.641084519454 1.007793743916
    (``basehaz(fit, centered = FALSE)`` would give these times exp(mean(lp)).)"""
    lp = X[:, :1]
    base = baseline_aggregates(lp, TIME, DEATH, np.array([1.0]), np.zeros(1), GRID)
    np.testing.assert_allclose(base.cumulative_hazard,
                               [0.070731726646, 0.152598387666, 0.299708948748,
                                0.390951927925, 0.493638784988, 0.641084519454,
                                1.007793743916], rtol=1e-11)


def test_every_aggregate_equals_the_loop_written_out():
    base = _baseline()
    for i, month in enumerate(GRID):
        h0, v0, a = efron_baseline(X - R_MEANS, TIME, DEATH, R_COEF, month)
        assert base.cumulative_hazard[i] == pytest.approx(h0, rel=1e-13)
        assert base.variance_term[i] == pytest.approx(v0, rel=1e-13)
        np.testing.assert_allclose(base.a[i], a, rtol=1e-13)


def test_breslow_ties_equal_lifelines_baseline():
    """lifelines' baseline is Breslow's, even after its Efron fit: ``ties="breslow"``
    gives it, and it differs from Efron's on these tied data."""
    import pandas as pd

    df = pd.DataFrame(X, columns=["x1", "x2"]).assign(time=TIME, death=DEATH)
    fitter = CoxPHFitter().fit(df, "time", "death")
    coef = fitter.params_.to_numpy()
    means = fitter._norm_mean.to_numpy()
    breslow = baseline_aggregates(X, TIME, DEATH, coef, means, GRID, ties="breslow")
    expected = fitter.baseline_cumulative_hazard_.iloc[:, 0].reindex(GRID).to_numpy()
    np.testing.assert_allclose(breslow.cumulative_hazard, expected, rtol=1e-10)
    efron = baseline_aggregates(X, TIME, DEATH, coef, means, GRID)
    assert (efron.cumulative_hazard > breslow.cumulative_hazard + 1e-3).all()


def test_without_ties_efron_is_breslow_to_the_last_bit():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(200, 3))
    time = rng.exponential(20, 200)
    death = (rng.random(200) < 0.7).astype(float)
    coef, means = np.array([0.4, -0.2, 0.1]), x.mean(axis=0)
    grid = np.arange(0.0, 61.0)
    efron = baseline_aggregates(x, time, death, coef, means, grid)
    breslow = baseline_aggregates(x, time, death, coef, means, grid, ties="breslow")
    for name in ("cumulative_hazard", "variance_term", "a"):
        assert np.array_equal(getattr(efron, name), getattr(breslow, name)), name
    # tied censorings (not deaths) change nothing either
    time[:50] = np.round(time[:50])
    death[:50] = 0.0
    assert np.array_equal(baseline_aggregates(x, time, death, coef, means, grid).a,
                          baseline_aggregates(x, time, death, coef, means, grid,
                                              ties="breslow").a)


def test_an_unknown_tie_method_is_refused_by_name():
    with pytest.raises(ValueError, match=r"The 'ties' parameter must be one of \('efron', "
                                         r"'breslow'\); got 'exact'"):
        _baseline(ties="exact")


def test_between_follow_up_times_the_step_or_the_line():
    """``between="step"`` reads R's basehaz as printed (0 before the first death);
    ``"linear"`` joins the same points (the served models' monthly grid)."""
    grid = np.array([0.0, 0.5, 1.0, 1.5, 6.5, 7.0, 9.0])
    step = baseline_aggregates(X, TIME, DEATH, R_COEF, R_MEANS, grid, between="step")
    np.testing.assert_allclose(step.cumulative_hazard,
                               [0.0, 0.0, R_BASEHAZ[0], R_BASEHAZ[0], R_BASEHAZ[5],
                                R_BASEHAZ[6], R_BASEHAZ[6]], rtol=1e-10)
    line = baseline_aggregates(X, TIME, DEATH, R_COEF, R_MEANS, grid)
    np.testing.assert_allclose(line.cumulative_hazard[[1, 3, 4]],
                               [R_BASEHAZ[0] / 2, (R_BASEHAZ[0] + R_BASEHAZ[1]) / 2,
                                (R_BASEHAZ[5] + R_BASEHAZ[6]) / 2], rtol=1e-10)
    with pytest.raises(ValueError, match="'between' parameter must be one of"):
        _baseline(between="spline")
