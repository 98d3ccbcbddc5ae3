"""REDCap: a raw export and its data dictionary, matched to ours through the column
matching, reviewed, applied, validated as the cohort CSV itself."""

from pathlib import Path

import pandas as pd
import pytest
from redcap_export import FIELDS, dictionary_csv, raw_export

from risk.data import (
    apply_preset,
    is_redcap_dictionary,
    load_cohort,
    read_cells,
    read_dictionary,
    redcap_preset,
    validate_cohort,
)
from risk.errors import ValidationError

SHIPPED = Path(__file__).parents[2] / "data" / "synthetic" / "cohort.csv"


@pytest.fixture(scope="module")
def export() -> pd.DataFrame:
    return read_cells(raw_export(SHIPPED))


@pytest.fixture(scope="module")
def fields():
    return read_dictionary(read_cells(dictionary_csv()))


def test_the_dictionary_is_recognised_and_read(fields):
    assert is_redcap_dictionary(read_cells(dictionary_csv()))
    assert not is_redcap_dictionary(read_cells(SHIPPED))
    by_name = {f.name: f for f in fields}
    assert by_name["gender"].choices == (("1", "Female"), ("2", "Male"))
    assert by_name["death"].choices == (("1", "yes"), ("0", "no"))  # a yesno field
    with pytest.raises(ValidationError, match="not a REDCap data dictionary"):
        read_dictionary(read_cells(SHIPPED))


def test_every_field_and_code_is_matched_as_the_project_means_it(export, fields):
    preset = redcap_preset(list(export.columns), fields)
    expected = {ours: name for name, *_, ours, _ in FIELDS}
    assert preset.mapping == expected
    for *_, ours, codes in FIELDS:
        if codes:  # REDCap's code -> ours (the identity needs no translation)
            assert preset.codes.get(ours, {}) == {theirs: mine for mine, theirs
                                                  in codes.items() if mine != theirs}, ours
    assert preset.unmatched_choices == {}
    assert set(preset.ignored) == {"baseline_complete", "pathology_complete",
                                   "follow_up_complete"}


def test_the_export_validates_as_the_cohort_csv(export, fields):
    preset = redcap_preset(list(export.columns), fields)
    from_redcap = validate_cohort(apply_preset(export, preset), "training")
    from_csv = load_cohort(SHIPPED, "training")
    shared = [c for c in from_csv.frame.columns if c in from_redcap.frame.columns]
    pd.testing.assert_frame_equal(from_redcap.frame[shared], from_csv.frame[shared])
    assert set(from_csv.frame.columns) - set(shared) == {"pfs_months", "progression"}


def test_the_review_shows_each_field_its_label_and_codes(export, fields):
    review = redcap_preset(list(export.columns), fields).review()
    row = review[review["Our column"] == "liver_burden"].iloc[0]
    assert row["REDCap field"] == "liver_tumour_burden"
    assert row["Field label"] == "Liver tumour burden"
    assert row["Codes"] == "1 = lt25; 2 = 25to50; 3 = gt50"


def test_a_choice_matching_none_of_ours_is_listed_and_then_refused(export):
    text = dictionary_csv().decode().replace("9, Unknown / not done", "9, Equivocal")
    fields = read_dictionary(read_cells(text.encode()))
    preset = redcap_preset(list(export.columns), fields)
    assert preset.unmatched_choices == {"sstr_status": ("9 (Equivocal)",)}
    assert "not matched: 9 (Equivocal)" in " ".join(preset.review()["Codes"])
    with pytest.raises(ValidationError) as caught:
        validate_cohort(apply_preset(export, preset), "training")
    found = {(p.column, p.value) for p in caught.value.problems if p.row is not None}
    assert found == {("sstr_status", "9")}


def test_identifier_fields_tagged_in_the_dictionary_are_refused():
    export = read_cells(raw_export(SHIPPED, n=5, initials=True))
    fields = read_dictionary(read_cells(dictionary_csv(identifier_field=True)))
    with pytest.raises(ValidationError) as caught:
        redcap_preset(list(export.columns), fields)
    assert [p.column for p in caught.value.problems] == ["pt_initials"]
    assert "tagged as an identifier" in caught.value.problems[0].message


def test_the_command_line_prints_the_preset_and_validates(tmp_path, capsys):
    from risk.cli import main

    (tmp_path / "export.csv").write_bytes(raw_export(SHIPPED))
    (tmp_path / "dictionary.csv").write_bytes(dictionary_csv())
    code = main(["validate", "--data", str(tmp_path / "export.csv"), "--purpose",
                 "training", "--redcap-dictionary", str(tmp_path / "dictionary.csv")])
    out = capsys.readouterr().out
    assert code == 0
    assert "gender -> sex (codes: 1 = female; 2 = male)" in out
    assert "patients: 1,000" in out
    assert "death -> death" not in out  # our own name, nothing to translate


def test_a_command_line_pair_overrides_the_preset(tmp_path, capsys):
    from risk.cli import main

    (tmp_path / "export.csv").write_bytes(raw_export(SHIPPED))
    (tmp_path / "dictionary.csv").write_bytes(dictionary_csv())
    code = main(["validate", "--data", str(tmp_path / "export.csv"), "--redcap-dictionary",
                 str(tmp_path / "dictionary.csv"), "--columns", "sex=gender"])
    captured = capsys.readouterr()
    assert code == 2  # gender is read as written (1/2): the user chose it, codes and all
    assert "column 'sex': not one of the allowed values (got '1')" in captured.err
