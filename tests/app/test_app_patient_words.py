"""What the Patient page says beside its numbers, where a new user was misled: the risk
group beside conditional estimates, a same-grade biopsy that still moves the estimate, the
blank liver grade's words, and the grade box in Chinese."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app_patient import (  # noqa: F401  (the module's fixture and helpers)
    GRADE_NEAR_20,
    PATIENT,
    model,
    submit,
)
from visible_text import english_words, visible_texts

from risk.i18n import _, using_language
from risk.model import describe_risk_group_basis

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _risk_group_caption(at: AppTest) -> str:
    return " ".join(c.value for c in at.get_by_key("risk_group").caption)


def test_a_conditional_estimate_says_the_risk_group_is_the_one_at_the_biopsy(model):  # noqa: F811
    at_biopsy = submit(PATIENT)
    assert describe_risk_group_basis(None) == ""
    assert "another group's range" not in _risk_group_caption(at_biopsy)
    alive = submit({**PATIENT, "alive_months": 24.0})
    assert describe_risk_group_basis(24.0) in _risk_group_caption(alive)
    assert "(at the biopsy)" in alive.get_by_key("risk_group").markdown[0].value


def test_a_same_grade_biopsy_that_moves_the_estimate_says_why(model):  # noqa: F811
    same = submit({**PATIENT, "primary_ki67": 12.0, "met_ki67": 15.0})  # G2 and G2
    said = " ".join(m.value for m in same.markdown)
    assert "(primary G2: same grade)" in said
    moved = "percentage points" in said
    why = [c.value for c in same.caption if "same grade moves the estimate" in c.value]
    assert bool(why) == moved
    upgraded = submit(PATIENT)  # G2 primary, G3 liver: nothing to explain
    assert not [c.value for c in upgraded.caption if "same grade moves" in c.value]


def test_the_conditional_biopsy_value_says_both_estimates_are_conditional(model):  # noqa: F811
    said = " ".join(m.value for m in submit({**PATIENT, "alive_months": 24.0}).markdown)
    assert "both given alive at 24 months" in said
    said = " ".join(m.value for m in submit(PATIENT).markdown)
    assert "both given alive" not in said


def test_the_blank_liver_grade_says_it_is_derived_from_the_count(model):  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/patient.py").run()
    liver = at.selectbox(key="met_grade")
    # the box is short enough to be read whole; its help says what "none" means
    assert "derive" in liver.placeholder and "no diagnostic biopsy" in liver.help
    assert "derive" in at.selectbox(key="primary_grade").placeholder


def _submit_in_chinese(values: dict) -> AppTest:
    return submit(values, "zh_Hans")


@pytest.mark.parametrize("alive", [None, 24.0])
def test_the_grade_box_and_conditional_words_are_chinese(model, alive):  # noqa: F811
    at = _submit_in_chinese({**GRADE_NEAR_20, "alive_months": alive})
    box = at.get_by_key("grade_sensitivity")
    headers = list(box.table[0].value.columns)
    assert english_words(headers) == [], headers
    said = " ".join(m.value for m in box.markdown)
    assert said.endswith("。"), said
    left = english_words(visible_texts(at))
    assert left == [], "\n".join(left)


def test_a_problem_at_a_field_is_said_in_the_pages_language(model):  # noqa: F811
    """The submit callback runs before the script sets the language: it sets it itself."""
    at = _submit_in_chinese({**PATIENT, "primary_ki67": 150.0})
    messages = [e.value for e in at.error]
    assert len(messages) == 2, messages
    assert english_words(messages) == [], messages
    assert all(m.endswith("。") for m in messages), messages


def test_a_blank_required_field_asks_for_it_in_chinese(model):  # noqa: F811
    at = submit({k: v for k, v in PATIENT.items() if k != "ecog"}, "zh_Hans")
    with using_language("zh_Hans"):
        asked = _("Required: please fill this in.")
    assert asked != "Required: please fill this in."
    assert asked in [e.value for e in at.error]


def test_the_grade_box_says_when_the_cells_counted_were_assumed(model):  # noqa: F811
    def captions(values: dict) -> str:
        return " ".join(c.value for c in submit(values).get_by_key("grade_sensitivity").caption)

    assert "500 cells (the WHO minimum) are assumed" in captions(GRADE_NEAR_20)
    assert "are assumed" not in captions({**GRADE_NEAR_20, "met_cells_counted": 500.0})
