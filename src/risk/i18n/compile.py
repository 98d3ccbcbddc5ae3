"""`python -m risk.i18n.compile`: each catalogue's .po compiled to the .mo the app reads.

Not ``pybabel compile``: its python-format check reads "50% or" in a msgid as a
%-conversion ("% o") and refuses translations that word it differently, although the
messages here are formatted with ``str.format`` only (their {fields} are checked by
``tests/i18n``). The bytes are babel's ``write_mo``, as ``pybabel compile`` writes them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from risk.i18n.catalog import LANGUAGES, LOCALE_DIR


def compile_catalogue(po: Path) -> bytes:
    """The .mo bytes of one .po file (fuzzy entries left out)."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalogue = read_po(f, locale=po.parents[1].name)
    out = io.BytesIO()
    write_mo(out, catalogue)
    return out.getvalue()


def _main() -> int:
    for language in LANGUAGES:
        po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
        if not po.exists():
            continue  # the source language has no catalogue
        po.with_suffix(".mo").write_bytes(compile_catalogue(po))
        print(f"compiled {po.relative_to(LOCALE_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
