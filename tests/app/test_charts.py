"""The cohort and model pages' table helper: st.table renders every cell as Markdown, so
cells are escaped to show exactly what was written (a value from an uploaded file is
never a quote, a heading, a formula or a link)."""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from riskapp.charts import WORD_JOINER, as_plain_markdown

ACTIVE = set("\\`*_{}[]()<>#+-.!|~$:&^")


def as_read(markdown: str) -> str:
    """What CommonMark shows for escaped text: each backslash escape gives its character."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")


def unescaped(markdown: str) -> list[str]:
    """The Markdown-active characters not preceded by a backslash escape."""
    out, i = [], 0
    while i < len(markdown):
        if markdown[i] == "\\":
            i += 2
            continue
        if markdown[i] in ACTIVE:
            out.append(markdown[i])
        i += 1
    return out


def test_values_that_markdown_would_change_are_shown_as_written():
    for text in ("> 50%", "**G9**", "[x](http://a.b)", "# 1", "$x^2$", ":red[no]", "- 1",
                 "1. list", "`code`", "~~gone~~", "a|b"):
        escaped = as_plain_markdown(text)
        assert as_read(escaped) == text
        assert unescaped(escaped) == []
    assert as_plain_markdown("> 50%") == "\\> 50%"
    assert as_plain_markdown(3) == 3 and as_plain_markdown(None) is None


def test_autolinks_are_broken_by_an_invisible_joiner():
    for text in ("http://a.b", "see www.example.org", "name@example.org", "WWW.A.B"):
        escaped = as_plain_markdown(text)
        assert as_read(escaped) == text
        plain = escaped.replace("\\", "")
        assert "://" not in plain and "www." not in plain.lower() and \
            not re.search(r"[^\u2060]@", plain)


@given(st.text(max_size=60))
def test_any_text_reads_back_unchanged_and_has_no_active_character(text):
    text = text.replace(WORD_JOINER, "")
    escaped = as_plain_markdown(text)
    assert as_read(escaped) == text
    assert unescaped(escaped) == []


def test_a_frame_keeps_its_numbers_and_headers():
    from riskapp import charts

    frame = pd.DataFrame({"p-value": ["< 0.001"], "n": [5]})
    shown = frame.map(charts.as_plain_markdown)
    assert list(shown.columns) == ["p-value", "n"] and shown.iloc[0, 1] == 5


def test_a_table_downloads_through_the_one_csv_writer(monkeypatch):
    """The pages' CSV button gives the bytes of risk.data.export, with its conventions."""
    from csv_checks import check_csv_conventions

    import riskapp.charts as charts
    from risk.data import to_csv_bytes

    buttons = []
    monkeypatch.setattr(charts.st, "download_button",
                        lambda label, data, **kwargs: buttons.append(dict(label=label,
                                                                          data=data, **kwargs)))
    table = pd.DataFrame({"Group": ["=1+1", "Same"], "p": [3.2e-9, 0.123456789]})
    charts.csv_download(table, "Pairwise log-rank", "key")
    pressed, excel = buttons
    assert pressed["data"] == to_csv_bytes(table)
    assert pressed["file_name"] == "pairwise-log-rank.csv" and pressed["mime"] == "text/csv"
    rows = check_csv_conventions(pressed["data"])
    assert rows[1:] == [["'=1+1", "3.2e-9"], ["Same", "0.123457"]]
    # beside it, the same cells as a workbook, neutralised the same way
    assert excel["label"] == "Download this table (Excel)" and excel["key"] == "key_xlsx"
    assert excel["file_name"] == "pairwise-log-rank.xlsx"
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(excel["data"])).active
    assert sheet.title == "Pairwise log-rank"
    assert [list(r) for r in sheet.values] == [["Group", "p"], ["'=1+1", 3.2e-9],
                                               ["Same", 0.123457]]
