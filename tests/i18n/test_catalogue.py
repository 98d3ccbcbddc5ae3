"""The message catalogues: every msgid in the sources is translated, placeholders match,
the compiled .mo is that of the .po, and the glossary's clinical terms are used."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from risk.i18n import LOCALE_DIR
from risk.i18n.compile import compile_catalogue

REPO = Path(__file__).resolve().parents[2]
LANGUAGES = ["zh_Hans"]
#: str.format fields ({n}, {value:.0%}) and %-style conversions (%s, %(name)d)
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:\([a-z_]+\))?[-+#0-9.]*[sdfgiex]\b")


def _method_map():
    """babel.cfg's sections as babel's (pattern, method) pairs."""
    patterns = re.findall(r"^\[python: (.+)\]$", (REPO / "babel.cfg").read_text(), re.M)
    assert patterns, "babel.cfg lists no sources"
    return [(p, "python") for p in patterns]


@pytest.fixture(scope="module")
def extracted() -> dict[str, tuple[str, int]]:
    """Every msgid of the sources, as ``make messages`` extracts them -> (file, line)."""
    out: dict[str, tuple[str, int]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
            str(REPO), method_map=_method_map(), keywords=DEFAULT_KEYWORDS):
        msgid = message if isinstance(message, str) else message[0]
        out.setdefault(msgid, (filename, line))
    return out


def _catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=language)


def test_sources_have_msgids(extracted):
    assert len(extracted) >= 5
    assert "Patient" in extracted


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_msgid_is_translated(extracted, language):
    """A new English string wrapped in ``_()`` fails here until it is translated (run
    ``make messages``, translate the new entries, ``make locale``)."""
    catalogue = _catalogue(language)
    untranslated = []
    for msgid, where in sorted(extracted.items()):
        message = catalogue.get(msgid)
        strings = () if message is None else (
            message.string if isinstance(message.string, tuple) else (message.string,))
        if message is None or not all(strings) or message.fuzzy:
            untranslated.append(f"{where[0]}:{where[1]} {msgid!r}")
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_match(language):
    """A msgstr has the same {fields} and %-conversions as its msgid (else the text
    formats wrongly or raises in that language)."""
    wrong = []
    for message in _catalogue(language):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = sorted(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            if text and sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append((ids[0], text))
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_up_to_date(language):
    """The committed .mo is what ``make locale`` compiles from the .po."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    assert po.with_suffix(".mo").read_bytes() == compile_catalogue(po), "run `make locale`"
    # the same bytes as babel's own writer of the catalogue
    buffer = io.BytesIO()
    write_mo(buffer, _catalogue(language))
    assert compile_catalogue(po) == buffer.getvalue()


def test_placeholder_check_can_fail():
    assert sorted(PLACEHOLDER.findall("{n} of {total:,} (%s)")) != sorted(
        PLACEHOLDER.findall("{n} / {total}"))


def test_the_glossary_is_in_the_catalogue():
    header = _catalogue("zh_Hans").header_comment
    for term in ("神经内分泌肿瘤", "Ki-67 指数", "WHO 分级", "总生存期", "无进展生存期",
                 "肝转移", "穿刺活检"):
        assert term in header
