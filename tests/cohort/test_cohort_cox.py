"""The forest plot's Cox fit on the shown cohort (risk.cohort.forest)."""

import numpy as np
import pandas as pd
import pytest
from cohort_frames import make_cohort
from lifelines import CoxPHFitter

from risk.cohort import forest as cohort_cox
from risk.cohort.forest import cox_forest, design


@pytest.fixture(scope="module")
def frame():
    return make_cohort(3000, seed=21)


@pytest.fixture(scope="module")
def forest(frame):
    return cox_forest(frame)


def _row(result, covariate, comparison):
    table = result.table
    hit = table[(table["covariate"] == covariate) & (table["comparison"] == comparison)]
    assert len(hit) == 1, f"no row {covariate}: {comparison}"
    return hit.iloc[0]


def test_recovers_the_simulated_hazard_ratios():
    """The fixture's true log-hazards: liver G2 +0.6 and G3 +1.5 vs G1, +0.03 per year of
    age, +0.5 for > 50% liver burden, none for sex: each estimate must lie within 2.576
    standard errors of the truth (a 99% interval; the SE is read off the 95% interval)."""
    forest = cox_forest(make_cohort(4000, seed=21, round_months=False))
    assert forest.ok and forest.message == ""
    truths = [(("Liver biopsy WHO grade", "G2 vs G1"), np.exp(0.6)),
              (("Liver biopsy WHO grade", "G3 vs G1"), np.exp(1.5)),
              (("Age", "per 10 years"), np.exp(0.3)),
              (("Liver tumor burden", "> 50% vs < 25%"), np.exp(0.5)),
              (("Sex", "Male vs Female"), 1.0)]
    for key, truth in truths:
        row = _row(forest, *key)
        se = (np.log(row["upper_95"]) - np.log(row["lower_95"])) / (2 * 1.959964)
        assert abs(np.log(row["hazard_ratio"]) - np.log(truth)) < 2.576 * se, (key, row)
        assert row["lower_95"] < row["hazard_ratio"] < row["upper_95"]


def test_equals_an_unpenalised_lifelines_fit_on_the_same_design(frame, forest):
    """The tiny ridge penalty must not move a hazard ratio by more than 1%."""
    x, terms = design(frame)
    ref = CoxPHFitter().fit(x.assign(os_months=frame["os_months"], death=frame["death"]),
                            "os_months", "death").summary
    fitted = forest.table.dropna(subset=["hazard_ratio"])
    estimable = terms[terms["note"] == ""]
    assert len(fitted) == len(estimable) == x.shape[1]
    hr = ref.loc[estimable["term"], "exp(coef)"].to_numpy()
    assert np.allclose(fitted["hazard_ratio"].to_numpy(), hr, rtol=0.01)
    assert forest.patients == len(frame) and forest.fitted_patients == len(frame)
    assert forest.deaths == frame["death"].sum()


def test_reference_levels_are_named(forest):
    comparisons = set(forest.table["comparison"])
    assert "Pancreas vs Small intestine" in comparisons
    assert "Not assessed vs G1" in comparisons
    assert "ECOG 2-4 vs ECOG 0" in comparisons
    assert "Yes vs No" in comparisons


def test_too_small_a_cohort_gives_a_message_not_an_error(frame):
    small = cox_forest(frame.head(15))
    assert not small.ok and small.table.empty
    assert "Too few patients" in small.message and "15 patients" in small.message
    no_deaths = frame.head(200).assign(death=0)
    assert "0 deaths" in cox_forest(no_deaths).message


def test_a_failed_fit_gives_a_message(frame, monkeypatch):
    def broken(*args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(cohort_cox, "_fit", broken)
    result = cox_forest(frame.head(300))
    assert not result.ok
    assert result.message.startswith("The Cox model could not be fitted")
    assert "Singular matrix" in result.message


def test_collinear_levels_still_fit():
    """Unknown primary site and unassessed primary grade always together."""
    frame = make_cohort(400, seed=4)
    unknown = frame["primary_site"] == "unknown"
    frame.loc[unknown, "primary_grade"] = None
    frame.loc[frame["primary_grade"].isna(), "primary_site"] = "unknown"
    result = cox_forest(frame)
    assert result.ok
    assert np.isfinite(result.table["hazard_ratio"].dropna()).all()


def test_rare_levels_are_listed_without_an_estimate(frame):
    small = frame.head(400).copy()
    small["ecog"] = np.where(np.arange(400) < 3, 4, small["ecog"].clip(upper=1))
    result = cox_forest(small)
    row = _row(result, "ECOG performance status", "ECOG 2-4 vs ECOG 0")
    assert np.isnan(row["hazard_ratio"]) and row["note"] == "fewer than 5 patients"
    assert row["patients"] == 3
    assert result.ok


def test_constant_columns_are_left_out(frame):
    pancreas = frame[frame["primary_site"] == "pancreas"]
    result = cox_forest(pancreas)
    assert "Primary site" not in set(result.table["covariate"])


def test_large_cohorts_are_subsampled_reproducibly(frame):
    a = cox_forest(frame, max_patients=1000, seed=3)
    b = cox_forest(frame, max_patients=1000, seed=3)
    assert a.fitted_patients == 1000 and a.patients == len(frame)
    assert any("subsample of 1,000 of 3,000" in n for n in a.notes)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_patients_without_follow_up_are_not_fitted(frame):
    partial = frame.head(500).copy()
    partial["os_months"] = partial["os_months"].astype(float)
    partial.loc[partial.index[:20], "os_months"] = np.nan
    assert cox_forest(partial).patients == 480
