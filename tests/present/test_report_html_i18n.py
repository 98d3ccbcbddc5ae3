"""report.html and pooled.html in Simplified Chinese: the page's language declared, no
English word left in what a reader sees (text and charts), and the same numbers as in
the English page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from evaluation_fixtures import cohort, fitted
from site_summaries import counts_only_file, site_files
from visible_text import english_words, html_texts, numbers

from risk.evaluation import evaluate, pool_sites, read_site_summaries
from risk.evaluation.notes import (
    CHECK_FAILED,
    FEW_BIOPSIES,
    SHORT_FOLLOW_UP,
    report_note_words,
)
from risk.i18n import using_language
from risk.present import build_checklists, checklists_html, pooled_forest_plot
from risk.present import html as report_module
from risk.present.html import render_report_html
from risk.present.pooled_html import render_pooled_html
from risk.registry.card import build_card, data_fingerprint

#: Chinese names of the centres (a site's name is the centre's own words).
CENTRES = "中心{seed}"


class _Noon(dt.datetime):
    """The report's creation time, fixed: both languages' pages say the same minute."""

    @classmethod
    def now(cls, tz=None):
        return cls(2026, 12, 3, 12, 0, tzinfo=tz)


@pytest.fixture(scope="module")
def report():
    made = evaluate(fitted(), cohort(300, 11), bootstrap=5, seed=1, n_jobs=1)
    made.model_version = "v1"
    # notes as an evaluation stores them (in English), the kinds a real cohort can give
    made.notes = [SHORT_FOLLOW_UP.format(end="101.5", horizons="120"),
                  FEW_BIOPSIES.format(least=30, least_deaths=10, patients=12,
                                           deaths=4)]
    return made


@pytest.fixture
def pages(report, monkeypatch):
    """The report in both languages (the checklists the command line adds at its end
    name files, commands and the README's sections: not part of this check)."""
    monkeypatch.setattr(report_module, "datetime", _Noon)
    return (render_report_html(report, language="zh_Hans"),
            render_report_html(report, language="en"))


def test_the_chinese_report_has_no_english_and_the_english_numbers(pages):
    zh, en = pages
    assert zh.startswith("<!DOCTYPE html><html lang='zh-Hans'>")
    assert en.startswith("<!DOCTYPE html><html lang='en'>")
    left = english_words(html_texts(zh))
    assert left == [], "English in the Chinese report:\n" + "\n".join(left)
    assert len(numbers(html_texts(en))) > 300
    assert numbers(html_texts(zh)) == numbers(html_texts(en))
    for heading in ("<title>验证报告</title>", "<h2>校准</h2>", "<h2>亚组</h2>", "<h2>备注</h2>"):
        assert heading in zh
    assert "随访在第 101.5 个月结束" in zh  # a stored English note, in Chinese


def test_the_scanner_finds_the_english_report_english(pages):
    """The check above can fail: the English report is full of English words."""
    assert len(english_words(html_texts(pages[1]))) > 50


def test_stored_notes_are_worded_in_the_current_language():
    note = CHECK_FAILED.format(error="LinAlgError")
    with using_language("zh_Hans"):
        assert report_note_words(note) == "无法运行该检查（LinAlgError）"
        assert report_note_words("a note written by hand") == "a note written by hand"
    assert report_note_words(note) == note


def test_the_checklists_follow_the_report_in_chinese(report):
    with using_language("zh_Hans"):
        card = build_card(training_data=data_fingerprint(cohort(300, 11)))
        checklists = checklists_html(build_checklists(card, synthetic=True))
    page = render_report_html(report, checklists=checklists, language="zh_Hans")
    assert page.index("<h3>TRIPOD+AI</h3>") > page.index("<h2>亚组</h2>")
    assert "<cite lang='en'>Collins GS" in page  # the paper cited in its own language


def test_the_report_is_in_the_current_language_by_default(report):
    with using_language("zh_Hans"):
        page = render_report_html(report)
    assert page.startswith("<!DOCTYPE html><html lang='zh-Hans'>") and "验证报告" in page
    assert "<html lang='en'>" in render_report_html(report)


@pytest.fixture(scope="module")
def pooled_files():
    # a file's name is shown with its site's: named here without the (English) extension
    return [(name.removesuffix(".json"), data)
            for name, data in [*site_files(names=CENTRES), counts_only_file("小中心")]]


def _pooled(files, language: str):
    with using_language(language):  # the notes are worded when pooling, as the page does
        summaries = read_site_summaries(files)
        return pool_sites([(name, s) for (name, _), s in zip(files, summaries, strict=True)])


def test_the_chinese_pooled_report_has_no_english_and_the_english_numbers(pooled_files):
    zh = render_pooled_html(_pooled(pooled_files, "zh_Hans"), language="zh_Hans")
    en = render_pooled_html(_pooled(pooled_files, "en"), language="en")
    assert zh.startswith("<!DOCTYPE html><html lang='zh-Hans'>")
    left = english_words(html_texts(zh))
    assert left == [], "English in the Chinese pooled report:\n" + "\n".join(left)
    assert len(numbers(html_texts(en))) > 100
    assert numbers(html_texts(zh)) == numbers(html_texts(en))
    assert "仅计数：" in zh  # the counts-only centre's stored note, in Chinese
    assert len(english_words(html_texts(en))) > 20


def test_the_forest_plot_in_chinese(pooled_files):
    pooled = _pooled(pooled_files, "zh_Hans")
    with using_language("zh_Hans"):
        figure = json.loads(pooled_forest_plot(pooled.metrics["served"]["harrell_c"]).to_json())
    ticks = figure["layout"]["yaxis"]["ticktext"]
    assert ticks == ["中心0", "中心1", "中心2", "合并（随机效应）", "预测区间"]
    assert figure["layout"]["xaxis"]["title"]["text"] == "Harrell C 指数"
    assert "HKSJ" in " ".join(a["text"] for a in figure["layout"]["annotations"])
