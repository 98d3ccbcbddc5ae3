"""One rule for Harrell's C (point estimate and bootstrap), and the edge cases of the
concordance and AUC metrics as clear errors.

Published references are scikit-survival's own test cases
(``tests/test_metrics.py`` of sebp/scikit-survival: ``data_with_tied_risk``,
``data_with_almost_tied_risk``, ``data_with_tied_event_and_time``).
"""

import numpy as np
import pytest
from sksurv.exceptions import NoComparablePairException
from sksurv.metrics import (
    concordance_index_censored,
    concordance_index_ipcw,
    cumulative_dynamic_auc,
)
from sksurv.util import Surv

from risk.errors import ModelError
from risk.evaluation.metrics import bootstrap_concordance, harrell_c, time_dependent_auc, uno_c
from risk.evaluation.metrics.discrimination import TIED_RISK

#: scikit-survival's ``data_with_tied_risk``: C = 0.59375 (9 concordant, 6 discordant,
#: 1 tied in risk); ``data_with_almost_tied_risk`` moves the two tied scores 4.5e-9 apart
#: each way and keeps every number.
TIED_EVENT = np.array([False, True, True, False, True, True, False, False])
TIED_TIME = np.array([1, 5, 6, 11, 34, 45, 46, 50], dtype=float)
TIED_RISK_SCORES = np.array([5, 15, 11, 34, 12, 3, 9, 12], dtype=float)
ALMOST_TIED_SCORES = TIED_RISK_SCORES + np.array([0, 0, 0, 0, 4.5e-9, 0, 0, -4.5e-9])


@pytest.mark.parametrize("scores", [TIED_RISK_SCORES, ALMOST_TIED_SCORES])
def test_scikit_survival_published_tied_and_almost_tied_risk(scores):
    assert harrell_c(TIED_TIME, TIED_EVENT, scores) == pytest.approx(0.59375, abs=1e-12)


def test_lifelines_would_break_the_almost_tie():
    """Why the rule is not lifelines': it ties exact equality only, so the almost-tied
    pair counts as concordant (10 of 16 pairs instead of 9.5)."""
    from lifelines.utils import concordance_index

    assert concordance_index(TIED_TIME, -ALMOST_TIED_SCORES, TIED_EVENT) == pytest.approx(0.625)
    assert harrell_c(TIED_TIME, TIED_EVENT, ALMOST_TIED_SCORES) != pytest.approx(0.625)


def test_scikit_survival_published_tied_event_and_time():
    """``data_with_tied_event_and_time``: C = 0.5681818 (12 concordant, 9 discordant,
    1 tied in risk, 2 pairs tied in time)."""
    event = [True, False, False, False, True, False, True, True, False, False, False, True]
    time = [34, 11, 11, 5, 1, 89, 13, 45, 7, 13, 9, 13]
    estimate = [1, 19, 13, 13, 15, 14, 19, 23, 11, 10, 11, 1]
    assert harrell_c(time, event, estimate) == pytest.approx(0.5681818, abs=5e-8)
    assert harrell_c(time, event, estimate) == pytest.approx(12.5 / 22, abs=1e-12)


def _heavily_tied(seed: int):
    """Few distinct times and scores; scores nudged by multiples of 0.6e-8, so some
    pairs are within the tolerance only one step apart (chains the rule must not join)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 80))
    time = rng.integers(1, 8, n).astype(float)
    event = rng.random(n) < 0.6
    event[0] = True
    time[0] = 1.0  # a death with partners: the C is defined
    score = rng.integers(0, 5, n) + rng.choice([0.0, 6e-9, 1.2e-8, -6e-9], n)
    return time, event, score


@pytest.mark.parametrize("seed", range(40))
def test_equals_scikit_survival_on_heavy_ties(seed):
    time, event, score = _heavily_tied(seed)
    expected = concordance_index_censored(event, time, score)[0]
    assert harrell_c(time, event, score) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_equals_scikit_survival_on_continuous_data(seed):
    rng = np.random.default_rng(seed)
    time = rng.exponential(30, 2000)
    event = rng.random(2000) < 0.7
    score = rng.normal(size=2000) - time / 30
    expected = concordance_index_censored(event, time, score)[0]
    assert harrell_c(time, event, score) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("scores", [TIED_RISK_SCORES, ALMOST_TIED_SCORES])
def test_bootstrap_uses_the_same_tie_rule(scores):
    """The whole cohort as one "resample" gives the point estimate, and a real resample
    gives harrell_c of the materialised resample."""
    everyone = np.arange(TIED_TIME.size)
    redrawn = np.array([0, 1, 1, 2, 4, 4, 5, 7])
    out = bootstrap_concordance(TIED_TIME, TIED_EVENT, scores, [everyone, redrawn])
    assert out["harrell"][0, 0] == pytest.approx(0.59375, abs=1e-12)
    assert out["harrell"][1, 0] == pytest.approx(
        harrell_c(TIED_TIME[redrawn], TIED_EVENT[redrawn], scores[redrawn]), abs=1e-12)


def test_tolerance_is_scikit_survivals():
    import inspect

    default = inspect.signature(concordance_index_censored).parameters["tied_tol"].default
    assert default == TIED_RISK


# --- edge cases: clear errors, never a library's --------------------------------------

LAST_ONLY = ([1.0, 2.0, 3.0], [0, 0, 1], [0.2, 0.5, 0.9])  # the only death is the last time


def test_no_usable_pair_is_a_clear_error_for_harrell_and_uno():
    with pytest.raises(NoComparablePairException):  # what the library would say
        y = Surv.from_arrays(np.array(LAST_ONLY[1], bool), LAST_ONLY[0])
        concordance_index_ipcw(y, y, np.array(LAST_ONLY[2]))
    with pytest.raises(ModelError, match="Harrell's C needs at least one usable pair"):
        harrell_c(*LAST_ONLY)
    with pytest.raises(ModelError, match="Uno's C needs at least one usable pair"):
        uno_c(*LAST_ONLY)


def test_uno_tau_before_the_first_death_is_a_clear_error():
    time, event, score = [1.0, 2, 3, 4, 5, 6], [0, 0, 1, 1, 0, 1], [.1, .5, .2, .3, .9, .4]
    with pytest.raises(ModelError, match="truncated at 2.5 months needs a death before then; "
                                         "the first death is at 3 months"):
        uno_c(time, event, score, tau=2.5)
    assert np.isfinite(uno_c(time, event, score, tau=3.5))


def test_uno_with_a_censoring_distribution_at_zero_is_a_clear_error():
    """Deaths and censorings tied at the last time: scikit-survival refuses with a
    ValueError; a truncation before that time works."""
    time, event, score = [1.0, 2, 3, 4, 4], [1, 0, 1, 1, 0], [.9, .2, .3, .4, .1]
    y = Surv.from_arrays(np.array(event, bool), np.array(time))
    with pytest.raises(ValueError, match="censoring survival function is zero"):
        concordance_index_ipcw(y, y, np.array(score))
    with pytest.raises(ModelError, match="cannot weight the deaths at 4 months"):
        uno_c(time, event, score)
    assert uno_c(time, event, score, tau=3.5) == pytest.approx(
        concordance_index_ipcw(y, y, np.array(score), tau=3.5)[0], abs=1e-12)


def test_uno_ties_scores_as_harrell():
    y = Surv.from_arrays(TIED_EVENT, TIED_TIME)
    assert uno_c(TIED_TIME, TIED_EVENT, ALMOST_TIED_SCORES) == pytest.approx(
        concordance_index_ipcw(y, y, TIED_RISK_SCORES)[0], abs=1e-12)


def test_auc_when_the_censoring_distribution_ends_at_zero():
    """scikit-survival refuses (it weights deaths after the horizon too); only the deaths
    by 3.5 months matter. Cases: patients 1 (risk .9, weight 1) and 3 (risk .3, weight
    1 / G(3) = 4/3, one of four censored at 2); controls: risks .4 and .1.
    AUC = (2 x 1 + 1 x 4/3) / (2 x 1 + 2 x 4/3) = 5/7."""
    time, event, score = [1.0, 2, 3, 4, 4], [1, 0, 1, 1, 0], [.9, .2, .3, .4, .1]
    y = Surv.from_arrays(np.array(event, bool), np.array(time))
    with pytest.raises(ValueError, match="censoring survival function is zero"):
        cumulative_dynamic_auc(y, y, np.array(score), [3.5])
    assert time_dependent_auc(time, event, score, [3.5])[3.5] == pytest.approx(5 / 7)


def test_auc_and_brier_outside_the_follow_up_are_nan_not_a_library_error():
    from risk.evaluation.metrics import brier_scores

    time, event, score = [1.0, 2, 3, 4, 5, 6], [0, 1, 1, 1, 0, 1], [.1, .5, .2, .3, .9, .4]
    auc = time_dependent_auc(time, event, score, [0.5, 3.5, 6.0, 200.0])
    assert np.isfinite(auc[3.5]) and all(np.isnan(auc[m]) for m in (0.5, 6.0, 200.0))
    brier = brier_scores(time, event, np.full((6, 3), 0.5), [0.5, 3.5, 200.0])
    assert np.isfinite(brier[3.5]) and np.isnan(brier[0.5]) and np.isnan(brier[200.0])
