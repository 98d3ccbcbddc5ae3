"""Cohort filters, groupings and grade transitions (risk.cohort.summary)."""

import numpy as np
import pandas as pd
import pytest
from cohort_frames import make_cohort

from risk.cohort import summary as cohort
from risk.schema import NOT_ASSESSED


@pytest.fixture(scope="module")
def frame():
    return make_cohort(600, seed=11)


def hand_cohort() -> pd.DataFrame:
    """Ten patients whose transitions are counted by hand below."""
    primary = ["G1", "G1", "G1", "G2", "G2", "G2", "G3", None, "G1", "G2"]
    met = ["G1", "G2", "G3", "G1", "G2", "G3", "G3", "G2", None, "G2"]
    frame = make_cohort(10, seed=1)
    frame["primary_grade"] = pd.Series(primary, dtype=object)
    frame["met_grade"] = pd.Series(met, dtype=object)
    return frame


# --------------------------------------------------------------------------- filters

def test_no_filter_keeps_everyone(frame):
    assert cohort.filter_cohort(frame).equals(frame)


def test_each_filter_matches_a_plain_pandas_mask(frame):
    got = cohort.filter_cohort(frame, sites=["pancreas", "rectum"])
    assert set(got["primary_site"]) == {"pancreas", "rectum"}
    assert len(got) == frame["primary_site"].isin(["pancreas", "rectum"]).sum()

    got = cohort.filter_cohort(frame, timings=["metachronous"])
    assert len(got) == (frame["met_timing"] == "metachronous").sum()

    got = cohort.filter_cohort(frame, met_grades=["G3"])
    assert len(got) == (frame["met_grade"] == "G3").sum()

    got = cohort.filter_cohort(frame, age_range=(50, 65))
    assert len(got) == frame["age"].between(50, 65).sum()
    assert got["age"].between(50, 65).all()


def test_filters_combine_with_and(frame):
    got = cohort.filter_cohort(frame, sites=["pancreas"], primary_grades=["G2"],
                               met_grades=["G2", "G3"], timings=["synchronous"],
                               age_range=(40, 70))
    mask = ((frame["primary_site"] == "pancreas") & (frame["primary_grade"] == "G2")
            & frame["met_grade"].isin(["G2", "G3"]) & (frame["met_timing"] == "synchronous")
            & frame["age"].between(40, 70))
    assert len(got) > 0
    assert got.index.equals(frame.index[mask])


def test_not_assessed_grades_are_kept_only_when_asked(frame):
    blank = frame["primary_grade"].isna()
    assert blank.any()
    with_blank = cohort.filter_cohort(frame, primary_grades=["G1", "not_assessed"])
    assert len(with_blank) == (frame["primary_grade"] == "G1").sum() + blank.sum()
    also = cohort.filter_cohort(frame, primary_grades=["G1", None])
    assert also.index.equals(with_blank.index)
    without = cohort.filter_cohort(frame, primary_grades=["G1"])
    assert without["primary_grade"].notna().all()


def test_age_bounds_are_inclusive():
    frame = make_cohort(5, seed=2)
    frame["age"] = [40.0, 50.0, 60.0, 70.0, 80.0]
    assert list(cohort.filter_cohort(frame, age_range=(50, 70))["age"]) == [50.0, 60.0, 70.0]


def test_an_empty_selection_keeps_nobody(frame):
    assert cohort.filter_cohort(frame, sites=[]).empty


def test_unknown_codes_are_refused_by_name(frame):
    with pytest.raises(ValueError, match="liver"):
        cohort.filter_cohort(frame, sites=["liver"])
    with pytest.raises(ValueError, match="G4"):
        cohort.filter_cohort(frame, met_grades=["G4"])
    with pytest.raises(ValueError, match="age_range"):
        cohort.filter_cohort(frame, age_range=(70, 50))


# --------------------------------------------------------------------------- groupings

def test_group_labels_are_in_the_clinics_words_and_add_up(frame):
    groups = cohort.group_labels(frame, "grade_change")
    assert list(groups.cat.categories) == ["Same grade", "Upgraded in the liver",
                                           "Downgraded in the liver", NOT_ASSESSED]
    counts = frame["grade_change"].value_counts()
    assert (groups == "Upgraded in the liver").sum() == counts["upgraded"]
    assert (groups == NOT_ASSESSED).sum() == counts["unknown"]
    assert groups.name == "Grade change, primary to liver"


def test_missing_grade_is_the_last_group(frame):
    groups = cohort.group_labels(frame, "met_grade")
    assert list(groups.cat.categories) == ["G1 (Ki-67 < 3%)", "G2 (Ki-67 3-20%)",
                                           "G3 (Ki-67 > 20%)", NOT_ASSESSED]
    assert (groups == NOT_ASSESSED).sum() == frame["met_grade"].isna().sum()


def test_sites_use_schema_labels_and_drop_empty_groups(frame):
    subset = frame[frame["primary_site"].isin(["pancreas", "unknown"])]
    groups = cohort.group_labels(subset, "primary_site")
    assert list(groups.cat.categories) == ["Pancreas", "Unknown primary"]


def test_a_series_grouping_aligns_by_index_on_a_filtered_frame(frame):
    risk = pd.Series(pd.Categorical(
        np.where(frame["age"] > 60, "High", "Low"), categories=["Low", "High"]),
        index=frame.index, name="Risk group")
    shown = frame[frame["primary_site"] == "pancreas"].iloc[::-1]
    groups = cohort.group_labels(shown, risk)
    assert list(groups.cat.categories) == ["Low", "High"]
    expected = np.where(shown["age"] > 60, "High", "Low")
    assert (groups.astype(str).to_numpy() == expected).all()
    assert groups.name == "Risk group"


def test_a_grouping_of_the_wrong_length_is_refused(frame):
    with pytest.raises(ValueError, match="values for"):
        cohort.group_labels(frame, pd.Series(["a", "b"], index=[10**6, 10**6 + 1]))
    with pytest.raises(ValueError, match="by must be"):
        cohort.group_labels(frame, "liver_burden")


# --------------------------------------------------------------------------- transitions

def test_transition_counts_on_a_hand_made_cohort():
    t = cohort.grade_transitions(hand_cohort())
    # rows: primary G1, G2, G3, not assessed; columns: liver G1, G2, G3, not assessed
    expected = np.array([[1, 1, 1, 1],
                         [1, 2, 1, 0],
                         [0, 0, 1, 0],
                         [0, 1, 0, 0]])
    assert (t.counts.to_numpy() == expected).all()
    assert t.n == 10
    assert list(t.counts.index)[-1] == NOT_ASSESSED
    assert t.row_percent.iloc[0].tolist() == [25.0, 25.0, 25.0, 25.0]
    assert t.row_percent.iloc[1, 1] == 50.0
    assert t.change_counts() == {"concordant": 4, "upgraded": 3, "downgraded": 1,
                                 "unknown": 2}


def test_transitions_agree_with_crosstab_and_grade_change(frame):
    t = cohort.grade_transitions(frame, include_not_assessed=False)
    cross = pd.crosstab(frame["primary_grade"], frame["met_grade"])
    assert (t.counts.to_numpy() == cross.to_numpy()).all()
    assert np.allclose(t.row_percent.sum(axis=1), 100.0)
    full = cohort.grade_transitions(frame)
    assert full.change_counts() == frame["grade_change"].value_counts().to_dict()


def test_sankey_links_carry_every_patient_once():
    t = cohort.grade_transitions(hand_cohort())
    data = cohort.sankey_data(t)
    assert len(data.nodes) == 8
    assert sum(data.values) == 10
    assert 0 not in data.values
    assert all(s < 4 <= tg for s, tg in zip(data.sources, data.targets, strict=True))
    assert ("Primary G1 (Ki-67 < 3%) -> liver G3 (Ki-67 > 20%): 1 patient (25% of the row)"
            in data.link_labels)


def test_an_empty_cohort_gives_an_empty_matrix(frame):
    t = cohort.grade_transitions(frame.iloc[:0])
    assert t.n == 0
    assert t.row_percent.isna().all().all()
    assert cohort.sankey_data(t).values == ()
