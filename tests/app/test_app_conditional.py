"""The Patient page given time already survived (``alive_months``): every estimate is
conditional on it and says so; a time past the training deaths is refused at the field."""

from __future__ import annotations

import numpy as np
import pytest
from test_app_patient import (  # noqa: F401  (the module's fixture and helpers)
    PATIENT,
    expected_prediction,
    field_errors,
    figure,
    model,
    shown_percent,
    submit,
)

from risk.data.validation import validate_patient
from risk.model.patient_estimate import percent


def _conditional(fitted, values: dict, alive: float):
    full = {k: None for k in ("primary_mitoses", "primary_grade", "met_mitoses",
                              "met_grade", "met_ki67")}
    full.update({"extrahepatic_mets": False, "primary_resected": False,
                 "functional_syndrome": False, **values})
    return fitted.predict(validate_patient(full), alive_months=alive).table.iloc[0]


def test_alive_at_24_months_conditions_every_estimate(model):  # noqa: F811
    at = submit({**PATIENT, "alive_months": 24.0})
    box = at.get_by_key("conditional")
    assert "Alive 24 months after the biopsy" in box.markdown[0].value
    assert "S(t) / S(24)" in box.markdown[0].value
    row = _conditional(model, PATIENT, 24.0)
    plain = expected_prediction(model, PATIENT).table.iloc[0]
    assert shown_percent(at, 12) == "Already survived"
    for months in (36, 60, 120):
        assert shown_percent(at, months) == percent(row[f"surv_{months}"])
        assert row[f"surv_{months}"] > plain[f"surv_{months}"]  # survivors do better
    caption = at.get_by_key("surv_60").caption[0].value
    assert percent(row["surv_60_lower"]) in caption and "given alive at 24 months" in caption
    curve = figure(at, "survival_curve")
    assert "given alive at 24 months" in curve["layout"]["title"]["text"]
    assert any(t.get("name") == "Alive at 24 months" for t in curve["data"])
    before = "".join(m.value for m in at.markdown)
    assert "Bayes' rule" in before


def test_alive_past_five_years_leads_with_ten(model):  # noqa: F811
    at = submit({**PATIENT, "alive_months": 72.0})
    assert shown_percent(at, 60) == "Already survived"
    icons = figure(at, "icon_array")
    assert any("10 years" in str(t.get("name")) for t in icons["data"])


def test_blank_alive_months_is_the_estimate_at_the_biopsy(model):  # noqa: F811
    at = submit(PATIENT)
    assert not [k for k in ("conditional",) if _has_key(at, k)]
    plain = expected_prediction(model, PATIENT).table.iloc[0]
    assert shown_percent(at, 12) == percent(plain["surv_12"])


def _has_key(at, key: str) -> bool:
    try:
        at.get_by_key(key)
    except KeyError:
        return False
    return True


def test_a_time_past_the_last_training_death_is_refused_at_the_field(model):  # noqa: F811
    limit = model.alive_limit_months
    if limit >= 120:
        pytest.skip("this model's training deaths reach the end of the grid")
    at = submit({**PATIENT, "alive_months": float(np.ceil(limit))})
    errors = field_errors(at, "alive_months")
    assert errors and f"below {limit:g} months" in " ".join(errors)
