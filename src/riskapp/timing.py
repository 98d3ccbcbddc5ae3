"""How long each script run of the app takes, logged for the load benchmarks.

A line per run on the ``riskapp.timing`` logger, when ``RISK_LOG_SCRIPT_RUNS`` is set:
``script_run page=Patient seconds=0.213 outcome=completed submit=1``. It names the page,
the run's duration (from the start of a widget callback before it, such as the Patient
page's estimate), how it ended (``completed``, ``rerun`` or ``stopped``) and whether the
Patient page's submit button started it: never a value a user entered.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator

import streamlit as st

LOGGER = logging.getLogger("riskapp.timing")
ENABLED_BY = "RISK_LOG_SCRIPT_RUNS"


_CALLBACK = threading.local()  # a callback and the run after it share the script thread


def callback_started() -> None:
    """Called first in a widget callback: Streamlit runs callbacks before the script, so
    the run's time counts from here."""
    _CALLBACK.started = time.perf_counter()


def _logger() -> logging.Logger:
    if not LOGGER.handlers:  # once per process; Streamlit leaves the root logger alone
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        LOGGER.addHandler(handler)
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False
    return LOGGER


@contextlib.contextmanager
def script_run(page: str) -> Iterator[None]:
    """Time one run of ``page``'s script (a no-op unless :data:`ENABLED_BY` is set)."""
    if not os.environ.get(ENABLED_BY):
        yield
        return
    from riskapp.patient_form import SUBMIT_KEY  # the estimate button's press is a submit

    submit = bool(st.session_state.get(SUBMIT_KEY))
    started = getattr(_CALLBACK, "started", None) or time.perf_counter()
    _CALLBACK.started, outcome = None, "completed"
    try:
        yield
    except BaseException as exc:  # Streamlit's rerun and stop are exceptions
        name = type(exc).__name__
        outcome = "rerun" if "Rerun" in name else "stopped" if "Stop" in name else "error"
        raise
    finally:
        _logger().info("script_run page=%s seconds=%.4f outcome=%s submit=%d",
                       page.replace(" ", "_"), time.perf_counter() - started, outcome,
                       submit)
