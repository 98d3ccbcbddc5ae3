"""The cohort's risk under the served model (fast path) equals the full prediction; the
upload helpers refuse what they must and list problems as a table."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from cohort_frames import make_cohort

from risk.cohort.risk_groups import cohort_risk
from risk.errors import Problem, ValidationError
from risk.model import BiopsyRiskModel
from risk.model.prediction import describe_cutpoints
from risk.schema import label
from riskapp.uploads import check_upload_name, problems_table, read_upload


@pytest.fixture(scope="module")
def fitted():
    return BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(make_cohort(400, seed=3))


def test_fast_risk_equals_the_full_prediction(fitted):
    frame = make_cohort(500, seed=21)  # has patients without a liver grade
    frame.index = frame.index * 3 + 7  # a filtered frame's index is not 0..n-1
    full = fitted.predict(frame).table
    fast = cohort_risk(fitted, frame).table
    assert (fast.index == frame.index).all()
    np.testing.assert_allclose(fast["surv_60"].to_numpy(), full["surv_60"].to_numpy(),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(fast["risk_60"], 1 - full["surv_60"].to_numpy(), atol=1e-14)
    assert (fast["model_used"].to_numpy() == full["model_used"].to_numpy()).all()
    words = full["risk_group"].map(lambda g: label("risk_group", g)).to_numpy()
    assert (fast["risk_group"].astype(str).to_numpy() == words).all()
    assert set(full["model_used"]) == {"biopsy", "primary_only"}


def test_risk_groups_are_ordered_low_to_high(fitted):
    result = cohort_risk(fitted, make_cohort(300, seed=5))
    groups = result.groups()
    assert list(groups.cat.categories) == ["Low risk", "Intermediate risk", "High risk"]
    mean = result.table.groupby("risk_group", observed=True)["surv_60"].mean()
    assert mean.is_monotonic_decreasing
    assert np.all((result.risk_percent() >= 0) & (result.risk_percent() <= 100))


def test_cutpoints_in_words():
    text = describe_cutpoints([0.5, 0.75])
    assert "below 50%" in text and "75% or more" in text
    assert "no risk cut-points" in describe_cutpoints(None)


@pytest.mark.parametrize("name", ["cohort.csv.exe", "cohort", "data.pdf", "cohort.ods"])
def test_a_name_that_is_not_a_csv_or_workbook_is_refused(name):
    with pytest.raises(ValidationError) as caught:
        check_upload_name(name)
    assert name in caught.value.problems[0].message


@pytest.mark.parametrize("name", ["cohort.csv", "Cohort.XLSX"])
def test_a_csv_or_workbook_name_is_accepted(name):
    check_upload_name(name)  # the reader then checks the bytes


def test_a_csv_upload_is_read_whole_and_left_where_it_was():
    stream = io.BytesIO(b"patient_id,age\nP1,60\n")
    stream.name = "Board.CSV"
    upload = read_upload(stream)
    assert upload.name == "Board.CSV" and upload.data == b"patient_id,age\nP1,60\n"
    assert stream.tell() == 0


def test_problems_table_keeps_every_problem_as_text():
    problems = [Problem("looks like a direct identifier", column="name"),
                Problem("not a number", row=3, column="age", value="sixty",
                        allowed="a number from 18 to 100")]
    table = problems_table(problems)
    assert table.to_dict("records") == [
        {"Row": "", "Column": "name", "Value": "", "Problem": "looks like a direct identifier",
         "Allowed": ""},
        {"Row": "3", "Column": "age", "Value": "sixty", "Problem": "not a number",
         "Allowed": "a number from 18 to 100"}]
    assert list(problems_table([]).columns) == ["Row", "Column", "Value", "Problem", "Allowed"]
    assert isinstance(table, pd.DataFrame)
