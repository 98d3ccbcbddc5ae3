"""Languages: the message catalogues (gettext, compiled by babel) and locale formats.

Every word a person reads goes through :func:`_` (or is marked with :func:`N_` where it is
defined and translated by :func:`_` where it is shown). The language of the current
session, script run or command is a context variable set once at its start
(:func:`use_language`), so the core never needs to be told it call by call. English is the
source language; ``make messages`` extracts the msgids with babel into
``src/risk/locale/messages.pot`` and merges them into each catalogue; ``make locale``
compiles the ``.mo`` files (committed, and tested to be up to date).
"""

from __future__ import annotations

from risk.i18n.catalog import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALE_DIR,
    N_,
    Words,
    _,
    current_language,
    language_from_locale,
    language_tag,
    ngettext,
    use_language,
    using_language,
)
from risk.i18n.numbers import (
    format_date,
    format_integer,
    format_number,
    format_percent,
    format_time,
)

__all__ = [
    "DEFAULT_LANGUAGE", "LANGUAGES", "LOCALE_DIR", "N_", "_", "current_language",
    "format_date", "format_integer", "format_number", "format_percent", "format_time",
    "language_from_locale", "language_tag", "ngettext", "use_language", "using_language",
    "Words",
]
