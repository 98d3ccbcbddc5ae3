"""Matching a file's column names to the data dictionary (risk.data.columns)."""

from __future__ import annotations

import pandas as pd
import pytest
from cohort_frames import make_cohort

from risk.data.columns import apply_column_mapping, suggest_mapping, unmatched_columns
from risk.data.reading import read_cells
from risk.data.validation import load_cohort, validate_cohort
from risk.errors import ValidationError
from risk.schema import COLUMN_NAMES

THEIR_NAMES = {"age": "Age at biopsy", "os_months": "OS (months)", "death": "Died",
               "met_ki67": "Ki67 liver", "patient_id": "Study code"}


def their_file(n: int = 60) -> bytes:
    """A valid cohort exported with the centre's own names for five columns."""
    frame = make_cohort(n, seed=2)[list(COLUMN_NAMES)].rename(columns=THEIR_NAMES)
    return frame.to_csv(index=False, na_rep="", lineterminator="\n").encode()


def test_a_mapped_file_validates_exactly_like_the_same_file_with_our_names():
    raw = read_cells(their_file())
    mapping = {ours: theirs.lower() for ours, theirs in THEIR_NAMES.items()}
    mapped = validate_cohort(apply_column_mapping(raw, mapping), purpose="training")
    ours = make_cohort(60, seed=2)[list(COLUMN_NAMES)]
    direct = load_cohort(ours.to_csv(index=False, na_rep="").encode(), purpose="training")
    pd.testing.assert_frame_equal(mapped.frame, direct.frame)
    assert mapped.ignored_columns == []


def test_the_raw_frame_is_not_changed_and_unmapped_columns_stay():
    raw = pd.DataFrame({"years": ["60"], "extra": ["x"]})
    out = apply_column_mapping(raw, {"age": "years", "sex": ""})
    assert list(out.columns) == ["age", "extra"]
    assert list(raw.columns) == ["years", "extra"]
    assert apply_column_mapping(raw, {}).equals(raw)


def test_without_mapping_the_missing_columns_are_named_by_validation():
    raw = read_cells(their_file())
    with pytest.raises(ValidationError) as caught:
        validate_cohort(raw, purpose="training")
    named = {p.column for p in caught.value.problems}
    assert {"age", "os_months", "death", "patient_id"} <= named


def test_unmatched_columns_lists_required_ones_first_and_hides_identifiers():
    headers = ["study code", "sex", "age at biopsy", "patient name", "ki67 liver"]
    found = unmatched_columns(headers, "training")
    required_first = found["schema"][:4]
    assert set(required_first) <= {"patient_id", "age", "primary_site", "met_timing",
                                   "liver_burden", "extrahepatic_mets", "primary_resected",
                                   "functional_syndrome", "ecog", "os_months", "death"}
    assert "sex" not in found["schema"]
    assert found["file"] == ["study code", "age at biopsy", "ki67 liver"]  # no name column
    # outcomes are optional for a cohort view: listed after every required column
    cohort_view = unmatched_columns(headers, "cohort")["schema"]
    assert cohort_view.index("os_months") > cohort_view.index("ecog")


def test_suggestions_match_names_up_to_case_and_punctuation_and_use_each_column_once():
    headers = ["Patient-ID", "AGE", "Sex", "OS months", "Death ", "met ki 67", "notes"]
    suggested = suggest_mapping([h.strip().lower() for h in headers])
    assert suggested["patient_id"] == "patient-id"
    assert suggested["os_months"] == "os months"
    assert suggested["met_ki67"] == "met ki 67"
    assert "age" not in suggested and "sex" not in suggested  # already matched
    assert len(set(suggested.values())) == len(suggested)
    assert "notes" not in suggested.values()


def test_our_name_with_a_unit_or_qualifier_is_suggested_but_not_other_words():
    headers = ["patient_id", "age_years", "sex", "ecog ps", "death_date", "os_months",
               "primary_site"]
    suggested = suggest_mapping(headers)
    assert suggested["age"] == "age_years" and suggested["ecog"] == "ecog ps"
    assert "death" not in suggested  # a date of death is not the death flag
    two = suggest_mapping(["age_years", "age_months"])  # ambiguous: no guess
    assert "age" not in two


@pytest.mark.parametrize("mapping, words", [
    ({"agee": "years"}, "not a column of the data dictionary"),
    ({"age": "nope"}, "no column 'nope'"),
    ({"age": "years", "ecog": "years"}, "chosen for both"),
    ({"sex": "years"}, "already has a column 'sex'"),
    ({"patient_id": "mrn"}, "direct identifier"),
])
def test_a_bad_mapping_is_refused_naming_the_problem(mapping, words):
    raw = pd.DataFrame({"years": ["60"], "sex": ["male"], "mrn": ["123"]})
    with pytest.raises(ValidationError) as caught:
        apply_column_mapping(raw, mapping)
    assert any(words in str(p) for p in caught.value.problems), caught.value


def test_every_problem_of_a_mapping_is_listed_at_once():
    raw = pd.DataFrame({"years": ["60"], "sex": ["male"]})
    with pytest.raises(ValidationError) as caught:
        apply_column_mapping(raw, {"agee": "years", "ecog": "nope", "sex": "years"})
    assert len(caught.value.problems) == 3
