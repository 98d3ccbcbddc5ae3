"""AppTest of the model page for a model with progression-free survival: the card counts
what the PFS model was fitted on, and the Validation tab shows the PFS model's validation
(container ``eval_pfs``) beside OS; an OS-only model shows neither.

A small model is fitted on a generated cohort with PFS and saved, with its evaluation, to
a temporary registry that ``RISK_MODEL_DIR`` points the app at.
"""

from __future__ import annotations

import json

import pytest
from cohort_frames import make_cohort
from test_app_model import model_page, table_text, tables

from risk.data.validation import load_cohort
from risk.evaluation.report import evaluate
from risk.model import BiopsyRiskModel
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import MODEL_DIR_ENV, Registry
from risk.synthetic.generator import cohort_csv_text, generate_cohort


@pytest.fixture(scope="module")
def cohort():
    return load_cohort(cohort_csv_text(generate_cohort(300, 12)).encode(), "training").frame


def _serve(folder, monkeypatch, frame, bootstrap: int = 20):
    model = BiopsyRiskModel(extra_terms=[]).fit(frame)
    report = evaluate(model, frame, bootstrap=bootstrap, seed=1, n_jobs=1)
    card = build_card(training_data=data_fingerprint(frame),
                      metrics={"harrell_c": report.headline.harrell_c,
                               "evaluation": report.to_dict()})
    Registry(folder).save(model.to_dict(), card, version="v1", activate=True)
    monkeypatch.setenv(MODEL_DIR_ENV, str(folder))
    return report


def test_the_card_and_the_validation_show_the_pfs_model(tmp_path, monkeypatch, cohort):
    report = _serve(tmp_path, monkeypatch, cohort)
    pfs = report.pfs
    at = model_page()
    cells = table_text(at)
    assert "With progression-free survival recorded" in cells
    assert (f"{pfs.events:,} ({pfs.progressions:,} progressions, "
            f"{pfs.events - pfs.progressions:,} deaths without progression)") in cells
    at = model_page("Validation")
    text = " ".join(m.value for m in at.markdown)
    assert f"Measured on {pfs.n:,} patients with progression-free survival recorded" in text
    served = pfs.served
    pfs_table = next(t for t in tables(at)
                     if f"{served.harrell_c:.3f} ({served.harrell_c_lower:.3f} to "
                        f"{served.harrell_c_upper:.3f})" in t.to_csv())
    assert f"{pfs.comparator.harrell_c:.3f}" in pfs_table.to_csv()
    assert "Brier score at 60 months (lower is better)" in set(pfs_table["Metric"])
    os_c = report.headline.harrell_c
    assert f"{os_c:.3f}" not in pfs_table.iloc[0].to_csv()  # the OS row is another table
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [c["layout"]["xaxis"]["title"]["text"] for c in charts
              if "xaxis" in c["layout"] and "title" in c["layout"]["xaxis"]]
    assert "Predicted risk of progression or death by 60 months" in titles
    assert "Predicted risk of death by 60 months" in titles


def test_an_os_only_model_shows_no_pfs(tmp_path, monkeypatch):
    frame = make_cohort(300, seed=5)
    assert "pfs_months" not in frame
    _serve(tmp_path, monkeypatch, frame, bootstrap=0)
    at = model_page()
    assert "progression-free" not in table_text(at).lower()
    at = model_page("Validation")
    text = " ".join(m.value for m in at.markdown)
    assert "progression-free" not in text.lower()
    assert not any("progression" in json.dumps(json.loads(c.proto.spec)["layout"])
                   for c in at.get("plotly_chart"))
