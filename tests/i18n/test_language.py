"""The current language, its translations and its number formats."""

from __future__ import annotations

import threading

import pytest

from risk.i18n import (
    _,
    current_language,
    format_number,
    format_percent,
    language_from_locale,
    use_language,
    using_language,
)


@pytest.mark.parametrize(("locale", "language"), [
    ("zh-CN", "zh_Hans"), ("zh_CN.UTF-8", "zh_Hans"), ("zh-Hans-SG", "zh_Hans"),
    ("zh", "zh_Hans"), ("zh-TW", "en"), ("zh-Hant-HK", "en"), ("en-US", "en"),
    ("de-DE", "en"), (None, "en"), ("", "en"),
])
def test_language_from_locale(locale, language):
    assert language_from_locale(locale) == language


def test_translation_follows_the_current_language():
    assert _("Patient") == "Patient"
    with using_language("zh_Hans"):
        assert _("Patient") == "患者"
        assert current_language() == "zh_Hans"
    assert current_language() == "en"


def test_a_thread_does_not_see_another_threads_language():
    seen = []

    def worker():
        seen.append(_("Patient"))

    with using_language("zh_Hans"):
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert seen == ["Patient"]


def test_unknown_language_refused():
    with pytest.raises(ValueError, match="fr"):
        use_language("fr")


def test_numbers_keep_their_values_in_each_language():
    for language in ("en", "zh_Hans"):
        with using_language(language):
            assert format_percent(0.4249) == "42%"
            assert format_percent(0.4251, 1) == "42.5%"
            assert format_number(12345.678, 1) == "12,345.7"
