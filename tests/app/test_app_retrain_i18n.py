"""The Retrain page in Simplified Chinese after a cohort is uploaded, a model trained,
saved and activated, and the active model recalibrated: no English word left."""

from __future__ import annotations

import os

import pytest
import test_app_retrain
from test_app_retrain import finish_training, upload
from streamlit.testing.v1 import AppTest
from visible_text import english_words, visible_texts

from risk.i18n import using_language

base_registry = test_app_retrain.base_registry
registry = test_app_retrain.registry
cohort = test_app_retrain.cohort


def chinese_page() -> AppTest:
    at = AppTest.from_file(test_app_retrain.APP, default_timeout=test_app_retrain.TIMEOUT)
    at.session_state["language"] = "zh_Hans"
    at.run()
    at.switch_page("pages/retrain.py").run()
    assert not at.exception, at.exception
    return at


def test_scan(registry, cohort):
    at = upload(chinese_page(), cohort)
    print("UPLOAD", *english_words(visible_texts(at)), sep="\n  ")
    with using_language("zh_Hans"):
        at.radio(key="penalizer_mode").set_value(at.radio(key="penalizer_mode").options[1]).run()
    at.number_input(key="bootstrap").set_value(5)
    at.button(key="train").click().run()
    print("RUNNING", *english_words(visible_texts(at)), sep="\n  ")
    finish_training(at)
    print("TRAINED", *english_words(visible_texts(at)), sep="\n  ")
    at.button(key="trained_save").click().run()
    print("SAVED", *english_words(visible_texts(at)), sep="\n  ")
    at.checkbox(key="trained_confirm").check().run()
    at.button(key="trained_activate").click().run()
    print("ACTIVATED", *english_words(visible_texts(at)), sep="\n  ")
    at.checkbox(key="slope").check().run()
    at.button(key="recalibrate").click().run()
    print("RECAL", *english_words(visible_texts(at)), sep="\n  ")
    assert not at.exception
