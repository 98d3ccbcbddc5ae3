"""Properties of the reader and the validator (hypothesis, derandomised).

- whatever the bytes or the cell text, the only error is our ValidationError;
- valid patients round-trip: the canonical frame holds exactly what was written, with
  the grades and grade change the scalar grading functions give;
- every injected bad cell is reported, at its row and column, and nothing else.
"""

import csv
import io
import math

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validation_helpers import BASE_ROWS, to_csv

from risk import grading, schema
from risk.data.reading import read_cells
from risk.data.validation import load_cohort, validate_cohort, validate_patient
from risk.errors import ValidationError

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
PURPOSES = st.sampled_from(["cohort", "training", "prediction"])


def _only_our_error(fn, *args):
    try:
        return fn(*args)
    except ValidationError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
        return None


# -- never anything but ValidationError ----------------------------------------------------

@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.binary(max_size=600))
def test_reader_on_arbitrary_bytes(data):
    frame = _only_our_error(read_cells, data)
    if frame is not None:
        assert all(isinstance(v, str) for v in frame.to_numpy().ravel())
        assert all(isinstance(c, str) for c in frame.columns)


header_text = st.sampled_from(list(schema.COLUMN_NAMES) + ["", "x", "name", " AGE "])
cell_text = st.one_of(st.text(max_size=12), st.sampled_from(
    ["", "NA", "none", "G2", "g3", "1", "0", "yes", "50", "-1", "1e400", "inf", "=1+1",
     "pancreas", "lt25", "poor", "007", "P1", "20.000000000000004", '"', ",", "\n"]))


@SETTINGS
@given(st.lists(header_text, min_size=1, max_size=8),
       st.lists(st.lists(cell_text, max_size=9), max_size=5), PURPOSES)
def test_loader_on_arbitrary_csv_text(header, lines, purpose):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(lines)
    _only_our_error(load_cohort, buffer.getvalue().encode("utf-8", "surrogatepass"), purpose)


@SETTINGS
@given(st.binary(max_size=300), PURPOSES)
def test_loader_on_arbitrary_bytes_after_a_valid_header(tail, purpose):
    _only_our_error(load_cohort, (",".join(schema.COLUMN_NAMES) + "\n").encode() + tail,
                    purpose)


@SETTINGS
@given(st.data(), PURPOSES)
def test_validator_on_arbitrary_cell_text(data, purpose):
    raw = pd.DataFrame(BASE_ROWS).reindex(columns=list(schema.COLUMN_NAMES), fill_value="")
    for _ in range(data.draw(st.integers(1, 6))):
        row = data.draw(st.integers(0, len(raw) - 1))
        name = data.draw(st.sampled_from(list(schema.COLUMN_NAMES)))
        raw.loc[row, name] = data.draw(cell_text)
    result = _only_our_error(validate_cohort, raw, purpose)
    if result is not None:
        assert result.n_patients == len(raw)


# -- valid patients round-trip ---------------------------------------------------------------

def _spelling(draw, code: str) -> str:
    """A category code as a person may write it: any case, padded."""
    cased = draw(st.sampled_from([code, code.lower(), code.upper(), code.title()]))
    return draw(st.sampled_from(["", " "])) + cased + draw(st.sampled_from(["", "  "]))


def _number(col: schema.Column):
    low = col.minimum
    return st.floats(low, col.maximum, exclude_min=col.exclusive_minimum, allow_nan=False)


@st.composite
def patients(draw, index: int) -> dict:
    """A valid patient: typed values within the schema, grades consistent."""
    patient = {"patient_id": f"P{index}-{draw(st.from_regex(r'[A-Za-z0-9_]{0,8}', fullmatch=True))}"}
    for col in schema.COLUMNS:
        if col.kind == "number" and col.name not in patient:
            value = draw(_number(col))
            patient[col.name] = value if col.required or col.outcome else draw(
                st.sampled_from([value, None]))
        elif col.kind == "category" and "grade" not in col.name:
            codes = [c for c in col.categories if c != "poor"]
            patient[col.name] = draw(st.sampled_from(codes + ([] if col.required else [None])))
        elif col.kind == "flag":
            patient[col.name] = draw(st.booleans())
        elif col.kind == "integer":
            patient[col.name] = draw(st.integers(int(col.minimum), int(col.maximum)))
    for site in ("primary", "met"):
        derived = grading.who_grade(patient[f"{site}_ki67"], patient[f"{site}_mitoses"])
        choices = [None, derived] if derived else [None, *schema.GRADES]
        patient[f"{site}_grade"] = draw(st.sampled_from(choices))
    if not any(grading.check_grade(patient[f"{s}_grade"], patient[f"{s}_ki67"],
                                   patient[f"{s}_mitoses"]).grade for s in ("primary", "met")):
        patient["primary_grade"] = draw(st.sampled_from(schema.GRADES))
    return patient


@st.composite
def cohorts(draw) -> list[dict]:
    n = draw(st.integers(1, 6))
    people = [draw(patients(i)) for i in range(n)]
    people[0]["death"] = True  # a training file needs a death
    return people


FLAG_WORDS = {True: schema.FLAG_TRUE, False: schema.FLAG_FALSE}


def _as_cell(draw, col: schema.Column, value) -> str:
    if value is None:
        return draw(st.sampled_from(["", " "] if col.required else ["", "NA", "null"]))
    if col.kind == "flag":
        return _spelling(draw, draw(st.sampled_from(FLAG_WORDS[bool(value)])))
    if col.kind == "category":
        return _spelling(draw, value)
    if col.kind == "integer":
        return str(value)
    if col.kind == "number":
        return repr(float(value))
    return value


@SETTINGS
@given(st.data())
def test_valid_patients_round_trip(data):
    people = data.draw(cohorts())
    records = [{c.name: _as_cell(data.draw, c, p.get(c.name)) for c in schema.COLUMNS}
               for p in people]
    result = load_cohort(to_csv(records).encode(), "training")
    frame = result.frame
    assert result.n_patients == len(people)
    assert result.n_deaths == sum(bool(p["death"]) for p in people)
    for i, person in enumerate(people):
        row = frame.iloc[i]
        for col in schema.COLUMNS:
            _assert_value(col, row[col.name], person.get(col.name))
        expected = {site: grading.check_grade(person[f"{site}_grade"], person[f"{site}_ki67"],
                                              person[f"{site}_mitoses"]).grade
                    for site in ("primary", "met")}
        assert (row.primary_grade, row.met_grade) == (expected["primary"], expected["met"])
        assert row.grade_change == grading.grade_change(expected["primary"], expected["met"])
        form = {k: v for k, v in person.items() if k not in schema.OUTCOME_COLUMNS}
        single = validate_patient(form).iloc[0]
        assert single.drop(["os_months", "death"]).equals(row.drop(["os_months", "death"]))


def _assert_value(col: schema.Column, got, wrote) -> None:
    if col.name in ("primary_grade", "met_grade"):
        return  # derived grades are checked against grading above
    if wrote is None:
        if col.default is not None:
            assert got == col.default
        else:
            assert got is None or (isinstance(got, float) and math.isnan(got))
    elif col.kind in ("flag", "integer"):
        assert got == int(wrote)
    else:
        assert got == wrote  # numbers exactly: no ulp lost on the way


# -- every injected bad cell is reported, and nothing else -------------------------------------

BAD_CELL = {"number": ["abc", "1e400", "-7", "12,5"], "integer": ["1.5", "x", "9"],
            "category": ["zzz", "G4", "poorly"], "flag": ["2", "maybe", "-1"],
            "text": ["a b", "x" * 65, "=cmd"]}


def _bad_value(draw, col: schema.Column) -> str:
    values = BAD_CELL[col.kind]
    if col.kind == "number":  # above the maximum, whatever the column
        values = values + [repr(col.maximum + 1)]
    return draw(st.sampled_from(values))


@SETTINGS
@given(st.data())
def test_every_bad_cell_is_reported_where_it_is(data):
    people = data.draw(cohorts())
    records = [{c.name: _as_cell(data.draw, c, p.get(c.name)) for c in schema.COLUMNS}
               for p in people]
    # cells a bad value cannot hide behind a cross-column rule: not the grades' inputs
    candidates = [c for c in schema.COLUMNS if "grade" not in c.name and "ki67" not in c.name
                  and "mitoses" not in c.name]
    injected = set()
    for _ in range(data.draw(st.integers(1, 5))):
        row = data.draw(st.integers(0, len(records) - 1))
        col = data.draw(st.sampled_from(candidates))
        records[row][col.name] = _bad_value(data.draw, col)
        injected.add((row + 1, col.name))
    try:
        load_cohort(to_csv(records).encode(), "training")
    except ValidationError as exc:
        assert {(p.row, p.column) for p in exc.problems} == injected
    else:
        raise AssertionError(f"bad cells {sorted(injected)} passed validation")
