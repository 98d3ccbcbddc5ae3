"""Sentences a file stores in English (a model file's fitting notes, a report's notes),
worded in the reader's language from the template that wrote them.

A signed or versioned file keeps the English sentence it always had, so every earlier file
reads as before. :class:`Sentences` holds the templates (English msgids) a module writes
such sentences from; :meth:`Sentences.read` takes a stored sentence back to its template
and parts, and :meth:`Sentences.words` puts the same parts, worded, into the catalogue's
sentence. The parts are text put back as they are (numbers unchanged), never computed
with. A sentence no template wrote is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from risk.i18n.catalog import _

#: Parts as stored: (name, English text) in the template's order.
Parts = tuple[tuple[str, str], ...]

_QUOTED = re.compile(r"'([^']*)'")


class Sentences:
    """The templates a module stores sentences from; ``worded`` are parts that are words
    of the catalogue (English msgids), worded for the reader like the sentence."""

    def __init__(self, templates: Iterable[str], worded: Iterable[str] = ()) -> None:
        self.templates = tuple(templates)
        self.worded = frozenset(worded)
        self._patterns = {t: re.compile(re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)",
                                               re.escape(t))) for t in self.templates}

    def __contains__(self, template: object) -> bool:
        return template in self._patterns

    def read(self, text: str) -> tuple[str, Parts] | None:
        """The template and parts that wrote ``text``; None if none of them did."""
        for template, pattern in self._patterns.items():
            found = pattern.fullmatch(text)
            if found:
                return template, tuple(found.groupdict().items())
        return None

    def words(self, template: str, parts: Parts) -> str:
        """The sentence in the current language (``template`` not one of these: as it
        is)."""
        if template not in self._patterns:
            return template
        return _(template).format(**{name: self._part_words(value) for name, value in parts})

    def words_of(self, text: str) -> str:
        """A stored sentence in the current language."""
        found = self.read(text)
        return text if found is None else self.words(*found)

    def _part_words(self, value: str) -> str:
        """A part in the current language: a word of ``worded`` from the catalogue; quoted
        names ("'Primary site = Pancreas'", or a list of them) name by name; anything
        else (a number) as stored."""
        names = _QUOTED.findall(value)
        if not names:
            return _(value) if value in self.worded else value
        if _QUOTED.sub("", value).replace(", ", "").replace(" and ", ""):
            return value  # more than a list of names
        worded = [f"'{_name_words(n)}'" for n in names]
        if len(worded) == 1:
            return worded[0]
        return _(", ").join(worded[:-1]) + _(" and ") + worded[-1]


def _name_words(name: str) -> str:
    """A quoted name as stored, an input and its level ("Primary site = Pancreas"; the
    schema's words, :func:`risk.model.features.column_words`), in the current language."""
    return " = ".join(_(part) if part else part for part in name.split(" = "))
