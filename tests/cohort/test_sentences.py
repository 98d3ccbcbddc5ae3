"""The grade-change sentences of the cohort page: counts and plurals as in the data, a
suppressed count in words (never "hidden were upgraded"), the missing grades named (the
primary tumor's or the liver biopsy's) so the counts add up to the patients shown; and
the transition heatmap's cells (an empty cell reads "–", never "0%")."""

from __future__ import annotations

import re

import pandas as pd

from risk.cohort import NO_SUPPRESSION, Disclosure, shown
from risk.cohort.sentences import (
    grade_change_sentence,
    join_sentences,
    missing_grade_sentences,
)
from risk.cohort.summary import grade_transitions
from risk.i18n import using_language
from risk.present.figures.cohort import EMPTY_CELL, heatmap_cell, transition_heatmap


def patients(pairs: list[tuple[str | None, str | None]]) -> pd.DataFrame:
    """A frame of (primary grade, liver grade) pairs, one row per patient."""
    return pd.DataFrame(pairs, columns=["primary_grade", "met_grade"])


def sentences(frame: pd.DataFrame, rule: Disclosure = NO_SUPPRESSION) -> str:
    shown_ = shown.shown_transitions(grade_transitions(frame), rule)
    return join_sentences([grade_change_sentence(shown_), *missing_grade_sentences(shown_)])


def test_counts_shares_and_plurals_are_those_of_the_data():
    frame = patients([("G1", "G2"), ("G1", "G1"), ("G2", "G2"), ("G2", "G2"),
                      ("G1", None), ("G1", None), (None, "G3")])
    text = sentences(frame)
    assert text.startswith("Of **4** patients with both grades, 1 (25%) was upgraded in "
                           "the liver, 0 (0%) were downgraded and 3 (75%) kept the same grade.")
    assert "**1** patient has a liver-biopsy grade but no primary-tumor grade." in text
    assert "**2** patients have a primary-tumor grade but no liver-biopsy grade." in text
    assert "lack a grade" not in text


def test_the_counts_add_up_to_the_patients():
    frame = patients([("G1", "G2")] * 7 + [("G2", "G2")] * 30 + [("G3", "G1")] * 6
                     + [("G2", None)] * 9 + [(None, "G1")] * 8)
    text = sentences(frame)
    both = int(re.search(r"Of \*\*(\d+)\*\* patients with both grades", text).group(1))
    lacking = [int(n) for n in re.findall(r"\*\*(\d+)\*\* patients? ha(?:s|ve) a", text)]
    assert both + sum(lacking) == len(frame)
    assert "no primary-tumor grade" in text and "no liver-biopsy grade" in text


def test_a_suppressed_count_is_said_in_words_not_as_a_subject():
    frame = patients([("G1", "G2")] * 3 + [("G1", "G1")] * 30 + [("G2", "G2")] * 30
                     + [("G2", "G1")] * 12 + [("G1", None)] * 2 + [(None, "G2")] * 9)
    text = sentences(frame, Disclosure(5))
    assert "fewer than 5 were upgraded in the liver" in text
    assert "Fewer than 5 patients have a primary-tumor grade but no liver-biopsy grade." in text
    assert not re.search(r"(hidden|<5) (were|was|kept|lack)", text), text
    assert "lack a grade" not in text


def test_in_chinese_the_sentences_are_chinese_with_chinese_punctuation():
    frame = patients([("G1", "G2"), ("G1", "G1"), ("G2", "G2"), ("G1", None)])
    with using_language("zh_Hans"):
        text = sentences(frame)
    assert "升级" in text and "原发肿瘤分级" in text
    assert text.endswith("。") and "。 " not in text
    assert not re.search(r"[A-Za-z]{3,}", text.replace("Ki-67", ""))


def test_an_empty_heatmap_cell_reads_a_dash_and_shares_are_whole_percentages():
    assert heatmap_cell(0, 0.0) == EMPTY_CELL
    assert heatmap_cell(12, 34.4) == "12<br>34%"
    assert heatmap_cell("<5", float("nan")) == f"<5<br>{EMPTY_CELL}"
    frame = patients([("G1", "G1")] * 5 + [("G1", "G2")] * 2 + [("G2", "G3")] * 4
                     + [(None, "G1")] * 3)
    texts = [t for row in transition_heatmap(grade_transitions(frame)).data[0].text
             for t in row]
    assert all(t == EMPTY_CELL or re.fullmatch(r"[\d,]+<br>\d{1,3}%", t) for t in texts), texts
    assert not any(re.search(r"(^|>)0+%", t) for t in texts)
