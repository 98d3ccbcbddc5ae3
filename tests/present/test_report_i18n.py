"""The patient PDF in Simplified Chinese: an embedded CJK font, a text layer in reading
order, the same numbers as in English, and a clear message when the font is missing."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import numpy as np
import pytest
from patient_estimates import make_estimate
from pypdf import PdfReader

from risk.present import fonts
from risk.present import pdf as report_module
from risk.present.pdf import build_report


def pdf_text(pdf: bytes) -> str:
    """The text layer as a reader (or a screen reader) gets it, page by page.

    pypdf reads the two-byte codes of fpdf2's embedded encoding CMap one byte at a time
    and puts a NUL before each character; poppler (``pdftotext``) reads them whole. The
    NULs are dropped here; :func:`test_poppler_reads_the_chinese_text_layer` checks the
    file itself with poppler.
    """
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def no_image(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)


def test_chinese_report_has_chinese_headings_and_the_english_numbers(no_image):
    estimate = make_estimate()
    zh = pdf_text(build_report(estimate, language="zh_Hans"))
    en = pdf_text(build_report(estimate, language="en"))
    for heading in ("生存估计", "估计总生存期", "预期用途", "录入的输入项", "估计的依据",
                    "活检的价值", "中位总生存期", "风险分组"):
        assert heading in zh.replace(" ", "")
    five = f"{100 * np.exp(-60 / 80):.1f}%"
    assert five in en and five in zh
    # every percentage of the English report is in the Chinese one, in the same order
    percents = re.findall(r"\d+\.\d%", en)
    assert len(percents) > 10
    assert re.findall(r"\d+\.\d%", zh) == percents
    assert "Estimated overall survival" not in zh


def test_chinese_report_embeds_the_noto_font(no_image):
    pdf = build_report(make_estimate(), language="zh_Hans")
    reader = PdfReader(io.BytesIO(pdf))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            names.add(str(font["/BaseFont"]))
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile2", "/FontFile3")), "not embedded"
    assert any("NotoSansCJK" in n for n in names)


def test_text_layer_reads_in_order(no_image):
    """Title, intended use, inputs, estimates, basis: the order a reader meets them."""
    text = pdf_text(build_report(make_estimate(), language="zh_Hans")).replace(" ", "")
    order = ["生存估计-GEP-NET肝转移", "预期用途", "录入的输入项", "估计总生存期",
             "估计的依据"]
    positions = [text.index(h) for h in order]
    assert positions == sorted(positions)


def test_a_missing_font_is_said_clearly(monkeypatch, no_image, tmp_path):
    monkeypatch.setattr(fonts, "NOTO_CJK", {"": tmp_path / "none.ttc", "B": tmp_path / "x"})
    fonts.cjk_fonts.cache_clear()
    try:
        with pytest.raises(fonts.FontMissing, match="fonts-noto-cjk"):
            build_report(make_estimate(), language="zh_Hans")
        assert "fonts-noto-cjk" in fonts.font_problem()
        # English needs no font of its own
        assert build_report(make_estimate(), language="en").startswith(b"%PDF-")
    finally:
        fonts.cjk_fonts.cache_clear()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_poppler_reads_the_chinese_text_layer(no_image, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(build_report(make_estimate(), language="zh_Hans"))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert "\x00" not in text
    positions = [flat.index(h) for h in ("预期用途", "录入的输入项", "估计总生存期", "估计的依据")]
    assert positions == sorted(positions)
