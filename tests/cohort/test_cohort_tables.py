"""Table 1, biopsy safety (Wilson intervals) and the risk percentile (risk.cohort.tables)."""

import numpy as np
import pandas as pd
import pytest
from cohort_frames import make_cohort
from scipy import stats

from risk import grading
from risk.cohort.tables import (
    complication_rates,
    format_p_value,
    risk_percentile,
    table_one,
    wilson_interval,
)
from risk.schema import NOT_ASSESSED


def hand_cohort() -> pd.DataFrame:
    """Nine patients: 4 concordant, 4 upgraded, 1 not assessed, with values set by hand."""
    frame = make_cohort(9, seed=7)
    frame["primary_grade"] = ["G1", "G2", "G2", "G3", "G1", "G1", "G2", "G1", None]
    frame["met_grade"] = ["G1", "G2", "G2", "G3", "G2", "G3", "G3", "G2", "G2"]
    change, steps = grading.grade_changes(frame["primary_grade"], frame["met_grade"])
    frame["grade_change"], frame["grade_change_steps"] = change, steps
    frame["age"] = [50.0, 60.0, 70.0, 80.0, 40.0, 45.0, 55.0, 65.0, 30.0]
    # The classic 2x2 table [[3, 1], [1, 3]]: Fisher's exact two-sided p = 0.4857.
    frame["sex"] = ["female", "female", "female", "male",
                    "female", "male", "male", "male", "female"]
    frame["primary_ki67"] = [1.0, 5.0, np.nan, 30.0, 1.0, 2.0, 10.0, 2.5, np.nan]
    frame["ecog"] = [0, 1, 0, 2, 0, 0, 1, 1, 0]
    return frame


@pytest.fixture(scope="module")
def table():
    return table_one(hand_cohort())


def _cell(long, characteristic, level, group):
    hit = long[(long["characteristic"] == characteristic) & (long["level"] == level)
               & (long["group"] == group)]
    assert len(hit) == 1, (characteristic, level, group)
    return hit.iloc[0]


def test_group_sizes_and_header(table):
    assert table.group_sizes.to_dict() == {"Same grade": 4, "Upgraded in the liver": 4,
                                           NOT_ASSESSED: 1}
    columns = list(table.display.columns)
    assert columns == ["Characteristic", "Level", "Same grade (n=4)",
                       "Upgraded in the liver (n=4)", "Not assessed (n=1)",
                       "All patients (n=9)", "p-value", "Test"]
    assert table.display.iloc[0]["Characteristic"] == "Patients"


def test_counts_and_percentages_by_hand(table):
    long = table.long
    female = _cell(long, "Sex", "Female", "Same grade")
    assert (female["n"], female["denominator"], female["percent"]) == (3, 4, 75.0)
    assert _cell(long, "Sex", "Male", "Upgraded in the liver")["n"] == 3
    assert _cell(long, "Sex", "Female", "All patients")["n"] == 5
    assert _cell(long, "Primary WHO grade", NOT_ASSESSED, NOT_ASSESSED)["n"] == 1
    assert _cell(long, "Liver biopsy WHO grade", "G3 (Ki-67 > 20%)",
                 "Upgraded in the liver")["n"] == 2
    assert _cell(long, "ECOG performance status", "1", "All patients")["n"] == 3
    row = table.display[(table.display["Characteristic"] == "Sex")
                        & (table.display["Level"] == "Female")].iloc[0]
    assert row["Same grade (n=4)"] == "3 (75.0%)"
    assert row["All patients (n=9)"] == "5 (55.6%)"


def test_fisher_exact_for_a_sparse_2x2_table(table):
    """[[3, 1], [1, 3]]: two-sided p = 0.4857 (Fisher's lady tasting tea)."""
    row = table.display[(table.display["Characteristic"] == "Sex")
                        & (table.display["Level"] == "Female")].iloc[0]
    assert row["Test"] == "Fisher exact"
    assert row["p-value"] == "0.486"
    p = table.p_values.set_index("characteristic").loc["Sex", "p_value"]
    assert p == pytest.approx(0.4857, abs=1e-4)


def test_continuous_median_iqr_and_kruskal_wallis(table):
    """Ages 50, 60, 70, 80 -> median 65, quartiles 57.5 and 72.5 (numpy's linear rule)."""
    cell = _cell(table.long, "Age (years)", "median (IQR)", "Same grade")
    assert (cell["median"], cell["q1"], cell["q3"]) == (65.0, 57.5, 72.5)
    row = table.display[table.display["Characteristic"] == "Age (years)"].iloc[0]
    assert row["Same grade (n=4)"] == "65.0 (57.5-72.5)"
    # The not-assessed patient (age 30) is shown but not tested.
    expected = stats.kruskal([50, 60, 70, 80], [40, 45, 55, 65]).pvalue
    p = table.p_values.set_index("characteristic").loc["Age (years)", "p_value"]
    assert p == pytest.approx(expected)
    assert row["p-value"] == f"{expected:.3f}"
    assert row["Test"] == "Kruskal-Wallis"


def test_missing_values_get_their_own_row(table):
    missing = _cell(table.long, "Primary Ki-67 (%)", "Not recorded", "Same grade")
    assert (missing["n"], missing["denominator"]) == (1, 4)
    known = _cell(table.long, "Primary Ki-67 (%)", "median (IQR)", "Same grade")
    assert known["n"] == 3 and known["median"] == 5.0


def test_a_large_table_uses_chi_square():
    table = table_one(make_cohort(2000, seed=3))
    row = table.display[(table.display["Characteristic"] == "Liver tumor burden")].iloc[0]
    assert row["Test"] == "Chi-square"
    frame = make_cohort(2000, seed=3)
    tested = frame[frame["grade_change"] != "unknown"]
    expected = stats.chi2_contingency(pd.crosstab(tested["grade_change"],
                                                  tested["liver_burden"])).pvalue
    p = table.p_values.set_index("characteristic").loc["Liver tumor burden", "p_value"]
    assert p == pytest.approx(expected)
    long = table.long
    assert long[(long["characteristic"] == "Liver tumor burden")
                & (long["group"] == "All patients")]["n"].sum() == 2000


def test_p_values_are_written_for_people():
    assert format_p_value(0.0004) == "< 0.001"
    assert format_p_value(0.04249) == "0.042"
    assert format_p_value(np.nan) == ""


def test_wilson_interval_matches_newcombe_and_scipy():
    """Newcombe (1998), Stat Med 17:857, Table I, method 3: 81/263 -> 0.2553-0.3662;
    15/148 -> 0.0624-0.1605; 0/20 -> 0-0.1611; 1/29 -> 0.0061-0.1718."""
    k = np.array([81, 15, 0, 1])
    n = np.array([263, 148, 20, 29])
    low, high = wilson_interval(k, n)
    assert np.allclose(low, [0.2553, 0.0624, 0.0, 0.0061], atol=1e-4)
    assert np.allclose(high, [0.3662, 0.1605, 0.1611, 0.1718], atol=1e-4)
    for ki, ni, lo, hi in zip(k, n, low, high, strict=True):
        ref = stats.binomtest(int(ki), int(ni)).proportion_ci(method="wilson")
        assert (lo, hi) == pytest.approx((ref.low, ref.high), abs=1e-12)


def test_complication_rates():
    frame = make_cohort(40, seed=2)
    frame["biopsy_complication"] = ["none"] * 30 + ["minor"] * 6 + ["major"] * 2 + [None] * 2
    rates = complication_rates(frame).set_index("outcome")
    assert rates.loc["Minor", "patients"] == 6 and rates.loc["Major", "patients"] == 2
    assert rates.loc["Any complication", "patients"] == 8
    assert (rates["assessed"] == 38).all()
    assert rates.loc["Any complication", "percent"] == pytest.approx(100 * 8 / 38)
    low, high = wilson_interval(8, 38)
    assert rates.loc["Any complication", "lower_95"] == pytest.approx(100 * low)
    assert rates.loc["Any complication", "upper_95"] == pytest.approx(100 * high)
    assert rates.attrs["not_recorded"] == 2


def test_no_complication_column_gives_none():
    frame = make_cohort(20, seed=2, with_complications=False)
    assert complication_rates(frame) is None
    assert complication_rates(frame.drop(columns="biopsy_complication")) is None


def test_risk_percentile_equals_scipy():
    scores = np.random.default_rng(1).normal(size=501).round(1)
    for patient in (-5.0, scores[10], 0.0, 0.35, 9.0):
        assert risk_percentile(scores, patient) == pytest.approx(
            stats.percentileofscore(scores, patient, kind="mean"))
    assert risk_percentile([1.0, np.nan, 3.0], 2.0) == 50.0
    with pytest.raises(ValueError, match="no risk scores"):
        risk_percentile([np.nan], 1.0)
    with pytest.raises(ValueError, match="finite"):
        risk_percentile([1.0], np.nan)


def test_empty_cells_survive_the_csv_export_unchanged(table):
    """A group without values shows an en dash: a plain '-' was exported as "'-" (the
    CSV neutraliser's formula guard)."""
    from risk.data.export import to_csv_bytes

    ki67 = table.display[table.display["Characteristic"] == "Primary Ki-67 (%)"].iloc[0]
    assert ki67.filter(like="Not assessed").iloc[0] == "\u2013"  # its only patient has none
    assert "'" not in to_csv_bytes(table.display).decode("utf-8-sig")
