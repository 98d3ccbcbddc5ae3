"""AppTest flows of the Model page's "Multi-centre validation" section: three site
summaries uploaded and pooled (sites, pooled table, forest plots), the refusals shown
as messages, never as exceptions, and all of it in Chinese."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from evaluation_fixtures import cohort, fitted
from site_summaries import counts_only_file, site_files, site_summary
from streamlit.testing.v1 import AppTest
from visible_text import english_words, visible_texts

from risk.i18n import _, using_language
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import MODEL_DIR_ENV, Registry

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
TAB = "Multi-centre validation"


@pytest.fixture
def served(tmp_path, monkeypatch):
    card = build_card(training_data=data_fingerprint(cohort(300, 11)))
    Registry(tmp_path).save(fitted().to_dict(), card, version="v1", activate=True)
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))


def pooling_tab(language: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["language"] = language
    at.run()
    at.switch_page("pages/model.py")
    with using_language(language):  # the tabs are named in the page's language
        at.session_state["model_tab"] = _(TAB)
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, files: list[tuple[str, bytes]]) -> AppTest:
    values = [(name, data, "application/json") for name, data in files]
    at.file_uploader(key="site_summaries").set_value(values).run()
    assert not at.exception
    return at


def test_nothing_uploaded_says_how(served):
    at = pooling_tab()
    assert "--summary-out" in " ".join(m.value for m in at.markdown)
    assert any("No site summaries" in i.value for i in at.info)


def test_three_sites_are_pooled(served):
    at = upload(pooling_tab(), site_files())
    assert not at.error
    shown = " ".join(t.value.to_csv() for t in at.get("table"))
    for seed in (0, 1, 2):
        assert f"Hospital {seed}" in shown
    assert "Harrell" in shown and "I²" in shown
    charts = at.get("plotly_chart")
    assert len(charts) == 5
    figure = json.loads(charts[0].proto.spec)
    ticks = figure["layout"]["yaxis"]["ticktext"]
    assert ticks[:3] == ["Hospital 0", "Hospital 1", "Hospital 2"]
    assert "Pooled (random effects)" in ticks and "Prediction interval" in ticks
    at.radio(key="pooled_model").set_value("comparator").run()
    assert not at.exception and "comparator" in " ".join(m.value for m in at.markdown)


def test_refusals_are_messages(served):
    at = upload(pooling_tab(), site_files((0,)))
    assert "at least 2" in at.error[0].value
    data = json.loads(site_summary(1).to_json())
    data["metrics"]["served"]["uno_c"]["estimate"] = 0.99
    at = upload(pooling_tab(), [*site_files((0,)), ("edited.json", json.dumps(data).encode())])
    assert "edited.json" in at.error[0].value and "integrity" in at.error[0].value
    other = site_summary(2, version="v9").to_json().encode()
    at = upload(pooling_tab(), [*site_files((0, 1)), ("v9.json", other)])
    assert "v9.json" in at.error[0].value and "same model version" in at.error[0].value
    at = upload(pooling_tab(), [*site_files((0,)), ("junk.json", b"\x00\x01 nope")])
    assert "junk.json: not a JSON file" in at.error[0].value


def test_pooled_sites_in_chinese_show_no_english(served, monkeypatch):
    """Uploaded and pooled in Chinese: the tables, notes, choices and forest plots, and
    the pooled report downloaded in Chinese (built later, outside the script run)."""
    import streamlit

    reports = {}
    shown_button = streamlit.download_button

    def button(label, data, **kwargs):
        reports[kwargs["key"]] = data
        return shown_button(label, data, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", button)
    # site and file names are the centres' own words (an English name would be theirs)
    files = [(name.removesuffix(".json"), data) for name, data in
             [*site_files(names="中心{seed}"), counts_only_file("小中心")]]
    at = upload(pooling_tab("zh_Hans"), files)
    assert not at.error and len(at.get("plotly_chart")) == 5
    shown = visible_texts(at)
    assert any("仅计数" in text for text in shown)  # the counts-only centre's note
    left = english_words(shown)
    assert left == [], "English on the Chinese pooling section:\n" + "\n".join(left)
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert figure["layout"]["yaxis"]["ticktext"][-2:] == ["合并（随机效应）", "预测区间"]
    page = reports["pooled_html"]()  # here the current language is English
    assert page.startswith("<!DOCTYPE html><html lang='zh-Hans'>") and "所提供模型的预测" in page
    with using_language("zh_Hans"):  # AppTest words the choices in the test's thread
        at.radio(key="pooled_model").set_value("comparator").run()
    assert not at.exception
    assert english_words(visible_texts(at)) == []
    assert any("仅原发肿瘤对照模型" in m.value for m in at.markdown)


def test_a_refusal_in_chinese(served):
    at = upload(pooling_tab("zh_Hans"), site_files((0,), names="中心{seed}"))
    assert "合并至少需要 2 份中心汇总" in at.error[0].value
