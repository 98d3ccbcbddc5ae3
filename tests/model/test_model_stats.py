"""Statistical properties: the interval formula, recovery of a known model, interval
coverage over repeated simulations, and the cross-validated choices."""

import numpy as np
import pytest
from model_sim import (
    TRUE_LOG_HR,
    reference_like_patient,
    simulate_cohort,
    true_log_hazard,
    true_survival,
)
from scipy import stats

from risk.model import BiopsyRiskModel, CoxModel, compare_terms, tuning
from risk.model.bands import Z_95, BandCalculator
from risk.model.fit import MIN_PENALIZER, fit_design


def _breslow_cumhaz(beta, X, means, t, e, grid):
    """From scratch: Breslow H0 on all distinct times, then onto the grid like lifelines."""
    w = np.exp((X - means) @ beta)
    times = np.unique(t)
    at_risk = t[None, :] >= times[:, None]  # (times, n)
    deaths = (t[None, :] == times[:, None]) @ e
    h0 = np.cumsum(deaths / (at_risk @ w))
    term = np.cumsum(deaths / (at_risk @ w) ** 2)
    knots = np.concatenate(([0.0], times))
    return (np.interp(grid, knots, np.concatenate(([0.0], h0))),
            np.interp(grid, knots, np.concatenate(([0.0], term))))


def test_cumulative_hazard_variance_is_the_delta_method_plus_baseline_noise():
    """var H(t|x) = (dH/dbeta)' V (dH/dbeta) + exp(2 lp) sum d/S0^2, the derivative taken
    numerically on a from-scratch Breslow estimator (independent of the stored A(t))."""
    rng = np.random.default_rng(4)
    n = 150
    X = np.column_stack([rng.normal(size=n), rng.random(n) < 0.4, rng.uniform(40, 80, n)])
    lp_true = 0.5 * X[:, 0] + 0.7 * X[:, 1] + 0.02 * (X[:, 2] - 60)
    t = rng.exponential(20 * np.exp(-lp_true))
    c = rng.uniform(5, 60, n)
    e = (t <= c).astype(float)
    t = np.round(np.minimum(t, c), 3) + 0.001
    grid = np.array([0.0, 2.0, 5.0, 10.0, 20.0, 30.0])
    fit = fit_design(X, t, e, 0.0, grid=grid)
    x_new = np.array([[1.0, 1.0, 70.0], [-0.5, 0.0, 50.0]])
    z = x_new - fit.means
    lp = z @ fit.coef
    se = BandCalculator(fit.baseline, fit.covariance).cumulative_hazard_se(lp, z)

    for i in range(len(x_new)):
        def hazard(beta, i=i):
            return np.exp(z[i] @ beta) * _breslow_cumhaz(beta, X, fit.means, t, e, grid)[0]

        step = 1e-6
        grad = np.column_stack([(hazard(fit.coef + step * np.eye(3)[j]) -
                                 hazard(fit.coef - step * np.eye(3)[j])) / (2 * step)
                                for j in range(3)])
        term = _breslow_cumhaz(fit.coef, X, fit.means, t, e, grid)[1]
        expected = np.einsum("tp,pq,tq->t", grad, fit.covariance, grad) + \
            np.exp(2 * lp[i]) * term
        np.testing.assert_allclose(se[i] ** 2, expected, rtol=1e-5, atol=1e-12)
        np.testing.assert_allclose(fit.baseline.cumulative_hazard,
                                   _breslow_cumhaz(fit.coef, X, fit.means, t, e, grid)[0],
                                   rtol=1e-12)


def test_bands_are_log_minus_log_intervals():
    frame = simulate_cohort(400, seed=21)
    frame = frame[frame["met_grade"].notna()]
    model = CoxModel("biopsy", penalizer=0.0, extra_terms=()).fit(frame)
    X = model.design(frame.iloc[:20])
    curves, lower, upper, lp = model.bands_from_design(X)
    se_h = model._bands.cumulative_hazard_se(lp, X - model._mean)
    hazard = -np.log(curves[:, 1:])
    se_loglog = se_h[:, 1:] / hazard
    np.testing.assert_allclose(lower[:, 1:], np.exp(-hazard * np.exp(Z_95 * se_loglog)))
    np.testing.assert_allclose(upper[:, 1:], np.exp(-hazard * np.exp(-Z_95 * se_loglog)))


def _true_coefficients(names):
    truth = {"age_per_10y": TRUE_LOG_HR["age_per_10y"], "ecog[1]": 0.30, "ecog[2+]": 0.80}
    for name in ("sex", "primary_site", "primary_grade", "met_grade", "met_timing",
                 "liver_burden", "sstr_status"):
        for level, value in TRUE_LOG_HR[name].items():
            truth[f"{name}[{level}]"] = value
    for name in ("extrahepatic_mets", "primary_resected", "functional_syndrome"):
        truth[name] = TRUE_LOG_HR[name]
    return np.array([truth.get(n, 0.0) for n in names])


def test_recovers_a_known_model():
    """At n = 5,000 the coefficients agree with the truth: a joint Wald test does not
    reject, and no more coefficients than chance allows fall outside their 95% CI
    (23 coefficients: P(more than 4 outside) = 0.006)."""
    frame = simulate_cohort(5000, seed=2024)
    frame = frame[frame["met_grade"].notna()]
    model = CoxModel("biopsy", penalizer=0.0, extra_terms=()).fit(frame)
    names = list(model.coef_.index)
    assert len(names) == 23 and model.dropped_columns_ == []
    truth = _true_coefficients(names)
    assert "age_per_10y" in names and truth[names.index("met_grade[G3]")] == 1.20
    diff = model.coef_.to_numpy() - truth
    cov = model.covariance_.to_numpy()
    wald = diff @ np.linalg.solve(cov, diff)
    assert stats.chi2.sf(wald, df=len(names)) > 0.001
    outside = np.abs(diff) > Z_95 * np.sqrt(np.diag(cov))
    assert outside.sum() <= 4, dict(zip(np.array(names)[outside], diff[outside], strict=True))


@pytest.mark.slow
def test_five_year_interval_covers_the_truth_about_95_percent():
    """200 cohorts of 300 from the known truth; the biopsy model's 95% interval for one
    fixed patient's 5-year survival should cover the true value about 95% of the time
    (accepted 90-98%: 200 draws give a binomial SE of 1.5 points)."""
    patient = reference_like_patient()
    truth = true_survival(true_log_hazard(patient), [60.0])[0, 0]
    covered, widths = [], []
    for rep in range(200):
        frame = simulate_cohort(300, seed=10_000 + rep)
        frame = frame[frame["met_grade"].notna()]
        model = CoxModel("biopsy", penalizer=0.0, extra_terms=()).fit(frame)
        X = model.design(patient)
        _, lower, upper, _ = model.bands_from_design(X)
        covered.append(lower[0, 60] <= truth <= upper[0, 60])
        widths.append(upper[0, 60] - lower[0, 60])
    coverage = np.mean(covered)
    assert 0.90 <= coverage <= 0.98, coverage
    assert 0.05 < np.median(widths) < 0.5


def test_auto_penalizer_is_maximum_likelihood_and_deterministic():
    """penalizer="auto" serves the unpenalised fit (its covariance is the one the 95%
    intervals need); the card records the rule."""
    frame = simulate_cohort(500, seed=31)
    a = BiopsyRiskModel(extra_terms=()).fit(frame)
    b = BiopsyRiskModel(extra_terms=()).fit(frame)
    plain = BiopsyRiskModel(penalizer=0.0, extra_terms=()).fit(frame)
    for name in ("biopsy", "primary_only"):
        assert a.models_[name].penalizer_ == 0.0
        np.testing.assert_array_equal(a.models_[name].coef_, b.models_[name].coef_)
        np.testing.assert_array_equal(a.models_[name].coef_, plain.models_[name].coef_)
        assert "maximum partial likelihood" in a.models_[name].selection_["penalizer"]["rule"]
        assert plain.models_[name].selection_["penalizer"]["rule"] == "set by the user"


def test_monotone_likelihood_gets_a_stabilising_penalty():
    """A level whose patients all die before any other death has no finite MLE
    (Heinze & Schemper 2001), though it has deaths and survivors are elsewhere: the fit is
    stabilised with the smallest penalty and says so, with finite, wide intervals."""
    rng = np.random.default_rng(4)
    n = 200
    x = np.zeros(n)
    x[:8] = 1.0
    t = np.where(x == 1, rng.uniform(0.1, 1.0, n), rng.uniform(2.0, 60.0, n))
    e = (rng.random(n) < 0.6).astype(float)
    e[:8] = 1.0
    age = rng.normal(size=n)
    fit = fit_design(np.column_stack([age, x]), t, e, penalizer=0.0, columns=["age", "x"])
    assert fit.penalizer == MIN_PENALIZER
    assert any("no finite maximum" in str(note) for note in fit.notes)
    assert np.all(np.isfinite(fit.coef)) and fit.coef[1] > 2
    assert np.all(np.isfinite(fit.standard_errors))


def test_grade_change_term_added_only_when_it_helps():
    with_effect = simulate_cohort(2000, seed=41, upgrade_log_hr=0.9)
    without = simulate_cohort(2000, seed=41)
    scores = compare_terms(with_effect[with_effect["met_grade"].notna()], "biopsy")
    assert set(scores) == {"base", "grade_change", "ki67"}
    assert scores["grade_change"] > scores["base"] + tuning.MIN_C_GAIN
    chosen = CoxModel("biopsy", penalizer=0.0).fit(with_effect[with_effect["met_grade"].notna()])
    assert "grade_change" in chosen.terms_
    assert chosen.coef_["grade_change[upgraded]"] > 0.4
    assert chosen.selection_["extra_terms"][0]["cv_c_index"]["grade_change"] == \
        pytest.approx(scores["grade_change"])
    plain = CoxModel("biopsy", penalizer=0.0).fit(without[without["met_grade"].notna()])
    assert plain.terms_ == ()


def test_ki67_term_added_when_ki67_carries_risk_within_grade():
    frame = simulate_cohort(2000, seed=43, ki67_log_hr=1.0)
    frame = frame[frame["met_grade"].notna()]
    model = CoxModel("biopsy", penalizer=0.0).fit(frame)
    assert "ki67" in model.terms_
    assert model.coef_["ki67_log"] > 0.5
    assert "met_ki67" in model.contributions(frame.iloc[:3]).columns


def test_bands_inflate_the_coefficient_covariance_by_deaths_over_deaths_minus_p():
    """The small-sample correction of the 95% bands: covariance x d/(d - p), nothing
    else (the same bands as a calculator given the inflated covariance)."""
    frame = simulate_cohort(300, seed=12)
    frame = frame[frame["met_grade"].notna()]
    model = CoxModel("biopsy", penalizer=0.0, extra_terms=()).fit(frame)
    d, p = int(frame["death"].sum()), len(model.coef_)
    assert model.small_sample_factor == pytest.approx(d / (d - p))
    assert 1.0 < model.small_sample_factor < 1.5
    X = model.design(frame.iloc[:30])
    z = X - model.means_.to_numpy()
    lp = z @ model.coef_.to_numpy()
    inflated = BandCalculator(model.baseline_, model.covariance_.to_numpy() * d / (d - p))
    plain = BandCalculator(model.baseline_, model.covariance_.to_numpy())
    _, lower, upper, _ = model.bands_from_design(X)
    expected = inflated.bands(lp, z)
    np.testing.assert_allclose(lower, expected[1], atol=1e-12)
    np.testing.assert_allclose(upper, expected[2], atol=1e-12)
    assert np.all(upper[:, 60] - lower[:, 60] > plain.bands(lp, z)[2][:, 60]
                  - plain.bands(lp, z)[1][:, 60])
