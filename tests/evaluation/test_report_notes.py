"""A report's notes: stored in English, worded in Chinese from the template that wrote
them, with the same numbers; a note no template wrote is shown as stored."""

from __future__ import annotations

import re

import pytest
from visible_text import english_words

from risk.evaluation.notes import REPORT_NOTES, SHORT_FOLLOW_UP, report_note_words
from risk.i18n import using_language


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


@pytest.mark.parametrize("template", REPORT_NOTES.templates)
def test_every_report_note_reads_back_and_keeps_its_numbers(template):
    names = re.findall(r"\{(\w+)\}", template)
    parts = {n: f"{10 + i}.5" for i, n in enumerate(names)}
    stored = template.format(**parts)
    assert REPORT_NOTES.read(stored) == (template, tuple(parts.items()))
    with using_language("zh_Hans"):
        words = report_note_words(stored)
    assert words != stored
    assert sorted(_numbers(words)) == sorted(_numbers(stored))
    assert english_words([words]) == [], words


def test_a_list_of_horizons_is_kept_as_stored():
    stored = SHORT_FOLLOW_UP.format(end="50.2", horizons="60, 120")
    with using_language("zh_Hans"):
        assert "60, 120" in report_note_words(stored)


def test_a_note_of_an_earlier_version_is_shown_as_stored():
    with using_language("zh_Hans"):
        assert report_note_words("a note nobody templated") == "a note nobody templated"
