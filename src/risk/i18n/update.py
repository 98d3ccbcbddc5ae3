"""`python -m risk.i18n.update`: the template's msgids merged into each catalogue.

As ``pybabel update --no-fuzzy-matching --ignore-obsolete`` does, but the translator's
header (the glossary, laid out in columns) is kept as written, and entries are written
sorted, without locations, 100 characters wide: the catalogues' one layout, so that a
merge or an update changes only the entries that changed.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from risk.i18n.catalog import LANGUAGES, LOCALE_DIR

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

TEMPLATE = LOCALE_DIR / "messages.pot"
WIDTH = 100


def header_of(text: str) -> str:
    """The comment lines above the catalogue's header entry, verbatim."""
    lines = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def catalogue_text(catalogue: Catalog, header: str) -> str:
    """The .po text of ``catalogue`` in the one layout, under ``header``."""
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, catalogue, width=WIDTH, sort_output=True, no_location=True,
             ignore_obsolete=True, include_previous=False)
    written = out.getvalue().decode("utf-8")
    return header + written[len(header_of(written)):]


def update_catalogue(po: Path, template: Path = TEMPLATE) -> None:
    """Add the template's new msgids to ``po`` (untranslated), drop the ones gone."""
    from babel.messages.pofile import read_po

    text = po.read_text(encoding="utf-8")
    catalogue = read_po(io.BytesIO(text.encode("utf-8")), locale=po.parents[1].name)
    with template.open("rb") as f:
        catalogue.update(read_po(f), no_fuzzy_matching=True, update_header_comment=False)
    catalogue.obsolete.clear()
    po.write_text(catalogue_text(catalogue, header_of(text)), encoding="utf-8")


def _main() -> int:
    for language in LANGUAGES:
        po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
        if po.exists():  # the source language has no catalogue
            update_catalogue(po)
            print(f"updated {po.relative_to(LOCALE_DIR.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
