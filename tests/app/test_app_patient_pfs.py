"""AppTest of the patient page's progression-free survival: shown only when the served
model has PFS, with its 95% interval; with a time known alive, PFS stays at the biopsy
and the page says so. Expected values come from the model's PFS pair directly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cohort_frames import make_cohort
from streamlit.testing.v1 import AppTest

from risk.data.validation import validate_patient
from risk.model import PFS_AT_BIOPSY_NOTE, BiopsyRiskModel
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import MODEL_DIR_ENV, Registry

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PATIENT = {"age": 63.0, "sex": "female", "primary_site": "pancreas", "primary_ki67": 12.0,
           "met_ki67": 25.0, "met_timing": "synchronous", "liver_burden": "25to50",
           "ecog": 1, "sstr_status": "positive", "primary_resected": True}


def with_pfs(frame):
    """PFS added by hand: progression at a uniform share of follow-up for 70%, else PFS
    ends with OS (death or last contact)."""
    rng = np.random.default_rng(5)
    progressed = rng.random(len(frame)) < 0.7
    share = np.where(progressed, rng.uniform(0.2, 0.95, len(frame)), 1.0)
    return frame.assign(pfs_months=np.round(frame["os_months"] * share, 2),
                        progression=progressed.astype(int))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    frame = with_pfs(make_cohort(400, seed=3))
    frame["age"] = frame["age"].clip(30, 85)
    fitted = BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(frame)
    folder = tmp_path_factory.mktemp("models")
    Registry(folder).save(fitted.to_dict(), build_card(training_data=data_fingerprint(frame)),
                          version="pfs-v1", activate=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(MODEL_DIR_ENV, str(folder))
        yield fitted


def submit(values: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/patient.py").run()
    for name, value in values.items():
        if name in ("age", "primary_ki67", "met_ki67", "alive_months"):
            at.number_input(key=name).set_value(value)
        elif name == "primary_resected":
            at.checkbox(key=name).set_value(value)
        else:
            at.selectbox(key=name).set_value(value)
    at.button(key="predict").click().run()
    assert not at.exception
    return at


def expected_pfs(model, values: dict):
    full = {k: None for k in ("primary_mitoses", "primary_grade", "met_mitoses",
                              "met_grade", "met_ki67")}
    full.update({"extrahepatic_mets": False, "functional_syndrome": False, **values})
    full.pop("alive_months", None)
    patient = validate_patient(full)
    return model.pfs_model.predict(patient).table.iloc[0], \
        model.pfs_model.predict_both(patient)["primary_only"].table.iloc[0]


def _figure(at, key):
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if key in chart.proto.id or key in json.dumps(spec.get("layout", {}).get("title")):
            return spec
    raise AssertionError(f"no chart {key}")


def test_pfs_metrics_curve_and_biopsy_value(model):
    at = submit(PATIENT)
    served, without = expected_pfs(model, PATIENT)
    for months in (12, 36, 60):
        box = at.get_by_key(f"pfs_{months}")
        assert box.metric[0].value == f"{100 * served[f'surv_{months}']:.1f}%"
        assert box.caption[0].value == (f"95% CI {100 * served[f'surv_{months}_lower']:.1f}%"
                                        f" to {100 * served[f'surv_{months}_upper']:.1f}%")
    curve = _figure(at, "progression-free survival")
    assert curve["layout"]["yaxis"]["title"]["text"] == "Progression-free survival"
    table = at.get_by_key("pfs_biopsy_value").table[0].value
    assert table.iloc[2]["Without"].replace("\\", "") == f"{100 * without['surv_60']:.1f}%"
    assert not any(PFS_AT_BIOPSY_NOTE in m.value for m in at.markdown)


def test_alive_months_leaves_pfs_at_the_biopsy_and_says_so(model):
    at = submit({**PATIENT, "alive_months": 24.0})
    served, _ = expected_pfs(model, PATIENT)
    assert at.get_by_key("pfs_60").metric[0].value == f"{100 * served['surv_60']:.1f}%"
    assert at.get_by_key("pfs_at_biopsy").markdown[0].value == PFS_AT_BIOPSY_NOTE
