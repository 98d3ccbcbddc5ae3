"""AppTest flows of the patient page: valid patient, contradictory grade, no biopsy,
out-of-range values, grades left 'not assessed', and the home page's model version.

A small model is fitted in memory on a synthetic cohort (ages 30-85) and saved to a
temporary registry, which ``RISK_MODEL_DIR`` points the app at.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from cohort_frames import make_cohort
from streamlit.testing.v1 import AppTest

from risk.data.validation import validate_patient
from risk.i18n import using_language
from risk.model import BiopsyRiskModel
from risk.model.patient_estimate import PREDICTED_MEDIAN_RULE
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import MODEL_DIR_ENV, Registry

APP = str(Path(__file__).resolve().parents[2] / "app.py")
VERSION = "apptest-v1"

PATIENT = {
    "age": 63.0, "sex": "female", "primary_site": "pancreas", "primary_ki67": 12.0,
    "met_ki67": 25.0, "met_timing": "synchronous", "liver_burden": "25to50", "ecog": 1,
    "sstr_status": "positive", "primary_resected": True,
}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A fitted model, saved and activated in a temporary registry the app reads."""
    frame = make_cohort(400, seed=3)
    frame["age"] = frame["age"].clip(30, 85)
    frame["patient_id"] = "SYN-" + frame["patient_id"]  # the generator's mark: synthetic
    fitted = BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(frame)
    folder = tmp_path_factory.mktemp("models")
    Registry(folder).save(fitted.to_dict(), build_card(training_data=data_fingerprint(frame)),
                          version=VERSION, activate=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(MODEL_DIR_ENV, str(folder))
        yield fitted


def patient_page(language: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if language:
        at.session_state["language"] = language
    at.run()
    at.switch_page("pages/patient.py").run()
    assert not at.exception
    return at


def submit(values: dict, language: str = "en") -> AppTest:
    """Fill the form as a clinician would (only the given fields, blanks skipped) and
    submit it, in ``language``."""
    at = patient_page(language)
    # AppTest words the choices in the test's own thread (as the script does in its own)
    with using_language(language):
        for name, value in values.items():
            if value is None:
                continue
            if name in ("age", "primary_ki67", "primary_mitoses", "met_ki67", "met_mitoses",
                        "alive_months", "primary_cells_counted", "met_cells_counted"):
                at.number_input(key=name).set_value(value)
            elif name in ("extrahepatic_mets", "primary_resected", "functional_syndrome"):
                at.checkbox(key=name).set_value(value)
            else:
                at.selectbox(key=name).set_value(value)
        at.button(key="predict").click().run()
    assert not at.exception
    return at


def expected_prediction(model, values: dict):
    full = {k: None for k in ("primary_mitoses", "primary_grade", "met_mitoses",
                              "met_grade", "met_ki67")}
    full.update({"extrahepatic_mets": False, "primary_resected": False,
                 "functional_syndrome": False, **values})
    return model.predict(validate_patient(full))


def shown_percent(at: AppTest, months: int) -> str:
    return at.get_by_key(f"surv_{months}").metric[0].value


def figure(at: AppTest, key: str) -> dict:
    charts = [c for c in at.get("plotly_chart") if key in c.proto.id]
    assert len(charts) == 1, f"expected one chart keyed {key}"
    return json.loads(charts[0].proto.spec)


def decode(array) -> np.ndarray:
    """A plotly JSON array: a list, or numpy's bytes in base64 (``bdata``)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array, dtype=float)


def field_errors(at: AppTest, key: str) -> list[str]:
    """Error messages in the form column that holds the widget ``key``."""
    for column in at.columns:
        if any(w.key == key for w in (*column.selectbox, *column.number_input)):
            return [e.value for e in column.error]
    raise AssertionError(f"no column holds {key}")


def test_page_renders_the_empty_form(model):
    at = patient_page()
    assert "Patient" in at.title[0].value
    keys = {w.key for w in (*at.number_input, *at.selectbox, *at.checkbox)}
    assert {"age", "sex", "primary_site", "primary_ki67", "primary_mitoses", "primary_grade",
            "met_ki67", "met_mitoses", "met_grade", "met_timing", "liver_burden",
            "extrahepatic_mets", "primary_resected", "functional_syndrome", "ecog",
            "sstr_status", "primary_cells_counted", "met_cells_counted"} <= keys
    assert not at.error
    # + and - move age and counts by whole steps, percentages by tenths
    steps = {w.key: w.step for w in at.number_input}
    assert steps == {"age": 1.0, "primary_ki67": 0.1, "primary_mitoses": 1.0,
                     "met_ki67": 0.1, "met_mitoses": 1.0, "primary_cells_counted": 1.0,
                     "met_cells_counted": 1.0, "alive_months": 1.0}
    # the cell counts sit under their Ki-67 and say what a blank one is read as
    order = [w.key for w in at.number_input]
    for site in ("primary", "met"):
        assert order.index(f"{site}_cells_counted") == order.index(f"{site}_ki67") + 1
        counted = at.number_input(key=f"{site}_cells_counted")
        assert counted.value is None and "blank = 500" in counted.help
    # the only metric is the hidden one that loads the results' code in the browser
    from riskapp.loaders import BROWSER_WARM_UP_KEY

    warm = at.get_by_key(BROWSER_WARM_UP_KEY)
    assert len(at.metric) == len(warm.metric) == 1
    assert [c for c in at.get("plotly_chart") if "browser_warm_up" in c.proto.id]
    hidden = [h.proto.body for h in at.get("html")]
    assert f".st-key-{BROWSER_WARM_UP_KEY} {{display: none;}}" in " ".join(hidden)


def test_the_hidden_warm_up_block_is_sent_once_per_session(model):
    at = patient_page()
    assert at.metric
    at.button(key="predict").click().run()  # an empty form: problems, no estimate
    assert not at.exception and not at.metric
    assert not at.get("plotly_chart")


def test_valid_patient_shows_the_models_estimates_with_intervals(model):
    at = submit(PATIENT)
    assert not at.error
    expected = expected_prediction(model, PATIENT).table.iloc[0]
    assert expected["model_used"] == "biopsy"
    for months in (12, 36, 60, 120):
        assert shown_percent(at, months) == f"{100 * expected[f'surv_{months}']:.1f}%"
        caption = at.get_by_key(f"surv_{months}").caption[0].value
        low, up = expected[f"surv_{months}_lower"], expected[f"surv_{months}_upper"]
        assert caption == f"95% CI {100 * low:.1f}% to {100 * up:.1f}%"
    group = at.get_by_key("risk_group").markdown[0].value
    assert expected["risk_group"].capitalize() in group
    # the median's rule is said where the median is shown (a grid month, not a midpoint)
    assert at.get_by_key("median_os").caption[0].value == PREDICTED_MEDIAN_RULE
    # the curve drawn is the model's curve; its band encloses it
    spec = figure(at, "survival_curve")
    traces = {t.get("name"): t for t in spec["data"]}
    curve = decode(traces["This patient"]["y"])
    np.testing.assert_allclose(curve, expected_prediction(model, PATIENT).curves[0])
    band = decode(traces["95% interval"]["y"])
    assert (band[:121] >= curve - 1e-12).all() and (band[121:][::-1] <= curve + 1e-12).all()
    # icon array, value of the biopsy, before the biopsy, basis
    alive = round(100 * expected["surv_60"])
    title = figure(at, "icon_array")["layout"]["title"]["text"].replace("<br>", " ")
    assert title == f"Of 100 patients like this, {alive} {'is' if alive == 1 else 'are'} " \
                    "alive at 5 years"
    for key in ("biopsy_comparison", "before_biopsy", "contributions"):
        assert figure(at, key)["data"]
    text = " ".join(m.value for m in at.markdown)
    assert "The liver biopsy showed **G3**" in text and "upgraded" in text
    assert VERSION in text
    assert at.session_state["patient_estimate"].model_version == VERSION
    assert at.get("download_button")


def test_every_number_is_labelled_synthetic(model):
    at = submit(PATIENT)
    assert any("synthetic data" in w.value for w in at.warning)
    for key in ("survival_curve", "icon_array", "biopsy_comparison", "before_biopsy",
                "contributions"):
        notes = [a["text"] for a in figure(at, key)["layout"].get("annotations", [])]
        assert any("synthetic data" in n for n in notes), key


def test_contradictory_grade_is_a_message_at_the_field_not_an_exception(model):
    at = submit({**PATIENT, "primary_grade": "G1", "primary_ki67": 25.0})
    errors = field_errors(at, "primary_grade")
    assert any("contradicts" in e and "G3" in e for e in errors)
    assert not field_errors(at, "met_grade")
    assert not at.metric  # no estimate from contradictory inputs
    assert "patient_estimate" not in at.session_state


def test_a_failed_resubmit_clears_the_previous_estimate(model):
    at = submit(PATIENT)
    assert at.metric
    at.selectbox(key="met_grade").set_value("G1")  # contradicts the liver Ki-67 of 25%
    at.button(key="predict").click().run()
    assert not at.exception and not at.metric
    assert any("contradicts" in e for e in field_errors(at, "met_grade"))


def test_no_biopsy_uses_the_primary_only_model_and_says_so(model):
    values = {k: v for k, v in PATIENT.items() if k != "met_ki67"}
    at = submit(values)
    assert not at.error
    expected = expected_prediction(model, values).table.iloc[0]
    assert expected["model_used"] == "primary_only"
    assert shown_percent(at, 60) == f"{100 * expected['surv_60']:.1f}%"
    said = " ".join(i.value for i in at.info)
    assert "primary-only model" in said
    assert "No liver-biopsy grade" in said
    charts = [c.proto.id for c in at.get("plotly_chart")]
    assert not any("biopsy_comparison" in c for c in charts)
    before = figure(at, "before_biopsy")
    assert any(t["name"].startswith("Expected before the biopsy") for t in before["data"])


def test_inputs_are_shown_as_written_not_as_markdown(model):
    """st.table renders Markdown: '> 50%' unescaped would show as a quote reading '50%'."""
    at = submit({**PATIENT, "liver_burden": "gt50"})
    cells = [str(v) for t in at.table for v in t.value.to_numpy().ravel()]
    assert "\\> 50%" in cells
    assert "> 50%" not in cells


def test_an_ungraded_primary_is_said_plainly(model):
    """Unknown primary, no primary grade: the liver grade cannot be compared with it, and
    the liver-grade chances come from training patients whose primary was not graded."""
    at = submit({**PATIENT, "primary_site": "unknown", "primary_ki67": None})
    assert not at.error and at.metric
    text = " ".join(m.value for m in at.markdown)
    assert "the primary was not graded, so no grade change can be stated" in text
    assert "**unknown**" not in text
    assert "with both grades" not in text
    assert "patients with an ungraded primary and a liver-biopsy grade" in text


def test_age_outside_the_training_range_is_warned(model):
    at = submit({**PATIENT, "age": 95.0})
    assert not at.error
    warnings = " ".join(w.value for w in at.warning)
    assert "age outside the training range (30-85 years)" in warnings
    assert shown_percent(at, 60).endswith("%")


def test_values_beyond_the_schema_bounds_never_crash(model):
    at = patient_page()
    for name, value in PATIENT.items():
        if name == "age":
            continue
        if name in ("primary_ki67", "met_ki67"):
            at.number_input(key=name).set_value(value)
        elif name == "primary_resected":
            at.checkbox(key=name).set_value(value)
        else:
            at.selectbox(key=name).set_value(value)
    at.number_input(key="age").set_value(150.0)  # the widget allows 18-100
    at.button(key="predict").click().run()
    assert not at.exception
    assert field_errors(at, "age") and not at.metric


def test_empty_form_lists_every_required_field(model):
    at = submit({})
    for key in ("age", "sex", "ecog", "met_timing", "liver_burden", "primary_site"):
        assert "Required: please fill this in." in field_errors(at, key), key
    assert not at.metric


def test_not_assessed_grades_are_derived_and_the_derivation_shown(model):
    derived = {**PATIENT, "primary_ki67": None, "met_ki67": None, "primary_mitoses": 5.0,
               "met_mitoses": 25.0}
    at = submit(derived)
    assert not at.error
    captions = " ".join(c.value for c in at.caption)
    assert "G2 derived from 5 mitoses per 2 mm²" in captions
    assert "G3 derived from 25 mitoses per 2 mm²" in captions
    # the same patient with the grades entered gets the same estimate
    entered = submit({**derived, "primary_grade": "G2", "met_grade": "G3"})
    for months in (12, 36, 60, 120):
        assert shown_percent(at, months) == shown_percent(entered, months)


def plain(cell: object) -> str:
    """A table cell as the reader sees it (st.table cells are sent Markdown-escaped)."""
    return str(cell).replace("\\", "")


GRADE_NEAR_20 = {**PATIENT, "primary_ki67": None, "primary_grade": "G2", "met_ki67": 19.0}


def test_a_liver_ki67_near_20_percent_shows_the_estimate_under_each_grade(model):
    """19% of 500 cells: the box gives P(G2), P(G3) from the Jeffreys posterior of 95 of
    500 and the served model's 5-year survival under each liver grade."""
    from scipy.stats import beta

    at = submit(GRADE_NEAR_20)
    assert not at.error
    box = at.get_by_key("grade_sensitivity")
    said = " ".join(m.value for m in box.markdown)
    p_g3 = beta.sf(0.20, 95 + 0.5, 500 - 95 + 0.5)
    p_g2 = beta.cdf(0.20, 95.5, 405.5) - beta.cdf(0.03, 95.5, 405.5)
    assert (f"With 95 of 500 cells positive (19%), the liver grade is G2 with probability "
            f"{p_g2:.2f} and G3 with probability {p_g3:.2f}") in said
    (table,) = box.table
    rows = table.value.map(plain)
    assert [g.split()[0] for g in rows["Grade"]] == ["G2", "G3"]
    assert rows["Probability"].tolist() == [f"{p_g2:.2f}", f"{p_g3:.2f}"]
    no_count = {k: v for k, v in GRADE_NEAR_20.items() if k != "met_ki67"}
    for grade, shown in zip(("G2", "G3"), rows["5-year survival (95% CI)"], strict=True):
        row = expected_prediction(model, {**no_count, "met_grade": grade}).table.iloc[0]
        assert shown.startswith(f"{100 * row['surv_60']:.1f}% ({100 * row['surv_60_lower']:.1f}%")
    # the G2 row is the estimate at the top of the page
    assert rows["5-year survival (95% CI)"][0].startswith(shown_percent(at, 60))
    captions = " ".join(c.value for c in box.caption)
    assert "Clopper-Pearson" in captions and "Jeffreys" in captions
    assert "15.7 to 22.7%, across the WHO cut-off at 20%" in captions


def test_no_box_when_the_grade_is_not_in_doubt(model):
    for values in ({**GRADE_NEAR_20, "met_ki67": 10.0},
                   {**GRADE_NEAR_20, "met_ki67": 5.0},
                   {**GRADE_NEAR_20, "met_cells_counted": 10_000.0}):
        at = submit(values)
        assert at.metric and not at.error
        with pytest.raises(KeyError):
            at.get_by_key("grade_sensitivity")


def test_the_cells_counted_entered_are_the_ones_weighed(model):
    """Ki-67 5%: 25 of 500 cells (3.3-7.3%) is G2; 5 of 100 cells (1.6-11.3%) may be G1."""
    at = submit({**GRADE_NEAR_20, "met_ki67": 5.0, "met_cells_counted": 100.0})
    box = at.get_by_key("grade_sensitivity")
    said = " ".join(m.value for m in box.markdown)
    assert "With 5 of 100 cells positive (5%), the liver grade is G1 with probability" in said
    assert [g.split()[0] for g in box.table[0].value["Grade"]] == ["G1", "G2"]
    inputs = [plain(v) for t in at.table for v in t.value.to_numpy().ravel()]
    assert "100 cells" in inputs and "Not recorded (500 cells)" in inputs  # primary: blank


def test_poorly_differentiated_tumor_is_refused_at_its_field(model):
    at = submit({**PATIENT, "differentiation": "poor"})
    errors = field_errors(at, "differentiation")
    assert any("outside this tool's intended use" in e for e in errors)
    # said for a form: no cohort-file advice, no codes
    assert not any("remove this patient" in e or "allowed: well" in e for e in errors)
    assert not at.metric


def test_no_grade_at_all_is_said_in_the_forms_words(model):
    at = submit({k: v for k, v in PATIENT.items() if k not in ("primary_ki67", "met_ki67")})
    errors = field_errors(at, "primary_grade")
    assert any("no grade for the primary tumor or the liver biopsy" in e.lower()
               for e in errors)
    assert not any("primary_grade" in e or "met_grade" in e for e in errors)
    assert not at.metric


def test_new_patient_clears_the_form_and_the_estimate(model):
    at = submit(PATIENT)
    assert at.metric
    at.button(key="clear").click().run()
    assert not at.exception and not at.metric
    assert at.number_input(key="age").value is None
    assert at.selectbox(key="sex").value is None
    assert "patient_estimate" not in at.session_state


def test_new_patient_tells_the_browser_to_blank_every_field(model):
    """The browser keeps a form widget's value until the server sends one (``set_value``):
    a field only forgotten on the server would still show the previous patient."""
    from riskapp.patient_form import FORM_FIELDS
    from riskapp.widgets import widget_default

    at = submit({**PATIENT, "extrahepatic_mets": True, "sstr_status": "negative",
                 "primary_grade": "G2"})
    at.button(key="clear").click().run()
    assert not at.exception
    widgets = {w.key: w for w in (*at.number_input, *at.selectbox, *at.checkbox)}
    for name in FORM_FIELDS:
        assert widgets[name].proto.set_value, name
        assert widgets[name].value == widget_default(name), name
    assert widgets["sstr_status"].value == "unknown"
    assert widgets["differentiation"].value == "well"
    assert widgets["extrahepatic_mets"].value is False


def test_the_form_still_shows_the_estimated_patient_after_visiting_another_page(model):
    """Streamlit forgets a page's widgets when another page runs; the estimate stays in
    session state, so the form must come back with the inputs it was made from."""
    at = submit(PATIENT)
    shown = shown_percent(at, 60)
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/patient.py").run()
    assert not at.exception
    assert shown_percent(at, 60) == shown
    assert at.number_input(key="age").value == PATIENT["age"]
    assert at.number_input(key="met_ki67").value == PATIENT["met_ki67"]
    assert at.selectbox(key="primary_site").value == "pancreas"
    assert at.checkbox(key="primary_resected").value is True
    captions = " ".join(c.value for c in at.caption)
    assert "G3 derived from Ki-67 25%" in captions
    assert not at.info  # no "no liver-biopsy grade" note beside a biopsy estimate


def test_an_unexpected_failure_is_a_message_not_a_traceback(model, monkeypatch):
    import risk.model

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(risk.model, "estimate_patient", broken)  # where the page reads it
    at = submit(PATIENT)
    assert not at.exception and not at.metric
    assert any("could not be computed" in e.value for e in at.error)
    assert not any("a bug" in e.value for e in at.error)


def test_without_an_active_model_the_page_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    at = patient_page()
    assert any("No model can be served" in e.value and "make model" in e.value
               for e in at.error)
    assert at.number_input(key="age")  # the form is still there


def test_home_shows_the_active_model_version(model):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert VERSION in " ".join(m.value for m in at.markdown)


def test_a_result_says_which_inputs_it_is_for_and_warns_when_they_changed(model):
    at = submit(PATIENT)
    assert at.metric and "for the inputs last submitted" in " ".join(c.value for c in at.caption)
    assert not [w for w in at.warning if "inputs have changed" in w.value]
    # a value that reached the server without a submit (the form sends none: a guard)
    at.session_state["age"] = PATIENT["age"] + 7
    at.run()
    assert not at.exception
    assert [w for w in at.warning if "inputs have changed since this estimate" in w.value]
    at.button(key="predict").click().run()
    assert not [w for w in at.warning if "inputs have changed" in w.value]
    assert f"{PATIENT['age'] + 7:g}" in " ".join(t.value.to_csv() for t in at.table)
