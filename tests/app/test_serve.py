"""The warm start (``python -m riskapp.serve``, what ``make run`` runs): the model is
loaded into the very cache the pages read before the server opens its port; a registry
that cannot be served never stops the server; options reach ``streamlit run``."""

from __future__ import annotations

from pathlib import Path

import pytest
from cohort_frames import save_active_model
from streamlit.testing.v1 import AppTest

from risk.registry.store import MODEL_DIR_ENV
from riskapp import loaders, serve

APP = str(Path(__file__).resolve().parents[2] / "app.py")
VERSION = "warm-v1"


@pytest.fixture(scope="module")
def registry_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    save_active_model(folder, VERSION, n=300, seed=11)
    return folder


@pytest.fixture
def fresh_cache():
    loaders.clear_served_models()
    yield
    loaders.clear_served_models()


def test_warm_loads_the_model_into_the_cache_the_pages_read(registry_folder, fresh_cache,
                                                            monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(registry_folder))
    said = serve.warm()
    assert said.startswith(f"model {VERSION} loaded and warmed in "), said

    def no_second_load(*args, **kwargs):
        raise AssertionError("the page loaded the model again")

    monkeypatch.setattr(loaders.registry, "load", no_second_load)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/patient.py").run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.button(key="predict") is not None  # the form, on the warmed model
    assert loaders.served_model().version == VERSION


def test_a_registry_that_cannot_be_served_never_stops_the_server(tmp_path, fresh_cache,
                                                                 monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))  # no version at all
    said = serve.warm()
    assert said.startswith("warm start skipped (RegistryError: no model is active in "), said
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/patient.py").run()
    assert not at.exception
    assert any("No model can be served" in e.value for e in at.error)  # the page says why


def test_help_needs_no_warm_up(monkeypatch):
    from streamlit.web import cli

    monkeypatch.setattr(serve, "warm", lambda: pytest.fail("help warmed the model"))
    monkeypatch.setattr(cli, "main", lambda: (_ for _ in ()).throw(SystemExit(0)))
    assert serve.serve_warm(["--help"]) == 0


def test_options_reach_streamlit_run_after_the_warm_up(monkeypatch):
    order: list[object] = []
    monkeypatch.setattr(serve, "warm", lambda: order.append("warm") or "warmed")

    def streamlit_main():
        import sys

        order.append(list(sys.argv))
        raise SystemExit(3)  # click's way of ending, with the server's exit code

    from streamlit.web import cli

    monkeypatch.setattr(cli, "main", streamlit_main)
    monkeypatch.setattr("sys.argv", ["serve"])
    assert serve.serve_warm(["--server.port", "8600", "--server.address", "127.0.0.1"]) == 3
    assert order == ["warm", ["streamlit", "run", APP, "--server.port", "8600",
                              "--server.address", "127.0.0.1"]]
