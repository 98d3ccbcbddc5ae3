"""Kaplan-Meier of progression-free survival by group: the curves and log-rank test
equal lifelines' on the PFS outcome built here by hand (progression, or death with
pfs_months == os_months); patients without PFS are left out and counted."""

import numpy as np
import pytest
from cohort_frames import make_cohort
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from risk.cohort.survival import survival_by_group
from risk.schema import GRADES, label


@pytest.fixture(scope="module")
def frame():
    f = make_cohort(600, seed=9)
    rng = np.random.default_rng(2)
    progressed = rng.random(len(f)) < 0.6
    f["pfs_months"] = np.round(f["os_months"] * np.where(progressed, rng.uniform(.1, .9, len(f)),
                                                         1.0), 2)
    f["progression"] = progressed.astype(float)
    blank = rng.random(len(f)) < 0.1  # no PFS recorded for these
    f.loc[blank, ["pfs_months", "progression"]] = np.nan
    return f


def test_pfs_km_and_logrank_equal_lifelines(frame):
    result = survival_by_group(frame, "met_grade", outcome="pfs")
    known = frame["pfs_months"].notna()
    sub = frame[known]
    event = ((sub["progression"] == 1) | ((sub["death"] == 1) &
                                         (sub["pfs_months"] == sub["os_months"]))).astype(int)
    assert result.outcome == "pfs"
    assert f"{int((~known).sum())} patients without progression-free survival" in \
        " ".join(result.notes)
    for curve in result.curves:
        if curve.label == "Not assessed":
            continue
        grade = {label("met_grade", g): g for g in GRADES}[curve.label]
        mask = (sub["met_grade"] == grade).to_numpy()
        km = KaplanMeierFitter().fit(sub["pfs_months"][mask], event[mask])
        assert curve.n == mask.sum() and curve.events == int(event[mask].sum())
        expected = km.survival_function_at_times(curve.times).to_numpy()
        np.testing.assert_allclose(curve.survival, expected, atol=1e-12)
    assessed = sub["met_grade"].notna().to_numpy()
    reference = multivariate_logrank_test(sub["pfs_months"][assessed],
                                          sub["met_grade"][assessed], event[assessed])
    assert result.logrank.p_value == pytest.approx(reference.p_value, rel=1e-6)
    assert result.logrank.statistic == pytest.approx(reference.test_statistic, rel=1e-9)


def test_os_is_unchanged_and_an_os_only_frame_has_no_pfs(frame):
    os_ = survival_by_group(frame, "met_grade")
    plain = survival_by_group(frame.drop(columns=["pfs_months", "progression"]), "met_grade")
    assert os_.outcome == "os" and os_.logrank.p_value == plain.logrank.p_value
    empty = survival_by_group(frame.drop(columns=["pfs_months", "progression"]), "met_grade",
                              outcome="pfs")
    assert not empty.curves and empty.logrank is None
