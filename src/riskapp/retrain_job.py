"""Retrain page: training runs off the script thread, as one background job per session.

Training a cohort with its bootstrap takes from seconds to minutes. Run inside the
script, it froze the page (and, on a shared server, every rerun of this session) until it
ended. Here the page submits a :class:`TrainingJob` to a small pool shared by the server's
sessions and returns at once; the job's progress is shown by a fragment that polls it,
survives reruns (the job lives in this session's ``st.session_state``) and hands the
result to the page when it is done. A second training while one runs is refused with a
message. The worker thread never touches Streamlit: it only writes the job's fields.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from risk.i18n import _

JOB_KEY = "retrain_job"
#: Trainings running at once on the server (each holds a core); more wait in line.
MAX_RUNNING = 2
POLL_SECONDS = 0.5


@st.cache_resource(show_spinner=False)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(MAX_RUNNING, thread_name_prefix="retrain")


@dataclass
class TrainingJob:
    """One training of this session: its progress while it runs, then its outcome."""

    digest: str  # the upload it trains on
    future: Future[Any] | None = None
    fraction: float = 0.0
    text: str = field(default_factory=lambda: _("Waiting for a free worker..."))
    started: float = field(default_factory=time.time)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def progress(self, fraction: float, text: str) -> None:
        """The training's progress callback (called on the worker thread)."""
        with self._lock:
            self.fraction, self.text = min(max(fraction, 0.0), 1.0), text

    def shown(self) -> tuple[float, str]:
        with self._lock:
            return self.fraction, self.text

    @property
    def running(self) -> bool:
        return self.future is not None and not self.future.done()


def running_job() -> TrainingJob | None:
    """This session's training while it runs."""
    job = st.session_state.get(JOB_KEY)
    return job if isinstance(job, TrainingJob) and job.running else None


def start(digest: str, train: Callable[[Callable[[float, str], None]], Any]) -> TrainingJob:
    """Run ``train(progress)`` in the background for this session; refuses a second one.

    Raises
    ------
    RuntimeError
        A training of this session is still running (the page says so).
    """
    if running_job() is not None:
        raise RuntimeError("a training of this session is still running")
    job = TrainingJob(digest)
    job.future = _pool().submit(train, job.progress)
    st.session_state[JOB_KEY] = job
    return job


def finished_job() -> TrainingJob | None:
    """This session's training once it has ended (taken: returned once)."""
    job = st.session_state.get(JOB_KEY)
    if isinstance(job, TrainingJob) and job.future is not None and job.future.done():
        del st.session_state[JOB_KEY]
        return job
    return None


def wait(job: TrainingJob, timeout: float | None = None) -> None:
    """Block until ``job`` ends (for tests and scripts; the page polls instead)."""
    if job.future is not None:
        with contextlib.suppress(Exception):  # the page reports the job's failure
            job.future.result(timeout)


@st.fragment(run_every=POLL_SECONDS)
def progress_panel() -> None:
    """The running job's progress bar; a full rerun of the page once it has ended."""
    job = st.session_state.get(JOB_KEY)
    if not isinstance(job, TrainingJob):
        return
    if not job.running:
        st.rerun()  # the page takes the result
    fraction, text = job.shown()
    elapsed = time.time() - job.started
    st.progress(fraction, text=_("{step} ({seconds} s; the rest of the page stays "
                                 "usable)").format(step=text, seconds=f"{elapsed:.0f}"))
