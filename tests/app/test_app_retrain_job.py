"""Training runs off the script thread (riskapp.retrain_job): the page answers while it
runs, shows its progress, refuses a second training of the same session, and takes the
result (or the failure) once it ends."""

from __future__ import annotations

import threading

import pytest
import test_app_retrain
from test_app_retrain import finish_training, retrain_page, shown_table, texts, upload

import riskapp.retrain_train as retrain_train
from risk.errors import ModelError
from riskapp.retrain_job import JOB_KEY, wait

TIMEOUT = 180
# The retrain page's fixtures: a temporary registry with one active version, a cohort.
base_registry = test_app_retrain.base_registry
registry = test_app_retrain.registry
cohort = test_app_retrain.cohort


@pytest.fixture
def held_training(monkeypatch):
    """Training that reports progress, then waits for the test's go before it fits."""
    go, reported = threading.Event(), threading.Event()
    real = retrain_train.train_and_evaluate

    def held(*args, progress, **kwargs):
        progress(0.25, "Fitting the biopsy model...")
        reported.set()
        assert go.wait(TIMEOUT)
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(retrain_train, "train_and_evaluate", held)
    return go, reported


def _progress(at) -> str:
    return " ".join(e.proto.text for e in at.get("progress"))


def _start(at):
    at.radio(key="penalizer_mode").set_value("fixed").run()
    at.number_input(key="bootstrap").set_value(0)
    at.button(key="train").click().run()
    assert not at.exception, at.exception
    return at


def test_the_page_answers_while_training_runs_and_takes_the_result(registry, cohort,
                                                                   held_training):
    go, reported = held_training
    at = _start(upload(retrain_page(), cohort))
    job = at.session_state[JOB_KEY]
    assert job.running
    assert reported.wait(TIMEOUT)
    at.run()  # what the page's polling fragment does every half second
    assert "Fitting the biopsy model..." in _progress(at)
    assert "the rest of the page stays usable" in _progress(at)
    # the page still answers: another widget reruns it while the fit waits
    at.checkbox(key="slope").check().run()
    assert not at.exception and job.running
    assert [b for b in at.button if b.key == "recalibrate"]
    # a second training of the same session is refused, the first keeps running
    at.button(key="train").click().run()
    assert "still running" in texts(at, "warning")
    assert at.session_state[JOB_KEY] is job
    go.set()
    wait(job, TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    assert JOB_KEY not in at.session_state
    assert not _progress(at)
    assert "New model" in shown_table(at, "comparison_table").columns


def test_a_failed_training_is_reported_in_words(registry, cohort, monkeypatch):
    def failing(*args, progress, **kwargs):
        raise ModelError("the cohort has no deaths in the biopsy model's patients")

    monkeypatch.setattr(retrain_train, "train_and_evaluate", failing)
    at = finish_training(_start(upload(retrain_page(), cohort)))
    assert "Training failed: the cohort has no deaths" in texts(at, "error")
    assert not [e for e in at.get("progress")]
