"""The reference test pack of a model (risk.model.testpack): built deterministically from
valid inputs, reproduced by the model that built it, and failing, naming the patient and
the field, when an expected value or the model differs."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from cohort_frames import make_cohort

from risk.errors import ModelError
from risk.i18n import using_language
from risk.model import BiopsyRiskModel, build_pack, check_pack
from risk.model.testpack import TOLERANCE
from risk.model.testpack_patients import GRADE_PAIRS, pack_patients

pytestmark = pytest.mark.xdist_group("testpack")


@pytest.fixture(scope="module")
def model() -> BiopsyRiskModel:
    return BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(make_cohort(400, seed=5))


@pytest.fixture(scope="module")
def pack(model) -> bytes:
    return build_pack(model)


def rows_of(pack: bytes) -> tuple[list[str], list[list[str]]]:
    table = list(csv.reader(io.StringIO(pack.decode("utf-8-sig"), newline="")))
    return table[0], table[1:]


def edited(pack: bytes, patient: str, field: str, change) -> tuple[bytes, str]:
    """``pack`` with one cell changed (``change(old) -> new``); returns it and the old."""
    header, rows = rows_of(pack)
    j = header.index(f"expected_{field}")
    row = next(r for r in rows if r[0] == patient)
    old, row[j] = row[j], change(row[j])
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8"), old


def test_the_model_that_built_the_pack_reproduces_it(model, pack):
    check = check_pack(model, pack)
    assert check.passed and check.differences == () and check.differing_fields == 0
    assert check.patients == check.agreeing >= 1000
    assert check.fields >= 20  # every horizon with its interval, median, group, model...


def test_the_pack_is_the_same_bytes_every_time(model, pack):
    assert build_pack(model) == pack


def test_a_pack_is_built_and_reproduced_in_english_whatever_the_language(model, pack):
    """A Chinese page verifying the installation compared Chinese flags with the pack's
    English ones and said the installation did not reproduce the version."""
    with using_language("zh_Hans"):
        assert build_pack(model) == pack
        assert check_pack(model, pack).passed


def test_an_edited_survival_fails_naming_the_patient_field_and_values(model, pack):
    copy, old = edited(pack, "pair-G2-G3-base", "surv_60", lambda v: f"{float(v) + 1e-6:.12g}")
    check = check_pack(model, copy)
    assert not check.passed
    assert check.agreeing == check.patients - 1 and check.differing_fields == 1
    (difference,) = check.differences
    assert (difference.patient_id, difference.field, difference.got) == \
        ("pair-G2-G3-base", "surv_60", old)
    assert "pair-G2-G3-base" in str(difference) and "surv_60" in check.summary()


def test_survival_agrees_to_1e_9_and_no_further(model, pack):
    within, _ = edited(pack, "random-0007", "surv_12", lambda v: repr(float(v) + 0.2e-9))
    assert check_pack(model, within).passed
    beyond, _ = edited(pack, "random-0007", "surv_12", lambda v: repr(float(v) + 5e-9))
    assert not check_pack(model, beyond).passed
    assert TOLERANCE == 1e-9


@pytest.mark.parametrize("field, change", [
    ("risk_group", lambda v: "high" if v != "high" else "low"),
    ("model_used", lambda v: "primary_only" if v == "biopsy" else "biopsy"),
    ("median_os_months", lambda v: "" if v else "60"),  # a blank is not a number
])
def test_groups_models_and_blanks_must_agree_exactly(model, pack, field, change):
    copy, _ = edited(pack, "pair-G1-blank-ecog-4", field, change)
    check = check_pack(model, copy)
    assert [(d.patient_id, d.field) for d in check.differences] == \
        [("pair-G1-blank-ecog-4", field)]


def test_a_model_with_one_coefficient_changed_fails_the_pack(model, pack):
    params = model.to_dict()
    names = [c["name"] for c in params["biopsy_model"]["columns"]]
    params["biopsy_model"]["coefficients"][names.index("met_grade[G3]")] += 1e-6
    check = check_pack(BiopsyRiskModel.from_dict(params), pack)
    assert not check.passed and len(check.differences) == 20
    # the biopsy model's patients differ (its terms are centred), none of the comparator's
    header, rows = rows_of(pack)
    used = {r[0]: r[header.index("expected_model_used")] for r in rows}
    assert {used[d.patient_id] for d in check.differences} == {"biopsy"}
    comparator = list(used.values()).count("primary_only")
    assert comparator > 100 and comparator <= check.agreeing < comparator + 10


def test_a_field_no_longer_computed_differs_for_every_patient(model, pack):
    text = pack.replace(b"expected_surv_36_lower", b"expected_surv_37_lower")
    check = check_pack(model, text)
    assert check.agreeing == 0 and check.differences[0].field == "surv_37_lower"
    assert check.differences[0].got == "(not computed)"


@pytest.mark.parametrize("data", [b"", b"patient_id,age\r\nx,50\r\n", b"\xff\xfe"])
def test_a_file_that_is_not_a_pack_is_refused_clearly(model, data):
    with pytest.raises(ModelError, match="test pack"):
        check_pack(model, data)


def test_the_patients_span_every_grade_pair_level_and_edge(model):
    patients = pack_patients(model.training_summary_, model.alive_limit_months)
    assert len(patients) >= 1000 and patients["patient_id"].is_unique
    entered = set(zip(patients["primary_grade"], patients["met_grade"], strict=True))
    assert set(GRADE_PAIRS) <= entered and len(GRADE_PAIRS) == 15
    low, high = model.training_summary_["age_range"]
    assert {18.0, 100.0, low, high} <= set(patients["age"])
    assert set(patients["differentiation"].dropna()) == {"well"}  # poor: refused
    assert set(patients["biopsy_complication"]) == {"none", "minor", "major", None}
    alive = patients["alive_months"].dropna()
    assert len(alive) >= 100 and alive.max() < model.alive_limit_months and alive.min() == 0
    for site in ("primary", "met"):
        assert {0.0, 3.0, 20.0, 20.1, 100.0} <= set(patients[f"{site}_ki67"].dropna())
        assert {100, 100_000} <= set(patients[f"{site}_cells_counted"].dropna())
        assert {2.0, 20.0, 21.0, 500.0} <= set(patients[f"{site}_mitoses"].dropna())


def test_the_pack_has_pfs_columns_only_when_the_model_has_pfs(model, pack):
    header, _ = rows_of(pack)
    assert model.pfs_model is None and not any(c.startswith("expected_pfs") for c in header)
    assert {"expected_surv_120_upper", "expected_flags", "expected_grade_uncertain"} <= \
        set(header)
    assert "expected_model_version" not in header  # the version is the pack's folder
    assert np.isfinite(float(rows_of(pack)[1][0][header.index("expected_surv_12")]))
