"""AppTest: the router and the home page."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def test_home_page_renders_without_exception():
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert "Liver-biopsy grade" in at.title[0].value
    warning = " ".join(w.value for w in at.warning)
    assert "Not a medical device" in warning and "synthetic" in warning
