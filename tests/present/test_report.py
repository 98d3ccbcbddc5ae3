"""The patient report PDF: made in memory, with the version, intended use and estimates."""

from __future__ import annotations

import os
import re
import zlib

import numpy as np
import pytest
from patient_estimates import make_estimate

import risk
from risk.model.patient_estimate import PREDICTED_MEDIAN_RULE
from risk.present import pdf as report_module
from risk.present.figures import patient as patient_figures
from risk.present.pdf import IMAGE_FAILED_NOTE, build_report


def page_text(pdf: bytes) -> str:
    """The text drawn by an uncompressed fpdf2 PDF: its ``(...) Tj`` strings, joined."""
    strings = re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", pdf, flags=re.S)
    text = " ".join(s.decode("latin-1").replace("\\(", "(").replace("\\)", ")")
                    .replace("\\\\", "\\") for s in strings)
    return re.sub(r"\s+", " ", text)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_report_is_a_pdf_with_version_date_intended_use_and_no_identifiers(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    pdf = build_report(make_estimate(model_version="synthetic-v7"), compress=False)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    text = page_text(pdf)
    assert "synthetic-v7" in text
    assert "2026-11-24" in text
    assert normalise(risk.INTENDED_USE) in text
    assert "SYNTHETIC" in text
    for word in ("Name", "Record number", "MRN", "Date of birth"):
        assert word.lower() not in text.lower()


def test_report_states_estimates_with_intervals_and_the_comparator(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    text = page_text(build_report(make_estimate(), compress=False))
    # biopsy model: S(60) = exp(-60/80), band exp(-60/64) .. exp(-60/100)
    five = f"{100 * np.exp(-60 / 80):.1f}% (95% CI {100 * np.exp(-60 / 64):.1f}% to " \
           f"{100 * np.exp(-60 / 100):.1f}%)"
    assert five in text
    # the primary-only comparator beside it
    assert f"{100 * np.exp(-60 / 110):.1f}%" in text
    assert "Without (primary only)" in text
    # median exp model: 80 ln 2 = 55 months, with the rule it was read by
    assert f"{80 * np.log(2):.0f} months" in text
    assert " ".join(PREDICTED_MEDIAN_RULE.split()[:9]) in " ".join(text.split())
    # inputs as entered, grade derivation, basis
    assert "Pancreas" in text and "Ki-67 12%" in text and "G2 derived" in text
    assert "Liver biopsy WHO grade" in text and "x 2.46" in text  # exp(0.9)
    assert IMAGE_FAILED_NOTE.split(" (")[0] in text


def test_report_says_what_the_liver_grade_changed_and_how_before_is_weighted(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    text = page_text(build_report(make_estimate(), compress=False))
    # primary G2 derived from Ki-67 12%, liver G3 as entered
    assert "The liver biopsy showed G3 (primary G2: upgraded in the liver)" in text
    assert "Before the biopsy (primary G2)" in text
    assert "weighted by how often each followed such a primary grade" in text


def test_report_names_the_reference_patient_of_the_contributions(monkeypatch):
    from dataclasses import replace

    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    estimate = replace(make_estimate(), reference_patient={
        "age": 54.0, "sex": "male", "primary_site": "pancreas", "primary_grade": "G2",
        "met_grade": "G2", "ecog": 0, "primary_resected": 1, "primary_ki67": None})
    text = page_text(build_report(estimate, compress=False))
    assert "The reference patient (contribution 0 for each input): Age: 54 years; " \
           "Sex: Male; Primary site: Pancreas" in text
    assert "Primary resected: Yes" in text and "Ki-67: Not recorded" not in text


def test_report_inputs_are_two_pairs_a_row_so_the_curve_fits_on_the_first_page(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    text = page_text(build_report(make_estimate(), compress=False))
    # 16 inputs, 8 rows: the 9th input (liver biopsy grade) sits beside the first
    assert "Age 63 years Liver biopsy WHO grade G3" in text
    # a grade left blank shows what it was derived to, as on the page
    assert "Primary WHO grade Not assessed -> G2 (derived)" in text


def test_report_without_biopsy_says_the_primary_only_model_was_used(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    text = page_text(build_report(make_estimate(with_biopsy=False), compress=False))
    assert "primary-only model" in text
    assert "With the liver biopsy" not in text


def test_report_with_warnings_prints_them(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    text = page_text(build_report(make_estimate(warnings=("age 99 is above the training "
                                                          "range (30-85)",)), compress=False))
    assert "Warning: age 99 is above the training range (30-85)" in text


def test_a_failing_image_export_gives_a_text_only_report():
    class Broken:
        def to_image(self, **kwargs):
            raise RuntimeError("no browser")

    pdf = build_report(make_estimate(), figure=Broken(), compress=False)
    assert pdf.startswith(b"%PDF-")
    assert IMAGE_FAILED_NOTE.split(" (")[0] in page_text(pdf)


def test_compressed_report_decompresses_to_the_same_text(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    pdf = build_report(make_estimate(), compress=True)
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S)
    text = page_text(b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x"))
    assert "synthetic-v1" in text


@pytest.mark.slow
def test_curve_image_is_embedded_when_kaleido_works():
    estimate = make_estimate()
    figure = patient_figures.survival_curve(estimate.estimate.months,
                                            estimate.estimate.survival,
                                            estimate.estimate.lower, estimate.estimate.upper)
    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("kaleido needs /usr/bin/chromium (make test installs it)")
    png = report_module.figure_png(figure)
    assert png is not None, "kaleido could not export the figure although chromium exists"
    assert png.startswith(b"\x89PNG")
    pdf = build_report(estimate, figure=figure, compress=False)
    assert b"/Subtype /Image" in pdf
    assert IMAGE_FAILED_NOTE.split(" (")[0] not in page_text(pdf)
