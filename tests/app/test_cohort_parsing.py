"""A large cohort file is read by a worker process (riskapp.cohort_parsing): the same
cohort, problems and words as read in the server, and read in the server when no worker
can be had."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from risk.i18n import use_language
from risk.synthetic.generator import cohort_csv_text, generate_cohort
from riskapp import cohort_parsing


@pytest.fixture(scope="module")
def cohort_file() -> bytes:
    return cohort_csv_text(generate_cohort(300, 41)).encode()


@pytest.fixture
def offloaded(monkeypatch):
    """Every file goes to a worker (the real threshold is a megabyte); no worker is kept
    for the other tests."""
    monkeypatch.setattr(cohort_parsing, "OFFLOAD_BYTES", 0)
    _close_idle()  # a worker another test in this process left (a Cohort page warms one)
    yield
    _close_idle()


def _close_idle() -> None:
    while not cohort_parsing._IDLE.empty():
        cohort_parsing._IDLE.get_nowait().close()
        cohort_parsing._lost()


def same(a: cohort_parsing.LoadedCohort, b: cohort_parsing.LoadedCohort) -> None:
    assert (a.digest, a.summary, a.problems, a.note_records, a.ignored_columns) == (
        b.digest, b.summary, b.problems, b.note_records, b.ignored_columns)
    if a.frame is None or b.frame is None:
        assert a.frame is None and b.frame is None
    else:
        pd.testing.assert_frame_equal(a.frame, b.frame)


def test_a_worker_reads_the_cohort_the_server_would(cohort_file, offloaded):
    use_language("en")
    here = cohort_parsing.parse_cohort(cohort_file, "d")
    there = cohort_parsing.read_cohort_file(cohort_file, "d", None, None, "en")
    assert there.ok and len(there.frame) == 300
    same(here, there)
    again = cohort_parsing.read_cohort_file(cohort_file, "d", None, None, "en")  # the same worker
    same(here, again)
    assert cohort_parsing._STARTED == 1


def test_a_workers_problems_are_in_the_sessions_language(cohort_file, offloaded):
    bad = cohort_file.replace(b",female,", b",femal,", 2)
    use_language("zh_Hans")
    try:
        here = cohort_parsing.parse_cohort(bad, "b")
    finally:
        use_language("en")
    there = cohort_parsing.read_cohort_file(bad, "b", None, None, "zh_Hans")
    assert not there.ok and len(there.problems) == 2
    same(here, there)


def test_without_a_worker_the_file_is_read_in_the_server(cohort_file, offloaded,
                                                         monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    use_language("en")
    there = cohort_parsing.read_cohort_file(cohort_file, "d", None, None, "en")
    same(cohort_parsing.parse_cohort(cohort_file, "d"), there)
    assert cohort_parsing._STARTED == 0


def test_a_worker_that_dies_is_replaced_and_the_file_read_in_the_server(cohort_file,
                                                                        offloaded):
    use_language("en")
    worker = cohort_parsing._start()
    worker.process.kill()
    worker.process.wait()
    cohort_parsing._IDLE.put(worker)
    there = cohort_parsing.read_cohort_file(cohort_file, "d", None, None, "en")
    same(cohort_parsing.parse_cohort(cohort_file, "d"), there)
    assert cohort_parsing._STARTED == 0
    same(there, cohort_parsing.read_cohort_file(cohort_file, "d", None, None, "en"))  # a new one
    assert cohort_parsing._STARTED == 1


def test_a_small_file_is_read_in_the_server(cohort_file, monkeypatch):
    monkeypatch.setattr(cohort_parsing, "_take", lambda: pytest.fail("a worker was asked"))
    use_language("en")
    assert cohort_parsing.read_cohort_file(cohort_file, "d", None, None, "en").ok


def test_a_worker_reads_a_redcap_export_through_its_preset(offloaded, tmp_path):
    """The preset crosses the pipe as JSON and is the same preset there (its tuples)."""
    from redcap_export import dictionary_csv, raw_export

    from risk.data import read_cells
    from risk.data.redcap import read_dictionary, redcap_preset

    shipped = tmp_path / "cohort.csv"
    shipped.write_text(cohort_csv_text(generate_cohort(200, 43)))
    export = raw_export(shipped)
    fields = read_dictionary(read_cells(dictionary_csv()))
    preset = redcap_preset(list(read_cells(export).columns), fields)
    use_language("en")
    here = cohort_parsing.parse_cohort(export, "r", None, preset)
    there = cohort_parsing.read_cohort_file(export, "r", None, preset, "en")
    assert there.ok and len(there.frame) == 200
    same(here, there)

