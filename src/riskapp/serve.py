"""Start the app warm: ``python -m riskapp.serve [streamlit run options]`` (``make run``).

``streamlit run app.py`` opens its port at once and leaves everything to the first
visitor: the first Patient page of a fresh process imports pandas, the registry and the
model code, reads and verifies the active version, primes its prediction paths and
computes the training curve (about 2 s here, and the browser's own requests wait behind
that work). This launcher does that work in the server's own process *before* the port
opens, filling the same ``st.cache_resource`` entries the pages read, so the first
clinician gets the page as fast as the hundredth. Everything warmed is shared and holds
no patient: the model, its card, the training cohort's curve and imported code.

Run it from the repository folder (``make run`` does): Streamlit reads
``.streamlit/config.toml`` (loopback, XSRF protection, upload limit) from the working
directory, as ``streamlit run app.py`` does.

Warming is an optimisation: if any of it fails (no model yet, a damaged registry), the
server starts anyway and the page says what is wrong, as it would have.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app.py"

#: What every first page imports; importing it here keeps it off the first visit.
FIRST_VISIT_MODULES = (
    "streamlit.emojis",  # set_page_config checks the page icon against it
    "riskapp.access", "riskapp.accessibility", "riskapp.language", "riskapp.routing",
    "riskapp.patient_fhir", "riskapp.patient_form", "riskapp.widgets",
)

#: Streamlit warns on every cached call made outside a script run; here that is intended.
_QUIET_LOGGERS = ("streamlit.runtime.scriptrunner_utils.script_run_context",
                  "streamlit.runtime.caching.cache_data_api",
                  "streamlit.runtime.state.session_state_proxy")


def _below_error(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # a filter, not a level: Streamlit sets its loggers' levels when it first makes them
    loggers = [logging.getLogger(name) for name in _QUIET_LOGGERS]
    for lg in loggers:
        lg.addFilter(_below_error)
    try:
        yield
    finally:
        for lg in loggers:
            lg.removeFilter(_below_error)


def warm() -> str:
    """Load what a first visit needs into this process; a line saying what was done."""
    started = time.perf_counter()
    with _quiet():
        try:
            for name in FIRST_VISIT_MODULES:
                importlib.import_module(name)
            from riskapp import loaders

            served = loaders.served_model()
            loaders.active_is_synthetic()
            loaders.warm_up(served)
        except Exception as exc:  # noqa: BLE001 - never stop the server; the page says why
            return (f"warm start skipped ({type(exc).__name__}: {exc}); the pages will say "
                    "so, or load the model on the first visit once it can be served")
    return (f"model {served.version} loaded and warmed in "
            f"{time.perf_counter() - started:.1f} s")


def serve_warm(argv: list[str] | None = None) -> int:
    """Warm up, then hand over to ``streamlit run app.py`` with ``argv``'s options."""
    options = sys.argv[1:] if argv is None else argv
    if not {"-h", "--help"} & set(options):  # help needs no model
        print(warm(), flush=True)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *options]
    try:
        cli.main()  # a click command: ends with SystemExit
    except SystemExit as ended:
        return ended.code if isinstance(ended.code, int) else int(ended.code is not None)
    return 0


if __name__ == "__main__":
    sys.exit(serve_warm())
