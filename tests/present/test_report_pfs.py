"""The patient report's progression-free survival: a table at 1, 3 and 5 years with
their intervals when the model has PFS (with the sentence when a time alive is given),
nothing otherwise. The PFS curves are exponential with known means, so the expected
percentages are computed here."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from patient_estimates import exponential_estimate, make_estimate
from test_report import normalise, page_text

from risk.model import PFS_AT_BIOPSY_NOTE
from risk.present import pdf as report_module
from risk.present.pdf import build_report

TITLE = "Estimated progression-free survival"


def test_pfs_table_with_and_without_the_biopsy(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    est = replace(make_estimate(), pfs=exponential_estimate(30.0, "biopsy"),
                  pfs_without_biopsy=exponential_estimate(45.0, "primary_only"))
    text = page_text(build_report(est, compress=False))
    assert TITLE in text
    for mean in (30.0, 45.0):
        assert f"{100 * np.exp(-36 / mean):.1f}%" in text
    assert normalise(PFS_AT_BIOPSY_NOTE) not in text


def test_with_alive_months_the_report_says_pfs_is_at_the_biopsy(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    est = replace(make_estimate(), pfs=exponential_estimate(30.0, "biopsy"),
                  alive_months=24.0)
    assert normalise(PFS_AT_BIOPSY_NOTE) in page_text(build_report(est, compress=False))


def test_no_pfs_section_without_pfs(monkeypatch):
    monkeypatch.setattr(report_module, "figure_png", lambda figure: None)
    assert TITLE not in page_text(build_report(make_estimate(), compress=False))
