"""AppTest of the Model page's "Model facts" and "Reporting checklists" tabs on the
shipped registry: the label's sections and numbers from the card, the PDF and Markdown
downloads, every TRIPOD+AI item shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from risk.registry.store import MODEL_DIR_ENV

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")


@pytest.fixture(autouse=True)
def shipped_model(monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(REPO / "models"))


def model_tab(tab: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/model.py")
    at.session_state["model_tab"] = tab
    at.run()
    assert not at.exception
    return at


def test_model_facts_tab_shows_sendaks_sections_from_the_card():
    at = model_tab("Model facts")
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    for title in ("Summary", "Mechanism of risk score calculation",
                  "Validation and performance", "Uses and directions", "Warnings",
                  "Other information"):
        assert f"**{title}**" in text
    card = json.loads((REPO / "models" / "synthetic-v1" / "card.json").read_text())
    assert f"{card['metrics']['evaluation']['harrell_c']:.3f}" in text
    assert f"{card['training_data']['events']:,} deaths" in text
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download the Model Facts label (PDF)" in labels
    assert "Download the CHAI Applied Model Card (JSON)" in labels


def test_checklists_tab_lists_every_tripod_item():
    at = model_tab("Reporting checklists")
    tripod, probast = (t.value for t in at.table[:2])
    items = [str(v).replace("\\", "") for v in tripod["Item"]]
    assert len(items) == 52 and items[0] == "1" and items[-1] == "27c"
    assert len(probast) == 8
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download both checklists (Markdown)" in labels
    assert "Download both checklists (HTML)" in labels
