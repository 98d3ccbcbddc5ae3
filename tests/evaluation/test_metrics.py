"""Discrimination, accuracy and bootstrap concordance against hand-checked answers,
lifelines and scikit-survival."""

import numpy as np
import pytest
from lifelines.utils import concordance_index
from sksurv.metrics import (
    brier_score,
    concordance_index_censored,
    concordance_index_ipcw,
    cumulative_dynamic_auc,
)
from sksurv.metrics import integrated_brier_score as sksurv_ibs
from sksurv.util import Surv

from risk.errors import ModelError
from risk.evaluation.metrics import (
    bootstrap_concordance,
    brier_scores,
    harrell_c,
    integrated_brier_score,
    percentile_interval,
    time_dependent_auc,
    uno_c,
    usable_horizons,
)


def _cohort(n=300, seed=0, rounding=0):
    """Exponential survival with one risk factor, uniform censoring, optional ties."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    death = rng.exponential(40 * np.exp(-x))
    censor = rng.uniform(0, 150, n)
    time = np.minimum(death, censor)
    if rounding is not None:
        time = np.round(time, rounding) + 1.0
    return time, death <= censor, x


# --- Harrell's C ---------------------------------------------------------------------

def test_harrell_c_four_patients_by_hand():
    # usable pairs (earlier death first): (1,2) (1,3) (1,4) (2,3) (2,4); patient 3 is
    # censored and patient 4 has nobody after them.
    time = [1, 2, 3, 4]
    death = [1, 1, 0, 1]
    assert harrell_c(time, death, [4, 3, 1, 2]) == pytest.approx(5 / 5)
    assert harrell_c(time, death, [3, 4, 1, 2]) == pytest.approx(4 / 5)  # (1,2) discordant
    assert harrell_c(time, death, [3, 3, 1, 2]) == pytest.approx(4.5 / 5)  # a tie: one half
    assert harrell_c(time, death, [1, 2, 3, 4]) == pytest.approx(0 / 5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_harrell_c_equals_scikit_survival_and_lifelines_with_ties(seed):
    time, death, x = _cohort(seed=seed, rounding=0)
    risk = np.round(x, 1)  # tied scores as well as tied times
    expected = concordance_index_censored(death, time, risk)[0]
    assert harrell_c(time, death, risk) == pytest.approx(expected, abs=1e-12)
    assert harrell_c(time, death, risk) == pytest.approx(
        concordance_index(time, -risk, death), abs=1e-12)


def test_all_censored_is_a_clear_error():
    with pytest.raises(ModelError, match="all patients are censored"):
        harrell_c([1, 2, 3], [0, 0, 0], [1, 2, 3])


# --- Uno's C ---------------------------------------------------------------------------

@pytest.mark.parametrize("tau", [None, 60.0])
def test_uno_c_equals_scikit_survival(tau):
    time, death, x = _cohort(seed=3)
    y = Surv.from_arrays(death, time)
    expected = concordance_index_ipcw(y, y, x, tau=tau)[0]
    assert uno_c(time, death, x, tau=tau) == pytest.approx(expected, abs=1e-12)


def test_uno_c_without_censoring_equals_harrell_c():
    # no censoring: every inverse censoring weight is 1
    rng = np.random.default_rng(4)
    time = rng.exponential(10, 50)
    risk = -time + rng.normal(0, 5, 50)
    assert uno_c(time, np.ones(50), risk) == pytest.approx(harrell_c(time, np.ones(50), risk))


def test_uno_c_tau_beyond_follow_up_means_no_truncation():
    time, death, x = _cohort(seed=5)
    assert uno_c(time, death, x, tau=10_000) == pytest.approx(uno_c(time, death, x))


# --- time-dependent AUC ----------------------------------------------------------------

def test_auc_without_censoring_by_hand():
    # at t = 2.5: cases died by then (risk 0.9, 0.4), controls alive after (0.5, 0.1, 0.3)
    time = [1, 2, 3, 4, 5]
    death = [1, 1, 1, 1, 1]
    risk = [0.9, 0.4, 0.5, 0.1, 0.3]
    # pairs case > control: 0.9 beats 3, 0.4 beats 0.1 and 0.3 -> 5 of 6
    assert time_dependent_auc(time, death, risk, [2.5])[2.5] == pytest.approx(5 / 6)


def test_auc_equals_scikit_survival_and_skips_outside_follow_up():
    time, death, x = _cohort(seed=6)
    months = [12, 36, 60, 10_000]
    got = time_dependent_auc(time, death, x, months)
    y = Surv.from_arrays(death, time)
    expected = cumulative_dynamic_auc(y, y, x, [12, 36, 60])[0]
    np.testing.assert_allclose([got[12], got[36], got[60]], expected, atol=1e-12)
    assert np.isnan(got[10_000])


def test_auc_with_one_column_per_horizon():
    time, death, x = _cohort(seed=7)
    scores = np.column_stack([x, -x])
    got = time_dependent_auc(time, death, scores, [12, 36])
    assert got[12] > 0.6 and got[36] < 0.4


# --- Brier -----------------------------------------------------------------------------

def test_brier_without_censoring_is_mean_squared_error():
    rng = np.random.default_rng(8)
    time = rng.exponential(30, 200) + 0.5
    surv = rng.uniform(0, 1, (200, 2))
    got = brier_scores(time, np.ones(200), surv, [12, 36])
    for j, m in enumerate([12, 36]):
        alive = (time > m).astype(float)
        assert got[m] == pytest.approx(np.mean((alive - surv[:, j]) ** 2))


def test_brier_equals_scikit_survival_and_skips_horizons_outside():
    time, death, x = _cohort(seed=9)
    months = [12, 36, 60]
    surv = np.exp(-np.outer(np.exp(x), months) / 40)
    y = Surv.from_arrays(death, time)
    expected = brier_score(y, y, surv, months)[1]
    got = brier_scores(time, death, surv, months)
    np.testing.assert_allclose([got[m] for m in months], expected, atol=1e-12)
    short = np.minimum(time, 50.0)
    assert np.isnan(brier_scores(short, death, surv, months)[60])
    assert usable_horizons(short, months) == ([12.0, 36.0], [60.0])


def test_brier_equals_scikit_survival_with_deaths_and_censorings_tied_at_horizons():
    """Whole months: deaths, censorings and horizons fall on the same times, where the
    censoring weights' convention shows."""
    rng = np.random.default_rng(2)
    for n in (400, 30):
        time = np.round(rng.exponential(30, n)) + 1
        death = rng.random(n) < 0.6
        death[0] = True
        months = sorted({float(time[1]), 12.0, 36.0} & set(np.unique(time[time < time.max()])))
        assert months
        surv = rng.uniform(0, 1, (n, len(months)))
        y = Surv.from_arrays(death, time)
        got = brier_scores(time, death, surv, months)
        assert [got[m] for m in months] == brier_score(y, y, surv, months)[1].tolist()


def test_integrated_brier_equals_scikit_survival_on_usable_grid():
    time, death, x = _cohort(seed=10)
    grid = np.arange(0, 121)
    curves = np.exp(-np.outer(np.exp(x), grid) / 40)
    ibs, start, end = integrated_brier_score(time, death, curves, grid)
    keep = (grid >= max(1, time.min())) & (grid < time.max())
    y = Surv.from_arrays(death, time)
    assert ibs == pytest.approx(sksurv_ibs(y, y, curves[:, keep], grid[keep]), abs=1e-12)
    assert (start, end) == (grid[keep][0], grid[keep][-1])


# --- bootstrap concordance -------------------------------------------------------------

def test_bootstrap_concordance_equals_materialised_resamples():
    time, death, x = _cohort(n=250, seed=11, rounding=0)
    risks = np.column_stack([np.round(x, 1), x + np.random.default_rng(0).normal(size=250)])
    indices = np.stack([np.random.default_rng(s).integers(0, 250, 250) for s in range(4)])
    out = bootstrap_concordance(time, death, risks, indices, tau=60)
    for b, idx in enumerate(indices):
        for j in range(2):
            assert out["harrell"][b, j] == pytest.approx(
                harrell_c(time[idx], death[idx], risks[idx, j]), abs=1e-12)
            assert out["uno"][b, j] == pytest.approx(
                uno_c(time[idx], death[idx], risks[idx, j], tau=60), abs=1e-12)


def test_percentile_interval():
    lo, hi = percentile_interval(np.r_[np.arange(1, 101), np.nan])
    assert lo == pytest.approx(np.percentile(np.arange(1, 101), 2.5))
    assert hi == pytest.approx(np.percentile(np.arange(1, 101), 97.5))
    assert np.isnan(percentile_interval([np.nan])[0])


def test_bootstrap_concordance_when_a_resample_misses_the_longest_follow_up():
    """Regression: the censoring KM of a resample is undefined past its own follow-up."""
    from risk.evaluation.bootstrap import resample_indices
    from risk.evaluation.metrics import bootstrap_concordance

    rng = np.random.default_rng(0)
    n = 60
    t = rng.exponential(30, n)
    e = np.ones(n, bool)
    risks = rng.random((n, 2))
    indices = resample_indices(n, 20, 0)
    out = bootstrap_concordance(t, e, risks, indices, tau=60.0)
    assert out["uno"].shape == (20, 2) and np.isfinite(out["uno"]).all()
    for b in range(3):  # each resample's Uno C equals scikit-survival on the drawn rows
        idx = np.asarray(indices[b])
        y = Surv.from_arrays(e[idx], t[idx])
        ref = concordance_index_ipcw(y, y, risks[idx, 0], tau=min(60.0, t[idx].max() - 1e-9))[0]
        assert out["uno"][b, 0] == pytest.approx(ref, abs=1e-9)
