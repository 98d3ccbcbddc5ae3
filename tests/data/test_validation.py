"""Cohort and single-patient validation: the malformed corpus, then one test per rule."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from validation_helpers import BASE_ROWS, rows, to_csv

from risk import schema
from risk.data.cells import MAX_LISTED_PROBLEMS
from risk.data.validation import (
    CohortResult,
    canonicalise,
    load_cohort,
    median_follow_up,
    validate_cohort,
    validate_patient,
)
from risk.errors import ValidationError

CORPUS = Path(__file__).parent / "malformed"

# Each file: the exact problems expected, as (row, column, words in the line), the words
# separated by " | " when they are not next to each other.
MALFORMED = {
    "latin1.csv": [(None, None, "not UTF-8 text: line 2 holds the byte 0xf4")],
    "utf16_bom.csv": [(None, None, "UTF-16")],
    "utf16_no_bom.csv": [(None, None, "NUL bytes")],
    "binary.csv": [(None, None, "not UTF-8 text: line 1 holds the byte 0x89")],
    "workbook.csv": [(None, None, "the workbook cannot be read")],
    "empty.csv": [(None, None, "the file is empty")],
    "whitespace_only.csv": [(None, None, "the file is empty")],
    "header_only.csv": [(None, None, "no patient rows")],
    "ragged_rows.csv": [(None, None, "line 5 has 22 values but the header has 21 columns")],
    "unclosed_quote.csv": [(None, None, "never closed")],
    "missing_required_columns.csv": [(None, "age", "required column is missing"),
                                     (None, "ecog", "required column is missing")],
    "identifier_columns.csv": [(None, name, "direct identifier | remove this column")
                               for name in ("patient name", "mrn", "dob", "email")],
    "duplicate_header.csv": [(None, "age", "appears more than once")],
    "renamed_id_column.csv": [(None, "patient_id", "found 'patient id': rename it")],
    "wrong_types.csv": [(1, "age", "not a number (got 'sixty')"),
                        (2, "ecog", "not a number (got 'one')"),
                        (3, "extrahepatic_mets", "not a 0/1 flag (got 'maybe')"),
                        (4, "primary_ki67", "use '.' as the decimal point (got '12,5')")],
    "out_of_range.csv": [(1, "age", "out of range (got '17'); allowed: a number >= 18 and <= 100 (years)"),
                         (2, "primary_ki67", "out of range (got '101')"),
                         (3, "met_mitoses", "out of range (got '-1')"),
                         (3, "ecog", "out of range (got '5'); allowed: a whole number from 0 to 4"),
                         (4, "os_months", "out of range (got '0'); allowed: a number > 0")],
    "cells_counted_out_of_range.csv": [
        (1, "met_cells_counted", "out of range (got '99'); allowed: a whole number from 100 "
                                 "to 100,000 (cells); blank = 500"),
        (2, "primary_cells_counted", "not a whole number (got '500.5')"),
        (3, "met_cells_counted", "without a thousands separator (2000, not 2,000) (got "
                                 "'2,000')"),
        (4, "primary_cells_counted", "out of range (got '100001')"),
        (4, "met_cells_counted", "not a number (got 'many')")],
    "grade_contradicts_ki67.csv": [
        (1, "primary_grade", "grade G1 contradicts Ki-67 25%, which give G3 (got 'G1')"),
        (3, "met_grade", "grade G3 contradicts Ki-67 2% and 1 mitoses per 2 mm², which "
                         "give G1")],
    "duplicate_ids.csv": [(1, "patient_id", "not unique (also in rows 2, 4) (got 'P001')"),
                          (2, "patient_id", "not unique (also in rows 1, 4)"),
                          (4, "patient_id", "not unique (also in rows 1, 2)")],
    "na_text_in_required.csv": [(1, "age", "missing-value text is not accepted | (got 'NA')"),
                                (2, "sex", "missing-value text is not accepted | (got 'null')"),
                                (3, "ecog", "missing-value text is not accepted | (got 'None')")],
    "formula_text.csv": [(1, "patient_id", "not a valid study code (got \"=cmd|' /C calc'!A0\")"),
                         (2, "sex", "not one of the allowed values (got '=1+1')"),
                         (3, "primary_site", "not one of the allowed values (got '@SUM(A1:A9)')")],
    "poor_differentiation.csv": [(2, "differentiation", "outside this tool's intended use"),
                                 (4, "differentiation", "outside this tool's intended use")],
    "no_grade.csv": [(2, "primary_grade", "no grade for the primary tumor or the liver biopsy")],
    "blank_line_then_error.csv": [(4, "age", "out of range (got '5')")],
}
# Files whose problems depend on the purpose.
BY_PURPOSE = {
    ("all_censored.csv", "training"): [(None, "death", "every patient is censored")],
    ("outcome_without_death.csv", "training"): [
        (None, "death", "required column is missing for training")],
    ("outcome_without_death.csv", "cohort"): [
        (None, "death", "has os_months but not death: give both outcome columns or neither")],
}
VALID_FILES = ["utf8_bom.csv", "crlf.csv", "semicolons.csv", "mixed_case_and_spaces.csv",
               "extra_columns.csv"]


def _found(exc: ValidationError) -> list[tuple]:
    return [(p.row, p.column, str(p)) for p in exc.problems]


def _assert_problems(exc: ValidationError, expected: list[tuple]) -> None:
    found = _found(exc)
    assert [(r, c) for r, c, _ in found] == [(r, c) for r, c, _ in expected], found
    for (_, _, line), (_, _, words) in zip(found, expected, strict=True):
        assert all(part in line for part in words.split(" | ")), (line, words)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_corpus_lists_exactly_its_problems(name):
    purposes = ["cohort", "training", "prediction"]
    if name in ("out_of_range.csv",):
        purposes = ["training", "cohort"]  # os_months is ignored for a prediction
    for purpose in purposes:
        with pytest.raises(ValidationError) as exc_info:
            load_cohort(CORPUS / name, purpose)
        _assert_problems(exc_info.value, MALFORMED[name])


@pytest.mark.parametrize(("name", "purpose"), sorted(BY_PURPOSE))
def test_malformed_corpus_by_purpose(name, purpose):
    with pytest.raises(ValidationError) as exc_info:
        load_cohort(CORPUS / name, purpose)
    _assert_problems(exc_info.value, BY_PURPOSE[name, purpose])


def test_the_same_files_pass_where_the_rule_does_not_apply():
    assert load_cohort(CORPUS / "all_censored.csv", "cohort").n_deaths == 0
    assert load_cohort(CORPUS / "outcome_without_death.csv", "prediction").ignored_columns == [
        "os_months"]


def test_the_corpus_is_what_make_corpus_writes():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.corpus()
    assert sorted(written) == sorted(p.name for p in CORPUS.glob("*.csv"))
    for name, data in written.items():
        assert (CORPUS / name).read_bytes() == data, name


def test_every_corpus_file_is_covered():
    files = {p.name for p in CORPUS.glob("*.csv")}
    covered = set(MALFORMED) | {n for n, _ in BY_PURPOSE} | set(VALID_FILES)
    assert files == covered


def expected_canonical() -> pd.DataFrame:
    """BASE_ROWS as the canonical frame, written out by hand from the data dictionary."""
    nan = math.nan
    return pd.DataFrame({
        "patient_id": ["P001", "P002", "P003", "P004"],
        "age": [64.0, 71.5, 55.0, 48.0],
        "sex": ["female", "male", "female", "male"],
        "primary_site": ["pancreas", "small_intestine", "unknown", "rectum"],
        "primary_ki67": [5.0, 1.5, nan, 2.0],
        "primary_cells_counted": [500] * 4,  # blank: the default
        "primary_mitoses": [nan, nan, nan, 1.0],
        "primary_grade": ["G2", "G1", None, "G1"],
        "met_ki67": [25.0, nan, 8.0, 15.0],
        "met_cells_counted": [500] * 4,
        "met_mitoses": [nan, nan, 3.0, nan],
        "met_grade": ["G3", None, "G2", "G2"],
        "differentiation": ["well"] * 4,
        "met_timing": ["synchronous", "metachronous", "synchronous", "metachronous"],
        "liver_burden": ["lt25", "25to50", "gt50", "lt25"],
        "extrahepatic_mets": [0, 0, 1, 0],
        "primary_resected": [1, 0, 0, 1],
        "functional_syndrome": [0, 1, 0, 0],
        "ecog": [1, 0, 2, 0],
        "sstr_status": ["positive", "negative", "unknown", "positive"],
        "biopsy_complication": ["none", None, "minor", "none"],
        "os_months": [30.5, 84.0, 12.25, 60.0],
        "death": [1, 0, 1, 0],
        "grade_change": ["upgraded", "unknown", "unknown", "upgraded"],
        "grade_change_steps": [1.0, nan, nan, 1.0],
    }).astype({c: object for c in ("patient_id", "sex", "primary_site", "primary_grade",
                                    "met_grade", "differentiation", "met_timing",
                                    "liver_burden", "sstr_status", "biopsy_complication",
                                    "grade_change")})


@pytest.mark.parametrize("name", VALID_FILES)
def test_awkward_but_valid_files_give_the_canonical_frame(name):
    result = load_cohort(CORPUS / name, "training")
    pd.testing.assert_frame_equal(result.frame, expected_canonical())
    assert result.ignored_columns == (["centre", "notes"] if name == "extra_columns.csv" else [])


def test_result_summary_for_a_valid_training_file():
    result = load_cohort(to_csv(BASE_ROWS).encode(), "training")
    assert isinstance(result, CohortResult)
    assert (result.n_patients, result.n_deaths) == (4, 2)
    # reverse KM by hand: 'alive' at 60 (2 at risk -> 0.5) and at 84 (-> 0): flat at 1/2
    # from 60 to 84, so R's midpoint, 72. R: summary(survfit(Surv(c(30.5, 84, 12.25, 60),
    # c(0, 1, 0, 1)) ~ 1))$table["median"] is 72.
    assert result.median_follow_up_months == 72.0
    assert result.notes == ["met_grade derived from Ki-67/mitoses in 1 row",
                            "sstr_status blank in 1 row, read as 'unknown'",
                            "differentiation blank in 1 row, read as 'well'"]
    assert list(result.frame.columns) == list(schema.COLUMN_NAMES) + list(
        schema.DERIVED_COLUMNS)


# -- parsing rules -----------------------------------------------------------------------

def _load(records, purpose="cohort", columns=None):
    return load_cohort(to_csv(records, columns).encode(), purpose)


def _problems(records, purpose="cohort", columns=None):
    with pytest.raises(ValidationError) as exc_info:
        _load(records, purpose, columns)
    return exc_info.value.problems


def test_categories_and_flags_are_matched_case_insensitively_after_trimming():
    frame = _load(rows({"sex": "  MALE ", "primary_site": "Pancreas", "met_grade": "g3",
                        "liver_burden": "LT25", "extrahepatic_mets": " Yes",
                        "primary_resected": "FALSE", "functional_syndrome": "true",
                        "death": "no", "sstr_status": "Unknown"})).frame
    first = frame.iloc[0]
    assert (first.sex, first.primary_site, first.met_grade, first.liver_burden) == (
        "male", "pancreas", "G3", "lt25")
    assert (first.extrahepatic_mets, first.primary_resected, first.functional_syndrome,
            first.death) == (1, 0, 1, 0)
    assert first.sstr_status == "unknown"


@pytest.mark.parametrize("word", schema.MISSING_WORDS + ("NA", "NULL", "N/A", "NaN"))
def test_missing_words_are_an_error_in_a_required_column(word):
    problems = _problems(rows({"met_timing": word}))
    assert [(p.row, p.column, p.value) for p in problems] == [(1, "met_timing", word)]
    assert "missing-value text is not accepted" in problems[0].message


@pytest.mark.parametrize("word", ["NA", "n/a", "null", "None", "-", "nan"])
def test_missing_words_are_missing_in_an_optional_column(word):
    frame = _load(rows({"primary_mitoses": word, "sstr_status": word,
                        "met_grade": word})).frame
    assert math.isnan(frame.loc[0, "primary_mitoses"])
    assert frame.loc[0, "sstr_status"] == "unknown"
    assert frame.loc[0, "met_grade"] == "G3"  # blank: derived from Ki-67 25%


def test_a_category_code_wins_over_a_missing_word():
    frame = _load(rows({"biopsy_complication": "None"}, {"biopsy_complication": "NA"})).frame
    assert frame["biopsy_complication"].tolist()[:2] == ["none", None]


def test_blank_required_cell_is_reported_with_what_is_allowed():
    (problem,) = _problems(rows({"liver_burden": ""}))
    assert (problem.row, problem.column, problem.message) == (1, "liver_burden",
                                                              "required but empty")
    assert problem.allowed == "one of lt25, 25to50, gt50"


def test_patient_id_is_kept_as_text():
    frame = _load(rows({"patient_id": "007"}, {"patient_id": "0042"}, {"patient_id": "1e3"},
                       {"patient_id": "a" * 64})).frame
    assert frame["patient_id"].tolist() == ["007", "0042", "1e3", "a" * 64]


@pytest.mark.parametrize("bad_id", ["P 1", "a" * 65, "P1!", "Jöns", "P1;DROP"])
def test_patient_id_pattern(bad_id):
    (problem,) = _problems(rows({"patient_id": bad_id}))
    assert (problem.row, problem.column, problem.message) == (1, "patient_id",
                                                              "not a valid study code")


NUMBER_COLUMNS = [c for c in schema.COLUMNS if c.kind in ("number", "integer")]


@pytest.mark.parametrize("col", NUMBER_COLUMNS, ids=lambda c: c.name)
def test_bounds_come_from_the_schema(col):
    low, high = col.minimum, col.maximum
    inside = [high] + ([low + 0.5 if col.kind == "number" else low + 1]
                       if col.exclusive_minimum else [low])
    ungraded = {"primary_grade": "", "met_grade": ""}  # derived: no contradiction to report
    for value in inside:
        frame = _load(rows({col.name: f"{value:g}", **ungraded}), "training").frame
        assert frame.loc[0, col.name] == value
    outside = [high + 1, low - 1] + ([low] if col.exclusive_minimum else [])
    for value in outside:
        problems = _problems(rows({col.name: f"{value:g}", **ungraded}), "training")
        assert [(p.row, p.column, p.message) for p in problems
                if p.column == col.name] == [(1, col.name, "out of range")]
        assert problems[0].allowed == col.allowed()


def test_ecog_must_be_a_whole_number():
    assert _load(rows({"ecog": "2.0"})).frame.loc[0, "ecog"] == 2
    (problem,) = _problems(rows({"ecog": "2.5"}))
    assert (problem.column, problem.message, problem.value) == ("ecog", "not a whole number",
                                                                "2.5")


CELLS = ("primary_cells_counted", "met_cells_counted")


def test_cells_counted_are_optional_whole_numbers_and_blank_is_500():
    """Schema version 2: a version-1 file (no such columns) reads as 500 cells counted;
    a given count is kept, a blank one is 500, as the data dictionary says."""
    old = _load(BASE_ROWS).frame
    assert (old[list(CELLS)] == 500).all().all()
    assert all(old[c].dtype == "int64" for c in CELLS)
    given = _load(rows({"met_cells_counted": "1200", "primary_cells_counted": ""},
                       {"primary_cells_counted": "100", "met_cells_counted": "100000"})).frame
    assert given[list(CELLS)].to_numpy().tolist() == [[500, 1200], [100, 100000],
                                                      [500, 500], [500, 500]]
    for value in ("99", "100001", "150.5"):
        (problem,) = _problems(rows({}, {}, {"met_cells_counted": value}))
        assert (problem.row, problem.column, problem.value) == (3, "met_cells_counted", value)
        assert problem.allowed == "a whole number from 100 to 100,000 (cells); blank = 500"


def test_the_forms_cells_counted_are_checked_like_a_files():
    values = {k: v for k, v in BASE_ROWS[0].items() if k not in ("os_months", "death")}
    frame = validate_patient({**values, "met_cells_counted": 800.0})
    assert frame.loc[0, "met_cells_counted"] == 800
    assert frame.loc[0, "primary_cells_counted"] == schema.DEFAULT_CELLS_COUNTED
    with pytest.raises(ValidationError) as exc_info:
        validate_patient({**values, "primary_cells_counted": 50})
    (problem,) = exc_info.value.problems
    assert (problem.row, problem.column, problem.message) == (
        None, "primary_cells_counted", "out of range")


def test_grade_from_mitoses_wins_when_higher():
    # Ki-67 1% alone gives G1; 25 mitoses per 2 mm² give G3: G3 is consistent.
    frame = _load(rows({"primary_ki67": "1", "primary_mitoses": "25",
                        "primary_grade": "G3"})).frame
    assert frame.loc[0, "primary_grade"] == "G3"
    (problem,) = _problems(rows({"primary_ki67": "1", "primary_mitoses": "25",
                                 "primary_grade": "G1"}))
    assert problem.message == ("grade G1 contradicts Ki-67 1% and 25 mitoses per 2 mm², "
                               "which give G3")


def test_derived_grades_and_grade_change():
    frame = _load(rows({"primary_grade": "", "primary_ki67": "21", "met_grade": "",
                        "met_ki67": "2.9"},
                       {"primary_grade": "", "primary_ki67": "", "primary_mitoses": "2",
                        "met_grade": "G2"})).frame
    assert frame.loc[0, ["primary_grade", "met_grade", "grade_change"]].tolist() == [
        "G3", "G1", "downgraded"]
    assert frame.loc[0, "grade_change_steps"] == -2
    assert frame.loc[1, ["primary_grade", "grade_change", "grade_change_steps"]].tolist() == [
        "G2", "concordant", 0]


def test_a_bad_ki67_does_not_also_report_a_contradiction_or_a_missing_grade():
    problems = _problems(rows({"primary_ki67": "abc", "primary_grade": "G3"},
                              {"primary_ki67": "x", "primary_grade": "", "met_ki67": "",
                               "met_grade": ""}))
    assert [(p.row, p.column) for p in problems] == [(1, "primary_ki67"), (2, "primary_ki67")]


def test_a_file_without_any_grade_column_says_so_once():
    columns = [c for c in schema.COLUMN_NAMES if "grade" not in c and "ki67" not in c
               and "mitoses" not in c]
    (problem,) = _problems(BASE_ROWS, columns=columns)
    assert (problem.row, problem.column) == (None, "primary_grade")
    assert "no grade columns" in problem.message


@pytest.mark.parametrize("purpose", ["cohort", "training", "prediction"])
def test_poor_differentiation_is_refused_for_every_purpose(purpose):
    problems = _problems(rows({}, {"differentiation": "poor"}, {"differentiation": " POOR"}),
                         purpose)
    assert [(p.row, p.column, p.value) for p in problems] == [
        (2, "differentiation", "poor"), (3, "differentiation", "poor")]


def test_unknown_columns_are_listed_in_file_order_and_ignored():
    columns = ["zeta"] + list(schema.COLUMN_NAMES) + ["centre", "zeta2"]
    result = _load(rows({"zeta": "=1+1", "centre": "x"}), columns=columns)
    assert result.ignored_columns == ["zeta", "centre", "zeta2"]
    assert "zeta" not in result.frame


@pytest.mark.parametrize("header", ["Name", "Patient Name", "surname", "MRN", "mrn_number",
                                    "Medical Record Number", "date_of_birth", "DOB",
                                    "Address", "phone", "E-mail", "email", "SSN", "zip"])
def test_identifier_like_columns_are_refused_without_echoing_their_cells(header):
    columns = list(schema.COLUMN_NAMES) + [header]
    problems = _problems(rows({header: "Jane Roe 1960"}), columns=columns)
    assert [(p.row, p.column) for p in problems] == [(None, header.lower())]
    assert "remove this column" in problems[0].message
    assert "Jane" not in str(problems[0])


def test_prediction_ignores_outcome_columns_and_their_values():
    result = _load(rows({"os_months": "-5", "death": "dead"}), "prediction")
    assert result.ignored_columns == ["os_months", "death"]
    assert result.n_deaths is None and result.median_follow_up_months is None
    assert result.frame["os_months"].isna().all() and result.frame["death"].isna().all()
    assert "outcome columns ignored for a prediction: os_months, death" in result.notes


def test_cohort_outcomes_are_checked_when_present_and_optional_when_absent():
    no_outcomes = [c for c in schema.COLUMN_NAMES if c not in schema.OUTCOME_COLUMNS]
    result = _load(BASE_ROWS, columns=no_outcomes)
    assert result.n_deaths is None and result.median_follow_up_months is None
    problems = _problems(rows({"os_months": ""}, {"death": "2"}))
    assert [(p.row, p.column, p.message) for p in problems] == [
        (1, "os_months", "required but empty"), (2, "death", "not a 0/1 flag")]


def test_training_needs_outcome_columns():
    no_outcomes = [c for c in schema.COLUMN_NAMES if c not in schema.OUTCOME_COLUMNS]
    problems = _problems(BASE_ROWS, "training", columns=no_outcomes)
    assert [(p.column, p.message) for p in problems] == [
        ("os_months", "required column is missing for training"),
        ("death", "required column is missing for training")]


def test_row_numbers_count_data_rows_from_one_including_blank_lines():
    text = to_csv(rows({}, {"age": "7"})).replace("\nP002", "\n\n\nP002")
    with pytest.raises(ValidationError) as exc_info:
        load_cohort(text.encode())
    assert [(p.row, p.column) for p in exc_info.value.problems] == [(4, "age")]


def test_every_problem_is_reported_at_once_in_file_then_row_order():
    columns = ["mrn"] + [c for c in schema.COLUMN_NAMES if c != "ecog"]
    problems = _problems(rows({"sex": "x", "age": "x"}, {}, {"liver_burden": "half"}),
                         columns=columns)
    assert [(p.row, p.column) for p in problems] == [
        (None, "mrn"), (None, "ecog"), (1, "age"), (1, "sex"), (3, "liver_burden")]
    for p in problems[2:]:
        assert p.value is not None and p.allowed


def test_the_number_of_listed_problems_is_capped():
    many = [dict(BASE_ROWS[0], patient_id=f"P{i}", age="150") for i in range(450)]
    with pytest.raises(ValidationError) as exc_info:
        load_cohort(to_csv(many).encode())
    problems = exc_info.value.problems
    assert len(problems) == MAX_LISTED_PROBLEMS + 1
    assert [p.row for p in problems[:-1]] == list(range(1, MAX_LISTED_PROBLEMS + 1))
    assert problems[-1].message.startswith("... and 250 more problems not listed")
    assert exc_info.value.summary == "450 problems found (the first 200 are listed)"


def test_long_values_are_shortened_in_messages():
    (problem,) = _problems(rows({"sex": "x" * 500}))
    assert len(problem.value) == 60 and problem.value.endswith("...")


def test_a_frame_of_other_types_is_read_as_text():
    raw = pd.DataFrame([{**BASE_ROWS[0], "age": 64, "ecog": 1, "primary_mitoses": None,
                         "met_mitoses": np.nan}])
    frame = validate_cohort(raw, "training").frame
    assert frame.loc[0, "age"] == 64.0 and frame.loc[0, "ecog"] == 1


def test_unknown_purpose_is_a_programming_error():
    with pytest.raises(ValueError, match="purpose must be one of"):
        load_cohort(b"a\n1\n", "fitting")


# -- canonical frame -----------------------------------------------------------------------

def test_canonicalise_fills_defaults_derives_grades_and_keeps_the_index():
    typed = pd.DataFrame({"patient_id": ["A", "B"], "met_ki67": [30.0, np.nan],
                          "primary_grade": ["G2", None], "primary_mitoses": [1.0, 30.0],
                          "ecog": [1.0, 0.0]}, index=[7, 9])
    frame = canonicalise(typed)
    assert list(frame.index) == [7, 9]
    assert list(frame.columns) == list(schema.COLUMN_NAMES) + list(schema.DERIVED_COLUMNS)
    # an entered grade is kept (contradictions are validation's job): G2 stays G2
    assert frame["primary_grade"].tolist() == ["G2", "G3"]
    assert frame["met_grade"].tolist() == ["G3", None]
    assert frame["grade_change"].tolist() == ["upgraded", "unknown"]
    assert frame["sstr_status"].tolist() == ["unknown", "unknown"]
    assert frame["differentiation"].tolist() == ["well", "well"]
    assert frame["ecog"].dtype == np.int64
    assert frame["death"].dtype == np.float64 and frame["death"].isna().all()


# -- follow-up -----------------------------------------------------------------------------

def test_median_follow_up_matches_lifelines_reverse_kaplan_meier():
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(3)
    for n in (5, 40, 500):
        months = np.round(rng.exponential(40, n), 0) + 1  # rounded: many ties
        death = rng.integers(0, 2, n)
        reverse = KaplanMeierFitter().fit(months, event_observed=1 - death)
        expected = reverse.median_survival_time_
        got = median_follow_up(months, death)
        assert (got is None and np.isinf(expected)) or got == expected


def test_median_follow_up_edge_cases():
    assert median_follow_up([], []) is None
    assert median_follow_up([5, 10], [1, 1]) is None  # nobody censored: not estimable
    assert median_follow_up([5, 10, 20], [0, 0, 0]) == 10.0


# -- one patient from the form ----------------------------------------------------------------

FORM = {"age": 64, "sex": "female", "primary_site": "pancreas", "primary_ki67": 5.0,
        "primary_grade": "G2", "met_ki67": np.float64(25), "met_grade": None,
        "met_timing": "synchronous", "liver_burden": "lt25", "extrahepatic_mets": False,
        "primary_resected": np.True_, "functional_syndrome": 0, "ecog": np.int64(1),
        "sstr_status": "positive", "biopsy_complication": None, "primary_mitoses": math.nan}


def test_a_valid_form_gives_the_same_row_as_a_file():
    frame = validate_patient(FORM)
    record = {k: ("" if v is None or (isinstance(v, float) and math.isnan(v)) else v)
              for k, v in FORM.items()}
    record.update(extrahepatic_mets="0", primary_resected="1", patient_id="patient")
    from_file = load_cohort(to_csv([record]).encode(), "prediction").frame
    pd.testing.assert_frame_equal(frame, from_file)
    assert frame.loc[0, "met_grade"] == "G3" and frame.loc[0, "grade_change"] == "upgraded"


def test_a_form_value_keeps_its_precision():
    frame = validate_patient({**FORM, "met_ki67": 20.000000000000004, "met_grade": None})
    assert frame.loc[0, "met_ki67"] == 20.000000000000004
    assert frame.loc[0, "met_grade"] == "G3"  # just above 20%: G3


def test_form_problems_name_their_field_and_no_row():
    values = {**FORM, "age": 17, "sex": "other", "met_grade": "G1", "ecog": None,
              "differentiation": "poor", "weight": 70, "patient_id": "Jane Roe"}
    with pytest.raises(ValidationError) as exc_info:
        validate_patient(values)
    problems = exc_info.value.problems
    assert {p.row for p in problems} == {None}
    assert [p.column for p in problems] == [
        "weight", "patient_id", "age", "sex", "met_grade", "differentiation", "ecog"]


def test_a_form_without_any_grade_is_refused_on_the_grade_field():
    values = {**FORM, "primary_ki67": None, "primary_grade": None, "met_ki67": None}
    with pytest.raises(ValidationError) as exc_info:
        validate_patient(values)
    assert [(p.column, p.row) for p in exc_info.value.problems] == [("primary_grade", None)]


def test_a_form_ignores_outcomes_and_names_the_patient():
    frame = validate_patient({**FORM, "os_months": -1, "death": 7})
    assert frame.loc[0, "patient_id"] == "patient"
    assert np.isnan(frame.loc[0, "death"])
    assert validate_patient({**FORM, "patient_id": "B-12"}).loc[0, "patient_id"] == "B-12"


def test_flags_written_as_floats_are_read():
    """pandas writes a 0/1 column holding a blank as 0.0/1.0: that is still a flag."""
    from risk.synthetic.generator import cohort_csv_text, generate_cohort

    frame = generate_cohort(30, seed=3)
    text = cohort_csv_text(frame)
    header, *rows = text.splitlines()
    col = header.split(",").index("death")
    floats = []
    for line in rows:
        cells = line.split(",")
        cells[col] = cells[col] + ".0"
        floats.append(",".join(cells))
    result = load_cohort("\n".join([header, *floats]).encode(), purpose="training")
    assert list(result.frame["death"]) == list(frame["death"].astype(int))
