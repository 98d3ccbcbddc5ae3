"""The one Kaplan-Meier estimator (risk.stats.kaplan_meier): the observed survival at a horizon
that the evaluation metrics read, and bands at any level, against lifelines.

The curves themselves (survival, band, numbers at risk, medians on tied, censored and
fully dying samples, R's lung medians) are checked in tests/cohort/test_cohort_survival.py.
"""

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from risk.stats.kaplan_meier import (
    censoring_survival,
    kaplan_meier,
    survival_at,
    survival_with_interval,
)


def _tied_sample(seed=0, n=200):
    rng = np.random.default_rng(seed)
    return rng.integers(1, 50, n).astype(float), rng.random(n) < 0.5


@pytest.mark.parametrize("level", [0.95, 0.9])
def test_survival_with_interval_equals_lifelines(level):
    time, death = _tied_sample()
    months = [0.5, 10, 20, 33.3, 48.9]
    km = KaplanMeierFitter(alpha=1 - level).fit(time, death)
    est, lo, hi = survival_with_interval(time, death, months, level=level)
    np.testing.assert_allclose(est, km.survival_function_at_times(months).values)
    ci = km.confidence_interval_survival_function_
    rows = [ci.index[ci.index <= m].max() for m in months]
    np.testing.assert_allclose(lo, ci.loc[rows].values[:, 0], atol=1e-10)
    np.testing.assert_allclose(hi, ci.loc[rows].values[:, 1], atol=1e-10)


def test_a_curve_at_another_level_equals_lifelines():
    time, death = _tied_sample(seed=4, n=80)
    curve = kaplan_meier(time, death, alpha=0.2)
    band = KaplanMeierFitter(alpha=0.2).fit(time, death).confidence_interval_.to_numpy()
    np.testing.assert_allclose(curve.lower, band[:, 0], atol=1e-12)
    np.testing.assert_allclose(curve.upper, band[:, 1], atol=1e-12)
    lower, upper = curve.band_at([0.0, 7.5, 100.0])
    assert lower[0] == upper[0] == 1.0  # nobody has died at time 0
    assert lower[2] == curve.lower[-1] and upper[2] == curve.upper[-1]


def test_survival_is_unknown_after_the_last_follow_up_unless_everyone_died():
    assert np.isnan(survival_at([1, 2, 3], [1, 0, 0], [5])[0])
    assert survival_at([1, 2, 3], [1, 0, 0], [3])[0] == pytest.approx(2 / 3)
    assert survival_at([1, 2, 3], [1, 1, 1], [5])[0] == 0.0
    est, lo, hi = survival_with_interval([1, 2, 3], [1, 1, 1], [5])
    assert est[0] == lo[0] == hi[0] == 0.0  # all died: the interval is the point
    est, lo, hi = survival_with_interval([4, 6], [0, 0], [1, 9])
    assert (est[0], lo[0], hi[0]) == (1.0, 1.0, 1.0)  # no death yet: the point
    assert np.isnan([est[1], lo[1], hi[1]]).all()


def test_no_patients_gives_unknown_not_an_error():
    est, lo, hi = survival_with_interval([], [], [12, 60])
    assert np.isnan(np.concatenate([est, lo, hi])).all()
    with pytest.raises(ValueError, match="no patients"):
        kaplan_meier([], [])


def test_censoring_distribution_equals_scikit_survival():
    """Deaths and censorings tied at the same times: deaths leave the risk set first."""
    from sksurv.nonparametric import CensoringDistributionEstimator
    from sksurv.util import Surv

    rng = np.random.default_rng(5)
    for n, decimals in ((300, 0), (40, 1), (5, 0)):
        time = np.round(rng.exponential(30, n), decimals) + 1
        death = rng.random(n) < 0.6
        death[0] = True
        at = np.concatenate([[0.5], time, [time.max()]])
        ref = CensoringDistributionEstimator().fit(Surv.from_arrays(death, time))
        np.testing.assert_array_equal(censoring_survival(time, death, at),
                                      ref.predict_proba(at))
    # nobody censored: G stays 1; by hand, 3 followed at t=2 with one death first
    assert (censoring_survival([1, 2, 3], [1, 1, 1], [0, 2, 3]) == 1.0).all()
    assert censoring_survival([1, 2, 2, 3], [1, 1, 0, 0], [2])[0] == pytest.approx(1 - 1 / 2)
