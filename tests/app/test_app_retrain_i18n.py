"""The Retrain page in Simplified Chinese after a cohort is uploaded and after a model is
trained: no English word left (``visible_text``'s scanner)."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_app_retrain
from cohort_frames import make_cohort
from streamlit.testing.v1 import AppTest
from test_app_retrain import finish_training, upload
from visible_text import english_words, visible_texts

from risk.i18n import using_language
from risk.model import BiopsyRiskModel
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import Registry
from risk.synthetic.generator import cohort_csv_text, generate_cohort

# The retrain page's fixtures: a temporary registry with one active version, a cohort.
registry = test_app_retrain.registry
cohort = test_app_retrain.cohort


@pytest.fixture(scope="module")
def base_registry(tmp_path_factory) -> Path:
    """As the retrain tests' registry, its version named as the scanner keeps it (a
    version's name is the user's own text, not a word to translate)."""
    frame = make_cohort(300, seed=3)
    model = BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(frame)
    folder = tmp_path_factory.mktemp("retrain_zh") / "models"
    Registry(folder).save(model.to_dict(), build_card(training_data=data_fingerprint(frame)),
                          version="apptest-v1", activate=True)
    return folder


def chinese_page() -> AppTest:
    at = AppTest.from_file(test_app_retrain.APP, default_timeout=test_app_retrain.TIMEOUT)
    at.session_state["language"] = "zh_Hans"
    at.run()
    at.switch_page("pages/retrain.py").run()
    assert not at.exception, at.exception
    return at


def test_the_page_after_an_upload_has_no_english(registry, cohort):
    at = upload(chinese_page(), cohort)
    assert [b for b in at.button if b.key == "train"]
    assert "有效" in " ".join(s.value for s in at.success)
    assert any("队列偏小" in w.value for w in at.warning)  # the sample-size warning
    left = english_words(visible_texts(at))
    assert left == [], "\n".join(left)


def trained(data: bytes) -> AppTest:
    """The Chinese page after a model is trained on ``data`` (5 bootstrap resamples)."""
    at = upload(chinese_page(), data)
    # AppTest words the choices in the test's own thread (as the script does in its own)
    with using_language("zh_Hans"):
        at.radio(key="penalizer_mode").set_value("fixed").run()
        at.number_input(key="bootstrap").set_value(5)
        at.button(key="train").click().run()
        finish_training(at)
    return at


def test_the_page_after_training_has_no_english(registry, cohort, monkeypatch):
    from streamlit.delta_generator import DeltaGenerator

    reports = {}  # the downloads' builders, called here, after the script run
    shown_button = DeltaGenerator.download_button

    def button(self, label, data, **kwargs):
        reports[kwargs["key"]] = data
        return shown_button(self, label, data, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", button)
    at = trained(cohort)
    notes = at.session_state["retrain_candidate"][1].notes
    assert notes  # the fit's notes (the baseline held flat) are shown, in Chinese
    shown = " ".join(visible_texts(at))
    assert "New model" not in shown and "新模型" in shown
    assert "基线在第" in shown
    left = english_words(visible_texts(at))
    assert left == [], "\n".join(left)
    page = reports["new_html"]()  # the full report downloaded: in the page's language
    assert page.startswith("<!DOCTYPE html><html lang='zh-Hans'>") and "<h2>亚组</h2>" in page


def test_the_page_after_training_with_pfs_has_no_english(registry):
    """A cohort with progression-free survival: the PFS model's table, counts and note."""
    at = trained(cohort_csv_text(generate_cohort(240, 21)).encode())
    assert at.session_state["retrain_candidate"][1].report.pfs is not None
    assert "无进展生存期模型" in " ".join(visible_texts(at))
    left = english_words(visible_texts(at))
    assert left == [], "\n".join(left)
