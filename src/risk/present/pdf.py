"""The printable patient report: a PDF made in memory with fpdf2, returned as bytes.

It holds the inputs as entered, the estimates with their 95% intervals, the survival
curve (as an image through kaleido when a browser is available; otherwise a note says it
is left out), the estimate under each grade a count near a WHO cut-off allows (only when
a grade is in doubt), the basis of the estimate, the model version, the date and the intended
use. It has no field for a name or a record number and is never written to disk here.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

import risk
from risk import schema
from risk.i18n import N_, _, current_language, using_language
from risk.model.grade_sensitivity import (
    GRADE_SENSITIVITY_METHOD,
    GRADE_SENSITIVITY_TITLE,
    describe_assumed_count,
    describe_intervals,
    describe_site,
)
from risk.model.patient_estimate import (
    HORIZON_WORDS,
    MODEL_WORDS,
    PREDICTED_MEDIAN_RULE,
    PatientEstimate,
    describe_alive,
    describe_entered,
    describe_horizon,
    describe_median,
    describe_reference,
    percent,
)
from risk.model.patient_grades import describe_grade, describe_grade_comparison
from risk.model.prediction import describe_cutpoints, describe_risk_group_basis
from risk.model.progression import PFS_AT_BIOPSY_NOTE, PFS_HORIZONS
from risk.present.fonts import cjk_fonts

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from risk.present.model_facts import ModelFacts  # the Model page's label only

TITLE = N_("Survival estimate - GEP-NET liver metastases")
SYNTHETIC_WARNING = (N_("Every number in this report comes from a model trained on SYNTHETIC "
                     "data. It illustrates the method and must not guide patient care."))
IMAGE_FAILED_NOTE = (N_("The survival curve image could not be made on this computer "
                     "(no headless browser for chart export); the figures above give the "
                     "same estimates in numbers."))
_LATIN_FONT = "Helvetica"
_CJK_FONT = "NotoSansCJK"
# The core PDF fonts cover Latin-1 only: spell out the few other characters we print.
_REPLACEMENTS = {"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2265": ">=", "\u2264": "<=",
                 "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2026": "..."}

_image_lock = threading.Lock()
_server_started = False


def _latin1(value: object) -> str:
    text = str(value)
    for old, new in _REPLACEMENTS.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def figure_png(figure: go.Figure, width: int = 900, height: int = 450) -> bytes | None:
    """The figure as PNG bytes through kaleido, or None when export is not possible.

    The first call starts kaleido's shared browser (about 2 s); later calls reuse it.
    """
    global _server_started
    try:
        import kaleido

        with _image_lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # plotly warns that kopts are ignored
            if not _server_started and hasattr(kaleido, "start_sync_server"):
                kaleido.start_sync_server(silence_warnings=True)
                _server_started = True
            png: bytes = figure.to_image(format="png", width=width, height=height, scale=2)
            return png
    except Exception:  # any failure of the optional image: the report goes out without it
        return None


class _ReportPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self._footer_text = footer_text
        # English in the core fonts (Latin-1); any other language in the embedded Noto CJK
        self.cjk = current_language() != "en"
        if self.cjk:
            for style, path in cjk_fonts().items():
                self.add_font(_CJK_FONT, style, path)
            self.add_font(_CJK_FONT, "I", cjk_fonts()[""])  # no italic face: upright
        self.set_lang("zh-Hans" if self.cjk else "en")

    def font(self, style: str, size: float) -> None:
        self.set_font(_CJK_FONT if self.cjk else _LATIN_FONT, style, size)

    def words(self, value: object) -> str:
        """Text as the current font can print it."""
        return str(value) if self.cjk else _latin1(value)
        self.set_auto_page_break(True, margin=18)
        self.set_margins(16, 14, 16)

    def footer(self) -> None:
        self.set_y(-13)
        self.font("", 7.5)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, self.words(_("{footer_text}  |  page {page}/{{nb}}").format(
            footer_text=self._footer_text, page=self.page_no())),
                  align="C")


def _heading(pdf: _ReportPDF, text: str) -> None:
    if pdf.will_page_break(30):  # never a heading alone at the foot of a page
        pdf.add_page()
    pdf.ln(2)
    pdf.font("B", 12)
    pdf.set_text_color(31, 95, 139)
    pdf.cell(0, 7, pdf.words(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.font("", 9.5)


def _paragraph(pdf: _ReportPDF, text: str, size: float = 9.5, style: str = "") -> None:
    pdf.font(style, size)
    # Chinese has no spaces to break or stretch at: lines break between characters
    if pdf.cjk:
        pdf.multi_cell(0, 4.8, pdf.words(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                       align="L", wrapmode=WrapMode.CHAR)
    else:
        pdf.multi_cell(0, 4.8, pdf.words(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font("", 9.5)


def _table(pdf: _ReportPDF, rows: Sequence[Sequence[str]], widths: Sequence[float],
           header: Sequence[str] | None = None) -> None:
    pdf.font("", 9)
    with pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=5,
                   first_row_as_headings=header is not None, width=sum(widths),
                   align="LEFT") as table:
        for row in ([header] if header else []) + [list(r) for r in rows]:
            line = table.row()
            for cell in row:
                line.cell(pdf.words(cell))
    pdf.font("", 9.5)


def _estimates_section(pdf: _ReportPDF, report: PatientEstimate) -> None:
    est = report.estimate
    _heading(pdf, _("Estimated overall survival (95% intervals)"))
    if report.alive_months:
        _paragraph(pdf, describe_alive(report.alive_months), style="B")
    _paragraph(pdf, _("Model used: {model}.").format(model=MODEL_WORDS.get(est.model_used, est.model_used)))
    rows = [(HORIZON_WORDS[m], describe_horizon(est, m)) for m in schema.HORIZONS_MONTHS]
    rows.append((_("Median overall survival"), describe_median(est)))
    group = str(est.summary.get("risk_group", "")).strip()
    if group:
        at_biopsy = _(" (at the biopsy)") if report.alive_months else ""
        rows.append((_("Risk group"), f"{schema.label('risk_group', group)}{at_biopsy}"))
    _table(pdf, rows, (60, 118))
    if group:  # the groups' definition under the table: in the row it repeated the group
        _paragraph(pdf, describe_cutpoints(report.risk_cutpoints), size=8)
    if group and report.alive_months:
        _paragraph(pdf, describe_risk_group_basis(report.alive_months), size=8)
    _paragraph(pdf, _(PREDICTED_MEDIAN_RULE), size=8)


def _pfs_section(pdf: _ReportPDF, report: PatientEstimate) -> None:
    """Progression-free survival at the biopsy, with and without the liver grade (none
    when the model has no PFS)."""
    if report.pfs is None:
        return
    _heading(pdf, _("Estimated progression-free survival (95% intervals)"))
    if report.alive_months:
        _paragraph(pdf, _(PFS_AT_BIOPSY_NOTE), style="B")
    without = report.pfs_without_biopsy
    rows = [(HORIZON_WORDS[m], describe_horizon(report.pfs, m),
             *([describe_horizon(without, m)] if without is not None else []))
            for m in PFS_HORIZONS]
    if without is None:
        _table(pdf, rows, (60, 118), header=(_("Progression-free at"), _("Estimate")))
    else:
        _table(pdf, rows, (28, 75, 75), header=(_("Progression-free at"), _("With the liver "
                                                "biopsy"), _("Without (primary only)")))


def _grade_sensitivity_section(pdf: _ReportPDF, report: PatientEstimate) -> None:
    """A paragraph per grade that rests on a count near a WHO cut-off (none otherwise)."""
    sensitivity = report.grade_sensitivity
    if sensitivity is None:
        return
    _heading(pdf, _(GRADE_SENSITIVITY_TITLE))
    for site in sensitivity.sites:
        _paragraph(pdf, " ".join(filter(None, [describe_site(site, sensitivity.months),
                                               *describe_intervals(site.uncertainty),
                                               describe_assumed_count(site, report.inputs)])))
    _paragraph(pdf, _(GRADE_SENSITIVITY_METHOD), size=8)


def _biopsy_sections(pdf: _ReportPDF, report: PatientEstimate) -> None:
    est = report.estimate
    if report.without_biopsy is not None:
        _heading(pdf, _("Value of the biopsy"))
        without = report.without_biopsy
        primary, liver = (report.grades[n].grade for n in ("primary_grade", "met_grade"))
        _paragraph(pdf, _("The liver biopsy showed {liver} ({v0}). Survival with the liver-biopsy grade, beside the primary-only model's estimate:").format(liver=liver, v0=describe_grade_comparison(primary, liver)))
        rows = [(HORIZON_WORDS[m], describe_horizon(est, m), describe_horizon(without, m))
                for m in schema.HORIZONS_MONTHS]
        _table(pdf, rows, (28, 75, 75),
               header=(_("Survival at"), _("With the liver biopsy"), _("Without (primary only)")))
    elif est.model_used == "primary_only":
        _paragraph(pdf, _("No liver-biopsy grade was given: the estimate comes from the "
                        "primary-only model."), style="I")
    if report.before_biopsy is not None:
        before = report.before_biopsy
        graded = before.primary_grade != "unknown"
        _heading(pdf, _("Before the biopsy (primary {grade})").format(grade=before.primary_grade)
                 if graded else _("Before the biopsy (primary not graded)"))
        years = HORIZON_WORDS[report.headline_months]
        _paragraph(pdf, (_("Survival at {years} under each liver grade a biopsy could show, "
                           "weighted by how often each followed such a primary grade in the "
                           "training cohort.") if graded else
                         _("Survival at {years} under each liver grade a biopsy could show, "
                           "weighted by how often each followed an ungraded primary in the "
                           "training cohort.")).format(years=years))
        horizon = report.headline_months
        rows = [(r.liver_grade, _("{probability:.0%} ({patients} patients)").format(probability=r.probability, patients=r.patients), percent(v))
                for r, v in zip(before.scenarios.itertuples(index=False),
                                before.survival_at(horizon), strict=True)]
        rows.append((_("Weighted"), "100%", percent(before.expected_at(horizon))))
        share = (_("Share given alive at {alive_months:g} mo").format(alive_months=report.alive_months) if report.alive_months
                 else _("Share in training cohort"))
        _table(pdf, rows, (40, 70, 68),
               header=(_("Liver grade"), share, _("Survival at {years}").format(years=HORIZON_WORDS[horizon])))


def _basis_section(pdf: _ReportPDF, report: PatientEstimate) -> None:
    _heading(pdf, _("Basis of the estimate"))
    _paragraph(pdf, _("Each input's contribution to the log hazard of death against the "
                    "model's reference patient (positive = higher risk); the hazard ratio is "
                    "exp(contribution)."))
    contributions = report.estimate.contributions.dropna()
    contributions = contributions.reindex(contributions.abs().sort_values(
        ascending=False).index)
    rows = [(schema.column_label(k), f"{v:+.3f}", f"x {np.exp(v):.2f}")
            for k, v in contributions.items()]
    if rows:
        _table(pdf, rows, (80, 48, 50), header=(_("Input"), _("Log hazard"), _("Hazard ratio")))
    reference = describe_reference(report.reference_patient)
    if reference:
        listed = _("; ").join(_("{label}: {value}").format(label=label, value=value)
                              for label, value in reference)
        _paragraph(pdf, _("The reference patient (contribution 0 for each input): ")
                        + _("{sentence}.").format(sentence=listed), size=9)


def _two_columns(rows: list[tuple[str, str]]) -> list[tuple[str, str, str, str]]:
    """(label, value) pairs side by side, the first half on the left: a shorter table."""
    half = (len(rows) + 1) // 2
    left, right = rows[:half], [*rows[half:], ("", "")]
    return [(*a, *b) for a, b in zip(left, right, strict=False)]


def build_report(report: PatientEstimate, *, figure: go.Figure | None = None,
                 compress: bool = True, language: str | None = None) -> bytes:
    """The patient report as PDF bytes.

    Parameters
    ----------
    report : the patient's estimate.
    figure : plotly figure of the survival curve; embedded as an image when kaleido can
        export it, else replaced by a note (the report never fails for want of a browser).
    compress : False keeps page streams readable (for tests).
    language : the report's language (default: the current one); a download made after
        the page's run (Streamlit calls the button's function later) passes it.
    """
    with using_language(language or current_language()):
        return _build(report, figure, compress)


def _build(report: PatientEstimate, figure: go.Figure | None, compress: bool) -> bytes:
    trained = _(" - trained on synthetic data") if report.synthetic else ""
    footer = (_("Model {model_version}{trained} - not a medical device - {date}").format(
        model_version=report.model_version, trained=trained, date=report.created.isoformat()))
    pdf = _ReportPDF(footer)
    pdf.set_compression(compress)
    pdf.set_title(_(TITLE))
    pdf.set_creator(f"risk {risk.__version__}")
    pdf.add_page()
    pdf.font("B", 15)
    pdf.cell(0, 9, pdf.words(_(TITLE)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _paragraph(pdf, _("Date: {date}    Model version: {model_version}").format(
                    date=report.created.isoformat(), model_version=report.model_version), size=10)
    if report.synthetic:
        pdf.set_text_color(150, 60, 0)
        _paragraph(pdf, _(SYNTHETIC_WARNING), size=10, style="B")
        pdf.set_text_color(0, 0, 0)
    _heading(pdf, _("Intended use"))
    _paragraph(pdf, risk.intended_use(report.synthetic), size=9)

    _heading(pdf, _("Inputs as entered"))
    _table(pdf, _two_columns(describe_entered(report)), (44, 45, 44, 45))
    notes = [f"{schema.column_label(n)}: {text}" for n, text in grade_notes(report).items()]
    for note in notes:
        _paragraph(pdf, note, size=9)
    for warning in report.warnings:
        _paragraph(pdf, _("Warning: {warning}").format(warning=warning), size=9, style="B")

    _estimates_section(pdf, report)
    image = figure_png(figure) if figure is not None else None
    if image is not None:
        pdf.ln(2)
        pdf.image(image, w=pdf.epw, h=pdf.epw / 2)
    else:
        _paragraph(pdf, _(IMAGE_FAILED_NOTE), size=9, style="I")
    _pfs_section(pdf, report)
    _grade_sensitivity_section(pdf, report)
    _biopsy_sections(pdf, report)
    _basis_section(pdf, report)
    return bytes(pdf.output())


def build_model_facts_pdf(facts: ModelFacts, *, compress: bool = True,
                          language: str | None = None) -> bytes:
    """The Model Facts label (:func:`risk.present.model_facts.build_model_facts`) as PDF
    bytes; ``language``: the label's (default: the current one), for a download made after
    the script run."""
    with using_language(language or current_language()):
        return _facts_pdf(facts, compress)


def _facts_pdf(facts: ModelFacts, compress: bool) -> bytes:
    footer = (_("Model facts - model {version} - trained on synthetic data - not a medical "
                "device") if facts.synthetic else
              _("Model facts - model {version} - not a medical device"))
    pdf = _ReportPDF(footer.format(version=facts.version))
    pdf.set_compression(compress)
    heading = _("Model facts: {version}").format(version=facts.version)
    pdf.set_title(heading)
    pdf.set_creator(f"risk {risk.__version__}")
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_page()
    pdf.font("B", 15)
    pdf.cell(0, 8, pdf.words(heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if facts.synthetic:
        pdf.set_text_color(150, 60, 0)
        _paragraph(pdf, _(SYNTHETIC_WARNING), size=9, style="B")
        pdf.set_text_color(0, 0, 0)
    for section in facts.sections:  # compact type: the label is one page
        pdf.ln(1)
        pdf.font("B", 10)
        pdf.set_text_color(31, 95, 139)
        pdf.cell(0, 5, pdf.words(section.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.font("", 7.5)
        for line in section.lines:
            pdf.multi_cell(0, 3.4, pdf.words(f"- {line.text}"), new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
    return bytes(pdf.output())


def grade_notes(report: PatientEstimate) -> dict[str, str]:
    """How each grade was reached (entered, derived, or missing), per grade column."""
    return {name: describe_grade(name, check, report.inputs)
            for name, check in report.grades.items()}
