"""The validation report as one self-contained HTML file.

Charts are plotly figures with plotly.js embedded once in the file (no CDN, no external
URL: the file opens offline and on an air-gapped clinic PC). Every text that comes from
data or from a user (model version, notes, labels, covariate names) is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from risk import schema
from risk.evaluation.headline import CORRECTED, METRIC_LABELS, metric_label
from risk.evaluation.notes import report_note_words
from risk.evaluation.progression import PFS_EVALUATION_NOTE
from risk.evaluation.section_models import (
    CohortFile,
    LikelihoodRatioTest,
    NetReclassification,
    Optimism,
)
from risk.i18n import (
    N_,
    Words,
    _,
    current_language,
    format_integer,
    format_number,
    format_percent,
    language_tag,
    using_language,
)
from risk.present.figures import evaluation as figures
from risk.present.model_summary import card_words

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from risk.evaluation.document import EvaluationReport
    from risk.evaluation.headline import MetricSet
    from risk.evaluation.progression import PfsEvaluation
    from risk.evaluation.section_models import ProportionalHazards, Subgroup

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#1d1d1d;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0 1.2em}th,td{border:1px solid #ccc;
padding:.3em .6em;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f3f3f3}.caveat{background:#fff4e5;border-left:6px solid #E69F00;
padding:.8em 1em;margin:1em 0}.muted{color:#666;font-size:.9em}
"""

#: The summary table's rows: every headline metric in its words (the optimism-corrected
#: values have a column of their own).
_HEADLINE = tuple((key, label) for key, label in METRIC_LABELS
                  if key not in CORRECTED.values())


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: object, digits: int = 3) -> str:
    if value is None:
        return _("n/a")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return format_integer(value)
    if isinstance(value, float):
        return format_number(value, digits) if abs(value) >= 10 ** -digits or value == 0 \
            else f"{value:.2e}"
    return _e(value)


def _interval(metrics: MetricSet, key: str) -> str:
    lo, hi = metrics.interval(key)
    text = _num(metrics.value(key))
    return text if lo is None or hi is None else _("{value} ({low} to {high})").format(
        value=text, low=_num(lo), high=_num(hi))


def _model_columns(*, corrected: bool) -> list[str]:
    """The header of a table of metrics of the served model and its comparator."""
    return [_("Metric"), _("With liver biopsy (served), 95% CI"),
            _("Primary only (comparator), 95% CI"),
            *([_("Optimism-corrected (served)")] if corrected else [])]


def _heading(text: str) -> str:
    return f"<h2>{_e(text)}</h2>"


def _paragraph(text: str) -> str:
    return f"<p>{_e(text)}</p>"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _Charts:
    """Plotly divs; the first one carries plotly.js, the rest reuse it."""

    def __init__(self) -> None:
        self.first = True

    def __call__(self, fig: go.Figure) -> str:
        out: str = fig.to_html(full_html=False, include_plotlyjs=self.first,
                          config={"displaylogo": False, "responsive": True})
        self.first = False
        return out


def _headline(report: EvaluationReport) -> str:
    served, comp = report.headline, report.comparator
    rows: list[list[str]] = []
    for key, name in _HEADLINE:
        corrected = CORRECTED.get(key)
        rows.append([_e(_(name)), _interval(served, key), _interval(comp, key),
                     _num(served.value(corrected)) if corrected else ""])
    return _table(_model_columns(corrected=True), rows)


def pfs_counts_line(pfs: PfsEvaluation) -> str:
    """What the PFS validation was measured on, in one sentence."""
    return _("Measured on {n} patients with progression-free survival recorded: {events} "
             "PFS events ({progressions} progressions, {deaths} deaths without "
             "progression).").format(
        n=format_integer(pfs.n), events=format_integer(pfs.events),
        progressions=format_integer(pfs.progressions),
        deaths=format_integer(pfs.events - pfs.progressions))


def _pfs_section(report: EvaluationReport, chart: Callable[[go.Figure], str]) -> str:
    """The progression-free survival model's validation (empty without one)."""
    pfs = report.pfs
    if pfs is None:
        return ""
    rows = [[_e(_(name)), _interval(pfs.served, key), _interval(pfs.comparator, key)]
            for key, name in _HEADLINE
            if pfs.served.value(key) is not None or pfs.comparator.value(key) is not None]
    parts = [_heading(_("Progression-free survival")),
             f"<p>{_e(pfs_counts_line(pfs))}</p>",
             _table(_model_columns(corrected=False), rows)]
    for months in ("60", "36"):
        cal = pfs.calibration.get(months)
        if cal:
            parts.append(chart(figures.calibration_plot(
                cal, pfs.comparator_calibration.get(months), outcome="pfs")))
    parts.append(f"<p class='muted'>{_e(_(PFS_EVALUATION_NOTE))}</p>")
    return "".join(parts)


_NRI_KINDS = Words({"categorical": N_("categorical"), "continuous": N_("continuous")})


def _biopsy_section(report: EvaluationReport, chart: Callable[[go.Figure], str]) -> str:
    bio = report.biopsy_value
    if not bio:
        return "<p>" + _e(_("{not_assessed} (too few patients with a liver-biopsy "
                            "grade).").format(not_assessed=_(schema.NOT_ASSESSED))) + "</p>"
    nri = bio.nri or NetReclassification()
    lr = bio.lr_test or LikelihoodRatioTest()
    rows = [[_("Patients with a liver-biopsy grade (deaths)"),
             f"{_num(bio.n)} ({_num(bio.events)})"],
            [_("C with the biopsy / primary only"),
             f"{_num(bio.c_biopsy)} / {_num(bio.c_comparator)}"],
            [_("Difference in C (95% bootstrap CI)"), _interval(report.headline, "delta_c")]]
    for kind, part in ((_NRI_KINDS["categorical"], nri.categorical),
                       (_NRI_KINDS["continuous"], nri.continuous)):
        if part:
            rows.append([_("NRI at 60 months, {kind} (events / non-events)").format(kind=kind),
                         f"{_num(part.nri)} ({_num(part.nri_events)} / "
                         f"{_num(part.nri_nonevents)})"])
    rows.append([_("Likelihood-ratio test of the liver terms (chi-square, df, p)"),
                 f"{_num(lr.statistic, 2)}, {_num(lr.df)}, {_num(lr.p, 4)}"])
    out = _table([_("Value of the liver biopsy"), ""], [[_e(a), b] for a, b in rows])
    if bio.reclassification:
        out += chart(figures.reclassification_heatmap(bio.reclassification))
    return out


# ---------------------------------------------------------------- tables for people
# Pure builders shared by this file and the retrain page: one wording, one rounding.

#: The optimism-corrected metrics, in the clinic's words (the headline's, and the
#: comparator's C).
OPTIMISM_LABELS = Words(keys=(*CORRECTED, "comparator_harrell_c"), words=lambda name: _(
    "Harrell's C, primary-only comparator") if name == "comparator_harrell_c"
    else metric_label(str(name)))


#: The two models of a proportional-hazards check, as its headings name them.
PH_MODEL_NAMES = Words({"biopsy": N_("Biopsy model"), "primary_only": N_("Primary only model")})


def covariate_label(name: str) -> str:
    """A design column in words (:mod:`risk.schema`'s vocabulary): ``met_grade[G3]`` ->
    ``Liver biopsy WHO grade: G3 (Ki-67 > 20%)``; an unknown term keeps its name."""
    base, _sep, level = name.partition("[")
    if not level:
        return schema.column_label(name)
    try:
        return _("{column}: {level}").format(column=schema.column_label(base),
                                             level=schema.label(base, level.rstrip("]")))
    except KeyError:
        return name


def _pct(value: float | None) -> str:
    return _("n/a") if value is None else format_percent(value, 1)


def optimism_rows(report: EvaluationReport) -> list[dict[str, Any]]:
    """Apparent, optimism and corrected value of each bootstrapped metric (text cells)."""
    opt = report.optimism or Optimism()
    return [{_("Metric"): OPTIMISM_LABELS.get(name, name), _("Apparent"): _num(m.apparent),
             _("Optimism"): _num(m.optimism), _("Corrected"): _num(m.corrected),
             _("Resamples used"): _num(m.resamples_used)}
            for name, m in opt.metrics.items()]


def optimism_note(report: EvaluationReport) -> str:
    """How the bootstrap was run, in one sentence."""
    opt = report.optimism or Optimism()
    settings = report.settings
    how = (_("the extra terms re-chosen by cross-validation in each resample")
           if settings.reselect else _("the terms chosen on the whole cohort"))
    return _("Harrell's bootstrap: {resamples} resamples ({failed} failed), seed {seed}; each "
             "resample refits both models with {how}; the optimism is the mean, over "
             "resamples, of the refit's score on its resample minus its score on the whole "
             "cohort.").format(resamples=_num(opt.resamples), failed=_num(opt.failed),
                               seed=settings.seed, how=how)


def proportional_hazards_rows(result: ProportionalHazards) -> list[dict[str, Any]]:
    """Schoenfeld residual test per model term (text cells)."""
    return [{_("Term"): covariate_label(r.covariate),
             _("Chi-square"): _("n/a") if r.statistic is None
             else format_number(r.statistic, 2), "p": _num(r.p, 3),
             _("Check"): _("review: p < 0.05") if r.violated else ""}
            for r in result.covariates]


def subgroup_rows(report: EvaluationReport) -> list[dict[str, Any]]:
    """Key metrics per subgroup (primary site, primary grade), risks as percentages."""
    rows: list[dict[str, Any]] = []
    for r in report.subgroups:
        rows.append({_("Subgroup"): _subgroup_words(r),
                     _("Patients"): _num(r.n), _("Deaths"): _num(r.deaths),
                     _("C, served"): _num(r.harrell_c),
                     _("C, primary only"): _num(r.comparator_harrell_c),
                     _("Observed risk of death by 60 months"): _pct(r.observed_risk_60),
                     _("Mean predicted risk by 60 months"): _pct(r.mean_predicted_risk_60),
                     _("Brier at 60 months"): _num(r.brier_60)})
    return rows


def _subgroup_words(r: Subgroup) -> str:
    """A subgroup in words ("Primary site: Pancreas"): the schema's words for its column
    and level code; the stored label when the report has no code (an older report)."""
    variable = r.variable
    if variable not in schema.BY_NAME:
        return f"{variable}: {r.label}" if variable else r.label
    try:
        level = r.label if r.level is None else schema.label(variable, r.level)
    except KeyError:
        level = r.label
    return _("{column}: {level}").format(column=schema.column_label(variable), level=level)


def _rows_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return _paragraph(_("None."))
    return _table(list(rows[0]), [[_e(v) for v in row.values()] for row in rows])


def _optimism_section(report: EvaluationReport) -> str:
    if not report.optimism:
        return _paragraph(_("Not run (bootstrap 0)."))
    return (_rows_table(optimism_rows(report))
            + f"<p class='muted'>{_e(optimism_note(report))}</p>")


def _ph_section(report: EvaluationReport) -> str:
    parts = []
    for model, result in report.proportional_hazards.items():
        parts.append(f"<h3>{_e(PH_MODEL_NAMES.get(model, model))}</h3>"
                     + _rows_table(proportional_hazards_rows(result)))
        if result.note:
            parts.append(f"<p class='muted'>{_e(report_note_words(result.note))}</p>")
    return "".join(parts)


def _subgroup_section(report: EvaluationReport) -> str:
    return _rows_table(subgroup_rows(report))


def cohort_source(name: str, sha256: str, trained_on: str | None,
                  column_mapping: dict[str, str] | None = None) -> CohortFile:
    """The report's ``data`` entry: which file it measures (name and sha256, never rows)
    and whether that is the file the model was trained on (``internal`` validation) or
    not (``external``): ``trained_on`` is the sha256 of the model card's training data.
    ``column_mapping`` (the file's own column names) is recorded when given."""
    source = CohortFile(file=name, sha256=sha256,
                          validation="internal" if sha256 == trained_on else "external")
    if column_mapping:
        source = source.model_copy(update={"column_mapping": dict(column_mapping)})
    return source


_VALIDATION_KINDS = Words({
    "internal": N_("internal validation: the file the model was trained on"),
    "external": N_("not the file the model was trained on (an external validation only if "
                   "its patients are new to the model: files are compared, not patients)")})


def _source_line(source: CohortFile | None) -> str:
    """The cohort file measured (name and sha256) and what kind of validation it is."""
    if not source:
        return ""
    kind = _VALIDATION_KINDS.get(source.validation or "", "")
    line = _("Cohort file {file} (sha256 {sha256}…)").format(
        file=source.file, sha256=str(source.sha256)[:16])
    return f"<p class='muted'>{_e(line)}" + (f" &middot; {_e(kind)}" if kind else "") + "</p>"


def render_report_html(report: EvaluationReport, title: str | None = None,
                       checklists: str = "", language: str | None = None) -> str:
    """The whole report as one HTML page in ``language`` (default: the current one);
    ``title`` defaults to "Validation report"; ``checklists`` (the HTML of
    :func:`risk.present.checklists.checklists_html`, when the version's card is known, in
    the same language) ends it."""
    with using_language(language or current_language()):
        title = title or _("Validation report")
        body = "\n".join(_sections(report, title, checklists))
        return (f"<!DOCTYPE html><html lang='{language_tag()}'><head><meta charset='utf-8'>"
                f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
                f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>{body}"
                "</body></html>")


def _sections(report: EvaluationReport, title: str, checklists: str) -> list[str]:
    chart = _Charts()
    served = report.headline
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    line = _("Model version {version} · {patients} patients, {deaths} deaths, {biopsied} "
             "with a liver-biopsy grade · created {made}").format(
        version=report.model_version or _("(not from the registry)"),
        patients=_num(served.n), deaths=_num(served.events),
        biopsied=_num(served.n_with_biopsy_grade), made=made)
    parts = [
        f"<h1>{_e(title)}</h1>", f"<p class='muted'>{_e(line)}</p>",
        _source_line(report.source),
        "<div class='caveat'><strong>" + _e(_("Read this first.")) + "</strong> "
        + _e(card_words(report.context)) + "</div>",
        _heading(_("Summary")), _headline(report),
        chart(figures.concordance_comparison(report)),
        chart(figures.time_dependent_auc_plot(served, report.comparator)),
        _heading(_("Calibration")),
    ]
    for months in ("60", "36"):
        cal = report.calibration.get(months)
        if cal:
            parts.append(chart(figures.calibration_plot(
                cal, report.comparator_calibration.get(months))))
    parts.append(_heading(_("Clinical usefulness")))
    if report.decision_curve:
        parts.append(chart(figures.decision_curve_plot(report.decision_curve)))
    parts.append(_pfs_section(report, chart))
    parts += [_heading(_("What the liver biopsy adds")), _biopsy_section(report, chart),
              _heading(_("Internal validation (bootstrap optimism)")),
              _optimism_section(report),
              _heading(_("Proportional hazards")), _ph_section(report),
              _heading(_("Subgroups")), _subgroup_section(report)]
    if report.notes:
        parts.append(_heading(_("Notes")) + "<ul>" + "".join(
            f"<li>{_e(report_note_words(n))}</li>" for n in report.notes) + "</ul>")
    parts.append(checklists)
    return parts
