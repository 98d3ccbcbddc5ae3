"""Kaplan-Meier, numbers at risk, medians and log-rank tests against lifelines and R."""

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from cohort_frames import make_cohort
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_lung
from lifelines.statistics import logrank_test as lifelines_logrank
from lifelines.statistics import multivariate_logrank_test, pairwise_logrank_test
from lifelines.utils import median_survival_times

from risk.cohort.survival import holm, kaplan_meier, logrank_test, survival_by_group
from risk.schema import NOT_ASSESSED

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def frame():
    return make_cohort(1500, seed=5)


def _samples():
    """Small, tied, heavily censored and fully dying samples."""
    rng = np.random.default_rng(3)
    yield rng.exponential(20, 200).round(0) + 1, rng.random(200) < 0.7  # many ties
    yield rng.exponential(30, 50) + 0.1, rng.random(50) < 0.3  # mostly censored
    yield np.array([1.0, 2, 2, 3, 5, 8]), np.array([1, 1, 0, 1, 1, 1])  # falls to 0
    yield np.array([4.0, 6, 9]), np.array([0, 0, 0])  # nobody dies
    yield np.array([7.0]), np.array([1])  # one patient


@pytest.mark.parametrize("sample", list(_samples()), ids=lambda s: f"n={len(s[0])}")
def test_kaplan_meier_equals_lifelines(sample):
    durations, events = sample
    ours = kaplan_meier(durations, events)
    ref = KaplanMeierFitter().fit(durations, events)
    assert np.array_equal(ours.times, ref.timeline)
    assert np.allclose(ours.survival, ref.survival_function_.to_numpy()[:, 0], atol=1e-12)
    band = ref.confidence_interval_.to_numpy()
    assert np.allclose(ours.lower, band[:, 0], atol=1e-12)
    assert np.allclose(ours.upper, band[:, 1], atol=1e-12)
    assert np.array_equal(ours.at_risk, ref.event_table["at_risk"].to_numpy())
    assert ours.median == ref.median_survival_time_  # no flat at exactly 1/2 here
    # the median's interval as R reads it: off the band where S > 0 (R leaves the band
    # undefined where S = 0, lifelines sets it to 0; e.g. n=6: R's UCL is NA, not 8)
    alive = ref.survival_function_.to_numpy()[:, 0] > 0
    ci = median_survival_times(ref.confidence_interval_[alive]).to_numpy()[0]
    assert (ours.median_lower, ours.median_upper) == (ci[0], ci[1])


def test_curves_are_survival_functions():
    durations, events = next(_samples())
    c = kaplan_meier(durations, events)
    assert c.survival[0] == 1.0
    assert (np.diff(c.survival) <= 0).all()
    assert ((c.lower <= c.survival + 1e-12) & (c.survival <= c.upper + 1e-12)).all()
    assert ((c.lower >= 0) & (c.upper <= 1)).all()


def test_lung_medians_and_logrank_match_r():
    """R: survfit(Surv(time, status) ~ 1, lung) median 310; ~ sex: 270 (male), 426
    (female); survdiff(Surv(time, status) ~ sex, lung): Chisq = 10.3 on 1 df, p = 0.00131.
    (lifelines' copy of lung codes status 1 = died.)"""
    lung = load_lung()
    assert kaplan_meier(lung["time"], lung["status"]).median == 310
    male, female = (lung[lung["sex"] == s] for s in (1, 2))
    assert kaplan_meier(male["time"], male["status"]).median == 270
    assert kaplan_meier(female["time"], female["status"]).median == 426
    test = logrank_test(lung["time"], lung["status"], lung["sex"])
    assert round(test.statistic, 1) == 10.3
    assert test.degrees_of_freedom == 1
    assert test.p_value == pytest.approx(0.00131, abs=5e-6)
    assert test.pairwise.empty


def test_number_at_risk_equals_lifelines_event_table_at_follow_up_times(frame):
    """At a time where patients leave, 'at risk' counts them (R's n.risk; lifelines'
    event_table)."""
    durations, events = frame["os_months"].to_numpy(), frame["death"].to_numpy()
    ref = KaplanMeierFitter().fit(durations, events).event_table
    ticks = ref.index.to_numpy()[[0, 5, 50, 200, -1]]
    ours = kaplan_meier(durations, events).at_risk_at(ticks)
    assert np.array_equal(ours, ref.loc[ticks, "at_risk"].to_numpy())


def _lifelines_plot_counts(fitter, ticks):
    import matplotlib.pyplot as plt
    from lifelines.plotting import add_at_risk_counts

    ax = fitter.plot_survival_function()
    add_at_risk_counts(fitter, ax=ax, xticks=list(ticks), rows_to_show=["At risk"])
    labels = [t.get_text() for t in ax.figure.axes[-1].get_xticklabels()]
    plt.close(ax.figure)
    return [int(re.findall(r"\d+", lbl)[-1]) for lbl in labels]


def test_number_at_risk_equals_lifelines_at_risk_table(frame):
    """At the page's months (no follow-up time exactly on them) the counts equal the
    numbers lifelines prints under its plot."""
    durations = frame["os_months"].to_numpy() + 0.05  # no time falls on a whole month
    events = frame["death"].to_numpy()
    ticks = np.arange(0, 121, 12, dtype=float)
    fitter = KaplanMeierFitter().fit(durations, events)
    ours = kaplan_meier(durations, events).at_risk_at(ticks)
    assert list(ours) == _lifelines_plot_counts(fitter, ticks)
    assert ours[0] == len(frame)
    assert kaplan_meier(durations, events).at_risk_at([10_000])[0] == 0


def test_survival_at_reads_the_step_in_force():
    c = kaplan_meier(np.array([1.0, 2, 3, 4]), np.array([1, 1, 1, 1]))
    assert list(c.survival_at([0, 0.5, 1, 1.5, 4, 9])) == [1.0, 1.0, 0.75, 0.75, 0.0, 0.0]


def test_holm_matches_r_p_adjust():
    """R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm") -> 0.05 0.08 0.09 0.09 0.09;
    p.adjust(c(0.04, 0.01, 0.03), "holm") -> 0.06 0.03 0.06; capped at 1."""
    assert np.allclose(holm([0.01, 0.02, 0.03, 0.04, 0.05]), [0.05, 0.08, 0.09, 0.09, 0.09])
    assert np.allclose(holm([0.04, 0.01, 0.03]), [0.06, 0.03, 0.06])
    assert np.allclose(holm([0.5, 0.9]), [1.0, 1.0])


def test_logrank_equals_lifelines_multivariate_and_pairwise(frame):
    t, e, g = frame["os_months"], frame["death"], frame["grade_change"]
    ours = logrank_test(t, e, g)
    ref = multivariate_logrank_test(t, g, e)
    assert ours.statistic == pytest.approx(ref.test_statistic, rel=1e-9)
    assert ours.p_value == pytest.approx(ref.p_value, rel=1e-6)
    assert ours.degrees_of_freedom == 3
    pairs = pairwise_logrank_test(t, g, e).summary
    assert len(ours.pairwise) == 6
    for row in ours.pairwise.itertuples():
        key = (row.group_a, row.group_b) if (row.group_a, row.group_b) in pairs.index \
            else (row.group_b, row.group_a)
        assert row.statistic == pytest.approx(pairs.loc[key, "test_statistic"], rel=1e-9)
        assert row.p_value == pytest.approx(pairs.loc[key, "p"], rel=1e-6)
    assert np.allclose(ours.pairwise["p_holm"], holm(ours.pairwise["p_value"]))


def test_two_groups_equal_lifelines_logrank_test(frame):
    a = frame[frame["sex"] == "female"]
    b = frame[frame["sex"] == "male"]
    ref = lifelines_logrank(a["os_months"], b["os_months"], a["death"], b["death"])
    ours = logrank_test(frame["os_months"], frame["death"], frame["sex"])
    assert ours.p_value == pytest.approx(ref.p_value, rel=1e-6)


def test_logrank_needs_two_groups_and_no_missing_group():
    with pytest.raises(ValueError, match="two groups"):
        logrank_test([1.0, 2.0], [1, 1], ["a", "a"])
    with pytest.raises(ValueError, match="needs a group"):
        logrank_test([1.0, 2.0, 3.0], [1, 1, 0], ["a", None, "b"])


def test_survival_by_group_shows_not_assessed_but_does_not_test_it(frame):
    result = survival_by_group(frame, "grade_change")
    labels = [c.label for c in result.curves]
    assert labels == ["Same grade", "Upgraded in the liver", "Downgraded in the liver",
                      NOT_ASSESSED]
    assert sum(c.n for c in result.curves) == len(frame)
    assert result.logrank.groups == tuple(labels[:3])
    assessed = frame[frame["grade_change"] != "unknown"]
    ref = multivariate_logrank_test(assessed["os_months"], assessed["grade_change"],
                                    assessed["death"])
    assert result.logrank.p_value == pytest.approx(ref.p_value, rel=1e-6)
    assert any("left out of the log-rank" in n for n in result.notes)
    assert list(result.at_risk.columns) == [float(m) for m in range(0, 121, 12)]
    assert (result.at_risk[0.0].to_numpy() == [c.n for c in result.curves]).all()
    medians = result.medians()
    assert list(medians["group"]) == labels
    upgraded = frame[frame["grade_change"] == "upgraded"]
    ref_km = KaplanMeierFitter().fit(upgraded["os_months"], upgraded["death"])
    assert medians.loc[1, "median_months"] == ref_km.median_survival_time_


def test_patients_without_follow_up_are_left_out_with_a_note(frame):
    partial = frame.copy()
    partial["os_months"] = partial["os_months"].astype(float)
    partial.loc[partial.index[:7], "os_months"] = np.nan
    result = survival_by_group(partial, "primary_site")
    assert sum(c.n for c in result.curves) == len(frame) - 7
    assert result.notes[0] == "7 patients without follow-up are left out."


def test_one_group_or_no_patients_gives_no_test_and_a_note(frame):
    one = survival_by_group(frame[frame["met_grade"] == "G2"], "met_grade")
    assert len(one.curves) == 1 and one.logrank is None
    assert "at least two assessed groups" in one.notes[-1]
    none = survival_by_group(frame.iloc[:0], "grade_change")
    assert none.curves == () and none.logrank is None
    assert none.at_risk.empty


def test_risk_group_series_keeps_its_order(frame):
    score = frame["age"] + 10 * (frame["met_grade"] == "G3")
    risk = pd.Series(pd.qcut(score, 3, labels=["Low", "Intermediate", "High"]),
                     name="Risk group")
    result = survival_by_group(frame, risk)
    assert [c.label for c in result.curves] == ["Low", "Intermediate", "High"]
    assert result.title == "Risk group"
    assert len(result.logrank.pairwise) == 3


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="same length"):
        kaplan_meier([1.0, 2.0], [1])
    with pytest.raises(ValueError, match=">= 0"):
        kaplan_meier([-1.0, 2.0], [1, 1])
    with pytest.raises(ValueError, match="at least one"):
        kaplan_meier([], [])
