"""Numbers in the current language's formats (babel's CLDR data): the same values, the
locale's separators and signs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from risk.i18n.catalog import current_language

if TYPE_CHECKING:
    from datetime import datetime

#: The CLDR locale of each language's numbers.
_CLDR = {"en": "en_US", "zh_Hans": "zh_Hans_CN"}


def _locale() -> str:
    return _CLDR[current_language()]


def format_number(value: float, digits: int = 1) -> str:
    """``value`` with exactly ``digits`` decimals and the locale's group separator."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=_locale())


def format_integer(value: int) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, format="#,##0", locale=_locale())


def format_percent(fraction: float, digits: int = 0) -> str:
    """A fraction (0.42) as a percentage ("42%") with ``digits`` decimals."""
    from babel.numbers import format_percent as _format

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return _format(fraction, format=pattern, locale=_locale())


def format_date(value: datetime) -> str:
    """A date in the locale's medium form ("Dec 2, 2026"; "2026年12月2日")."""
    from babel.dates import format_date as _format

    return _format(value, format="medium", locale=_locale())


def format_time(value: datetime) -> str:
    """A time of day in the locale's 24-hour form, to the minute ("17:03")."""
    from babel.dates import format_time as _format

    return _format(value, format="HH:mm", locale=_locale())
