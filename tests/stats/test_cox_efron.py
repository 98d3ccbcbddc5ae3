"""The project's one numpy Cox solver (risk.stats.cox_solver) against R, lifelines, scikit-survival
and hand-computed likelihoods: Efron and Breslow ties, with and without a penalty."""

import numpy as np
import pytest
from cohort_frames import make_cohort
from lifelines import CoxPHFitter
from lifelines.datasets import load_lung, load_rossi

from risk.cohort.forest import design
from risk.stats.baseline import baseline_aggregates
from risk.stats.cox_solver import (
    CoxConvergenceError,
    TieStructure,
    fit_efron,
    log_partial_likelihood,
)

ROSSI = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
TIGHT = {"precision": 1e-10, "r_precision": 1e-13}


def test_rossi_matches_r_efron():
    """R: coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, rossi)
    (Efron ties): -0.3794222, -0.0574377, 0.3138998, -0.1497957, -0.4337039, -0.0848711,
    0.0914971; se(fin) = 0.1913795."""
    rossi = load_rossi()
    fit = fit_efron(rossi[ROSSI].to_numpy(float), rossi["week"], rossi["arrest"])
    assert np.allclose(fit.coef, [-0.3794222, -0.0574377, 0.3138998, -0.1497957, -0.4337039,
                                  -0.0848711, 0.0914971], atol=5e-7)
    assert np.sqrt(fit.covariance[0, 0]) == pytest.approx(0.1913795, abs=5e-7)


def test_lung_matches_r():
    """R: coxph(Surv(time, status) ~ age + sex, lung): age 0.017045, sex -0.513219;
    likelihood-ratio test 14.12 on 2 df (R survival's saved example output)."""
    lung = load_lung()
    fit = fit_efron(lung[["age", "sex"]].to_numpy(float), lung["time"], lung["status"])
    assert np.allclose(fit.coef, [0.017045, -0.513219], atol=5e-7)
    null = log_partial_likelihood(np.zeros(len(lung)), lung["time"], lung["status"])
    assert 2 * (fit.log_likelihood - null) == pytest.approx(14.12, abs=5e-3)


@pytest.mark.parametrize("penalizer", [0.0, 1e-4, 1e-2])
def test_equals_lifelines_on_heavily_tied_cohort_data(penalizer):
    frame = make_cohort(1500, seed=9)
    frame["os_months"] = np.ceil(frame["os_months"])  # whole months: many ties
    x, _ = design(frame)
    ours = fit_efron(x.to_numpy(float), frame["os_months"], frame["death"], penalizer)
    ref = CoxPHFitter(penalizer=penalizer).fit(
        x.assign(T=frame["os_months"], E=frame["death"]), "T", "E", fit_options=TIGHT)
    assert np.allclose(ours.coef, ref.params_.to_numpy(), atol=1e-6)
    assert np.allclose(np.sqrt(np.diag(ours.covariance)), ref.standard_errors_.to_numpy(),
                       rtol=1e-5)
    if penalizer == 0:
        assert ours.log_likelihood == pytest.approx(ref.log_likelihood_, abs=1e-6)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("penalizer", [0.0, 0.01])
def test_equals_scikit_survival_on_tied_data(ties, penalizer):
    """scikit-survival's ridge is ``sum alpha_j beta_j^2 / 2`` on raw columns; lifelines'
    ``n penalizer / 2 sum (sd_j beta_j)^2`` is that with ``alpha_j = n penalizer sd_j^2``."""
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    rossi = load_rossi()  # weekly times: many ties
    X = rossi[ROSSI].to_numpy(float)
    alpha = len(X) * penalizer * X.var(axis=0, ddof=1)
    ref = CoxPHSurvivalAnalysis(alpha=alpha, ties=ties, tol=1e-12).fit(
        X, Surv.from_arrays(rossi["arrest"].astype(bool), rossi["week"]))
    ours = fit_efron(X, rossi["week"], rossi["arrest"], penalizer, ties=ties)
    assert np.allclose(ours.coef, ref.coef_, atol=1e-7)


def test_calibration_sized_fit_and_breslow_baseline_equal_lifelines():
    """One to three covariates, as the calibration models: coefficients, covariance,
    log-likelihood and predicted survival (Breslow baseline) as lifelines gives them."""
    rossi = load_rossi()
    for cols in (["age"], ["fin", "age", "prio"]):
        ref = CoxPHFitter().fit(rossi[cols + ["week", "arrest"]], "week", "arrest")
        x = rossi[cols].to_numpy(float)
        fit = fit_efron(x, rossi.week, rossi.arrest)
        np.testing.assert_allclose(fit.coef, ref.params_.values, atol=1e-7)
        np.testing.assert_allclose(fit.covariance, ref.variance_matrix_.values, rtol=1e-5)
        assert fit.log_likelihood == pytest.approx(ref.log_likelihood_, abs=1e-8)
        lp = x @ fit.coef
        h0 = _breslow_step(lp, rossi.week.to_numpy(float), rossi.arrest.to_numpy(float), [52.0])
        expected = ref.predict_survival_function(rossi[cols].iloc[:20], times=[52]).values[0]
        np.testing.assert_allclose(np.exp(-h0 * np.exp(lp[:20])), expected, atol=1e-7)


def test_likelihoods_and_baseline_by_hand():
    """Times 1, 1, 2, 3 (deaths, deaths, death, censored), weights exp(lp) = 1, 2, 1, 1.
    At t=1 the risk set sums to 5 and the two tied deaths to 3: Efron's denominators are
    5 and 5 - 3/2, Breslow's 5 and 5; at t=2 the risk set sums to 2."""
    t, e, lp = [1.0, 1.0, 2.0, 3.0], [1, 1, 1, 0], np.log([1.0, 2.0, 1.0, 1.0])
    efron = np.log(2) - np.log(5) - np.log(3.5) - np.log(2)
    breslow = np.log(2) - 2 * np.log(5) - np.log(2)
    assert log_partial_likelihood(lp, t, e) == pytest.approx(efron, abs=1e-14)
    assert log_partial_likelihood(lp, t, e, ties="breslow") == pytest.approx(breslow,
                                                                             abs=1e-14)
    assert log_partial_likelihood(np.zeros(4), t, [0, 0, 0, 0]) == 0.0
    # Breslow H0: 0 before t=1, 2/5 from t=1, 2/5 + 1/2 from t=2 on
    np.testing.assert_allclose(_breslow_step(lp, np.array(t), np.array(e, float),
                                             [0.5, 1.0, 2.5, 9.0]),
                               [0.0, 0.4, 0.9, 0.9], atol=1e-15)


def _breslow_step(lp, durations, events, months):
    """Breslow's H0 for covariates of 0, read as a step function (lifelines' baseline)."""
    return baseline_aggregates(np.asarray(lp, float)[:, None], durations, events, np.ones(1),
                               np.zeros(1), months, ties="breslow",
                               between="step").cumulative_hazard


def test_a_shared_tie_structure_gives_the_same_fits():
    frame = make_cohort(600, seed=2)
    x, _ = design(frame)
    X, t, e = x.to_numpy(float), frame["os_months"], frame["death"]
    for ties in ("efron", "breslow"):
        shared = TieStructure(t, e, ties)
        for penalizer in (0.0, 0.05):
            alone = fit_efron(X, t, e, penalizer, ties=ties)
            reused = fit_efron(X, None, None, penalizer, structure=shared)
            assert np.array_equal(alone.coef, reused.coef)
            assert np.array_equal(alone.covariance, reused.covariance)
        lp = X @ alone.coef
        assert log_partial_likelihood(lp, None, None, structure=shared) == \
            log_partial_likelihood(lp, t, e, ties=ties)
    with pytest.raises(ValueError, match="one duration"):
        fit_efron(X[:10], None, None, structure=shared)
    with pytest.raises(ValueError, match="ties must be"):
        TieStructure(t, e, "exact")


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_failures_are_reported_not_hidden(ties):
    rng = np.random.default_rng(0)
    t = rng.exponential(10, 100)
    with pytest.raises(CoxConvergenceError, match="no deaths"):
        fit_efron(rng.normal(size=(100, 1)), t, np.zeros(100), ties=ties)
    died = (rng.random(100) < 0.5).astype(float)
    separated = died.copy()  # perfectly predicts who dies: the coefficient runs away
    with pytest.raises(CoxConvergenceError, match="diverge"):
        fit_efron(separated[:, None], t, died, ties=ties)
    twins = rng.normal(size=100)
    with pytest.raises(CoxConvergenceError):
        fit_efron(np.column_stack([twins, twins]), t, died, ties=ties)
    ridge = fit_efron(np.column_stack([twins, twins]), t, died, penalizer=1e-3, ties=ties)
    assert np.isclose(ridge.coef[0], ridge.coef[1])
    with pytest.raises(ValueError, match="one duration"):
        fit_efron(np.ones((3, 1)), [1.0, 2.0], [1, 1], ties=ties)
