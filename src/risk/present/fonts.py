"""The fonts of the Chinese PDF report: Debian's Noto Sans CJK (package ``fonts-noto-cjk``),
cut down to the characters the catalogue and the report's numbers can use.

fpdf2 reads a whole font before it writes a page: the full Noto CJK collection takes about
5 s per face, the subset a few milliseconds. The subset is made once per machine (about
5 s) and kept in the system's temporary folder; it holds glyphs only, never a word of a
patient.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path

from risk.errors import RiskError
from risk.i18n import LOCALE_DIR, _

#: Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk); face 2 is Simplified Chinese.
NOTO_CJK = {"": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
            "B": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")}
SIMPLIFIED_CHINESE_FACE = 2
#: Printed besides the catalogue's words: ASCII, Latin-1 and the report's few symbols.
_EXTRA = "".join(map(chr, range(32, 127))) + "".join(map(chr, range(160, 256))) + \
    "–—−≥≤×’‘“”…•·²→←↑↓％（）：；，。、！？《》「」【】"


class FontMissing(RiskError):
    """The Chinese report's font is not installed."""


def font_problem() -> str | None:
    """Why the Chinese PDF cannot be made here (the font's package missing), or None."""
    if NOTO_CJK[""].is_file():
        return None
    return _("The Chinese PDF report needs the Noto CJK font ({path}); install Debian's "
             "package fonts-noto-cjk (apt-get install fonts-noto-cjk) and reload the "
             "page.").format(path=NOTO_CJK[""])


def _characters(language: str) -> str:
    """Every character the catalogue of ``language`` can print, with :data:`_EXTRA`."""
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    texts = [_EXTRA]
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        texts.extend(str(s) for s in strings if s)
    return "".join(sorted(set("".join(texts))))


@functools.cache
def cjk_fonts(language: str = "zh_Hans") -> dict[str, Path]:
    """Style ("" regular, "B" bold) -> the subset font file for ``language``'s report."""
    problem = font_problem()
    if problem:
        raise FontMissing(problem)
    text = _characters(language)
    out = {}
    for style, source in NOTO_CJK.items():
        if not source.is_file():
            source = NOTO_CJK[""]  # no bold installed: bold headings in the regular face
        key = hashlib.sha256(f"{source}:{source.stat().st_mtime_ns}:{text}".encode())
        path = Path(tempfile.gettempdir()) / f"risk-cjk-{key.hexdigest()[:16]}.otf"
        if not path.is_file():
            _subset(source, text, path)
        out[style] = path
    return out


def _subset(source: Path, text: str, path: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(source, fontNumber=SIMPLIFIED_CHINESE_FACE, lazy=True)
    subsetter = subset.Subsetter(subset.Options(name_IDs=["*"], notdef_outline=True))
    subsetter.populate(text=text)
    subsetter.subset(font)
    partial = path.with_suffix(f".{os.getpid()}.part")
    font.save(partial)
    os.replace(partial, path)  # atomic: a second process reads a whole file or makes its own
