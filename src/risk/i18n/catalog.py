"""The catalogues and the current language.

The language is a :class:`contextvars.ContextVar`: each Streamlit script run, each
command-line run and each test sets its own, and a session in another thread never sees
it. A msgid without a translation falls back to the English (the tests make sure there
is none in a shipped catalogue).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import gettext as _gettext
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

#: Language code -> its name in its own language (the selector's choices).
LANGUAGES: dict[str, str] = {"en": "English", "zh_Hans": "简体中文"}
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
_DOMAIN = "messages"

_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "risk_language", default=DEFAULT_LANGUAGE)


@functools.cache
def _translations(language: str) -> _gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    # fallback=False: a shipped language without its .mo is a packaging error, said loudly
    return _gettext.translation(_DOMAIN, localedir=LOCALE_DIR, languages=[language])


def language_from_locale(locale: str | None) -> str:
    """The supported language for a browser's or the environment's locale ("zh-CN",
    "zh_CN.UTF-8", "zh-Hans-SG" -> ``zh_Hans``; anything else -> English). Traditional
    Chinese locales (zh-TW, zh-HK, zh-Hant) stay English: there is no catalogue for them."""
    text = (locale or "").replace("-", "_").split(".")[0].lower()
    if text == "zh" or text.startswith(("zh_cn", "zh_sg", "zh_hans", "zh_my")):
        return "zh_Hans"
    return DEFAULT_LANGUAGE


def use_language(language: str) -> None:
    """Make ``language`` (a key of :data:`LANGUAGES`) the current one in this context."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    _current.set(language)


@contextlib.contextmanager
def using_language(language: str) -> Iterator[None]:
    """The current language is ``language`` inside the block, as before afterwards."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    token = _current.set(language)
    try:
        yield
    finally:
        _current.reset(token)


def current_language() -> str:
    return _current.get()


#: Each language's BCP 47 tag (an HTML page's ``lang``).
_TAGS = {"en": "en", "zh_Hans": "zh-Hans"}


def language_tag() -> str:
    """The current language as a BCP 47 tag ("en", "zh-Hans")."""
    return _TAGS[_current.get()]


def _(message: str) -> str:
    """``message`` in the current language."""
    return _translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the current language."""
    return _translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue where it is defined (a constant); it is
    translated by :func:`_` where it is shown."""
    return message


class Words(Mapping[object, str]):
    """A table of words (code -> English msgid, or a function of the code) read in the
    current language at each lookup: a module's constant that stays right after the
    language changes. ``Words({"os": N_("overall survival")})``."""

    def __init__(self, table: Mapping[object, str] | None = None, *,
                 keys: Iterable[object] = (), words: Callable[[object], str] | None = None):
        self._table = dict(table or {})
        self._keys = tuple(self._table) if table is not None else tuple(keys)
        self._words = words

    def __getitem__(self, key: object) -> str:
        if key not in self._keys:
            raise KeyError(key)
        if self._words is not None:
            return self._words(key)
        return _(self._table[key])

    def __iter__(self) -> Iterator[object]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
