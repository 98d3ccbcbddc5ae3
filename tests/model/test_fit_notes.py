"""The fit's notes: stored in English as they always were, read back to their template and
parts, worded in the reader's language with the same numbers."""

from __future__ import annotations

import re

import pytest
from cohort_frames import make_cohort
from visible_text import english_words

from risk.i18n import using_language
from risk.model import BiopsyRiskModel
from risk.model.fit_notes import FLAT_BASELINE, STABILISED, TEMPLATES, FitNote, read_note
from risk.present.model_summary import fitting_note_words
from risk.stats.estimability import (
    DROPPED_DETERMINED,
    DROPPED_NO_DEATHS,
    DroppedColumn,
    describe_dropped,
    dropped_parts,
)


def _numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:\.\d+)?", text)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_reads_back_to_its_parts(template):
    names = re.findall(r"\{(\w+)\}", template)
    note = FitNote.of(template, **{n: f"'Part {i}'" for i, n in enumerate(names)})
    for stored in (note, note.about("biopsy"), note.about("primary_only").of_pfs()):
        assert read_note(str(stored)) == stored


def test_the_sentences_stored_are_the_ones_files_already_hold():
    """The model file's text is unchanged: earlier files read as notes, new files hold the
    same sentences."""
    flat = FitNote.of(FLAT_BASELINE, grid_end="120", last=79).about("biopsy").of_pfs()
    assert str(flat) == ("progression-free survival, biopsy: the last training death is "
                         "before month 120: the baseline is held flat after month 79")
    words = {"x": "'Primary site = Colon'", "r": "'Primary site = Pancreas'"}.get
    record = DroppedColumn("x", "no_deaths")
    template, parts = dropped_parts(record, words, lambda _: words("r"))
    assert template == DROPPED_NO_DEATHS
    assert str(FitNote.of(template, **parts)) == describe_dropped(record, words,
                                                                  lambda _: words("r"))


def test_a_note_in_chinese_has_the_same_numbers_and_no_english():
    stored = "biopsy: the last training death is before month 120: the baseline is held " \
             "flat after month 79"
    with using_language("zh_Hans"):
        words = fitting_note_words(stored)
    assert _numbers(words) == ["120", "79"]
    assert english_words([words]) == [], words


def test_column_names_in_a_note_are_worded_from_the_schema():
    note = FitNote.of(DROPPED_DETERMINED, column="'Primary site = Unknown primary'",
                      others="'Primary WHO grade = Not assessed' and 'Primary site = Colon'")
    with using_language("zh_Hans"):
        words = read_note(str(note.about("primary_only"))).words()
    assert english_words([words]) == [], words
    assert words.count("'") == 6  # three names, each quoted


def test_a_note_no_template_wrote_is_shown_as_stored():
    stored = "biopsy: something an earlier version wrote"
    note = read_note(stored)
    assert str(note) == stored and note.model == "biopsy"
    with using_language("zh_Hans"):
        assert note.words() == "something an earlier version wrote"


def test_a_fit_in_a_chinese_session_stores_its_notes_in_english():
    frame = make_cohort(300, seed=3)
    frame = frame[frame["primary_site"] != "appendix"]  # a level nobody has: a note
    with using_language("zh_Hans"):
        model = BiopsyRiskModel(penalizer=0.0, extra_terms=()).fit(frame)
    stored = model.to_dict()["notes"]
    assert any("'Primary site = Appendix': the same for every training patient" in n
               for n in stored), stored
    assert all(n.isascii() for n in stored)
    again = BiopsyRiskModel.from_dict(model.to_dict())
    assert again.notes_ == model.notes_


def test_the_stabilising_penalty_note_keeps_its_numbers():
    note = FitNote.of(STABILISED, reason="the estimates are not finite", penalizer=0.001)
    assert read_note(str(note)).parts == note.parts
    with using_language("zh_Hans"):
        assert "0.001" in note.words()


def test_the_solvers_reason_is_worded_in_the_readers_language():
    """A stabilised fit's note and a failed fit's error name the solver's reason in the
    reader's language, from the English stored."""
    from risk.model.fit import _failure
    from risk.stats.cox_solver import DIVERGE, FAILURES, CoxConvergenceError

    note = read_note(str(FitNote.of(STABILISED, reason=DIVERGE, penalizer=0.001)))
    with using_language("zh_Hans"):
        assert "系数发散" in note.words() and "diverge" not in note.words()
        for reason in FAILURES:
            worded = _failure(CoxConvergenceError(reason), 0.05)
            assert reason not in worded and "0.05" in worded
    assert DIVERGE in _failure(CoxConvergenceError(DIVERGE), 0.05)
