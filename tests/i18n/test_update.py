"""`make messages` (risk.i18n.update): new msgids added untranslated, gone ones dropped,
translations and the translator's header kept exactly as written."""

from __future__ import annotations

from risk.i18n.catalog import LOCALE_DIR
from risk.i18n.update import update_catalogue

HEADER = ("# A catalogue.\n#\n# Glossary:\n#   overall survival (OS)        总生存期\n"
          "#   progression                  疾病进展\n")
PO = HEADER + '''msgid ""
msgstr ""
"Language: zh_Hans\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Kept"
msgstr "保留"

msgid "Gone"
msgstr "删除"
'''
POT = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Kept"
msgstr ""

msgid "New {n} patients, a sentence long enough to be wrapped by a writer that wraps at 76"
msgstr ""
'''


def test_update_adds_drops_and_keeps_the_header(tmp_path):
    po = tmp_path / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")
    pot = tmp_path / "messages.pot"
    pot.write_text(POT, encoding="utf-8")
    update_catalogue(po, pot)
    text = po.read_text(encoding="utf-8")
    assert text.startswith(HEADER)
    assert 'msgid "Kept"\nmsgstr "保留"' in text
    assert "Gone" not in text
    assert 'msgid "New {n} patients, a sentence long enough to be wrapped by a writer that ' \
           'wraps at 76"\nmsgstr ""' in text
    update_catalogue(po, pot)
    assert po.read_text(encoding="utf-8") == text  # a second run changes nothing


def test_the_shipped_catalogue_is_in_the_one_layout(tmp_path):
    """The committed .po is as `make messages` writes it: a merge changes only entries."""
    import io

    from babel.messages.pofile import read_po

    from risk.i18n.update import catalogue_text, header_of

    po = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    assert catalogue_text(read_po(io.BytesIO(text.encode("utf-8"))), header_of(text)) == text
