"""One answer to "is the served model synthetic?" on every page and in the PDF.

A model trained on a cohort of real-looking patients (ids without the generator's mark)
is activated: no page, chart or report may call it synthetic. The same cohort with the
generator's ids makes a synthetic model, which every page labels (the control).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cohort_frames import make_cohort
from streamlit.testing.v1 import AppTest

from risk.model import BiopsyRiskModel
from risk.model.patient_estimate import estimate_patient
from risk.present.pdf import build_report
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import MODEL_DIR_ENV, Registry

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = ("pages/home.py", "pages/patient.py", "pages/model.py", "pages/cohort.py")
PATIENT = {"age": 63.0, "sex": "female", "primary_site": "pancreas", "primary_ki67": 12.0,
           "met_ki67": 25.0, "met_timing": "synchronous", "liver_burden": "25to50",
           "ecog": 1, "sstr_status": "positive", "extrahepatic_mets": False,
           "primary_resected": True, "functional_syndrome": False}
#: How a page says the model is synthetic (the Cohort page also labels the shipped
#: cohort's patients as synthetic data: those are synthetic whatever the model).
SAYS_MODEL_IS_SYNTHETIC = re.compile(r"trained on (the shipped )?(\*\*)?synthetic")


def _registry(folder: Path, ids_prefix: str) -> Registry:
    frame = make_cohort(300, seed=5)
    frame["patient_id"] = ids_prefix + frame["patient_id"]
    fitted = BiopsyRiskModel(penalizer=0.0, extra_terms=[]).fit(frame)
    registry = Registry(folder)
    registry.save(fitted.to_dict(), build_card(training_data=data_fingerprint(frame)),
                  version="site-v1", activate=True)
    return registry


@pytest.fixture(scope="module", params=["real", "synthetic"])
def served(request, tmp_path_factory):
    prefix = "SYN-" if request.param == "synthetic" else "HOSP-"
    registry = _registry(tmp_path_factory.mktemp(request.param), prefix)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(MODEL_DIR_ENV, str(registry.root))
        yield request.param, registry


def _text(at: AppTest) -> str:
    """Every word the page shows: text elements and the charts' titles and notes."""
    parts = [e.value for kind in ("markdown", "caption", "warning", "info", "success",
                                  "title", "header", "subheader")
             for e in getattr(at, kind)]
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        parts += [a.get("text", "") for a in layout.get("annotations", [])]
        parts.append(str(layout.get("title", "")))
    return "\n".join(str(p) for p in parts)


def _page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page(path).run()
    assert not at.exception
    return at


def _estimated_patient() -> AppTest:
    at = _page("pages/patient.py")
    for name, value in PATIENT.items():
        if name in ("age", "primary_ki67", "met_ki67"):
            at.number_input(key=name).set_value(value)
        elif isinstance(value, bool):
            at.checkbox(key=name).set_value(value)
        else:
            at.selectbox(key=name).set_value(value)
    at.button(key="predict").click().run()
    assert not at.exception and at.metric
    return at


@pytest.mark.parametrize("path", PAGES)
def test_each_page_says_synthetic_only_for_a_synthetic_model(served, path):
    """The Cohort page's default view shows the shipped synthetic cohort, whose patients
    it labels synthetic whatever the model: there only a real model is checked (its
    figures must not call the model synthetic)."""
    kind, _ = served
    at = _estimated_patient() if path == "pages/patient.py" else _page(path)
    text = _text(at).lower()
    if path == "pages/cohort.py" and kind == "synthetic":
        assert "synthetic data" in text  # the shipped cohort's own label
    else:
        assert bool(SAYS_MODEL_IS_SYNTHETIC.search(text)) == (kind == "synthetic"), path


def test_the_pdf_report_follows_the_model(served):
    kind, registry = served
    loaded = registry.load()
    assert loaded.synthetic == (kind == "synthetic")
    est = estimate_patient(loaded.model, PATIENT, model_version=loaded.version,
                           synthetic=loaded.synthetic)
    pdf = build_report(est, compress=False).decode("latin-1")
    assert ("synthetic" in pdf.lower()) == (kind == "synthetic")
