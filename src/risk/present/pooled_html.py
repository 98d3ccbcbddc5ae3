"""The pooled multi-centre validation as one self-contained HTML file (``pooled.html``).

plotly.js is embedded once (the file opens offline). Site names and notes come from the
summaries' authors: every text is HTML-escaped.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from risk.evaluation.pooling import POOLED_MODEL_NAMES
from risk.evaluation.site_summary import site_note_words
from risk.i18n import (
    _,
    current_language,
    format_integer,
    format_number,
    format_percent,
    language_tag,
    using_language,
)
from risk.present.figures.pooling import pooled_forest_plot

if TYPE_CHECKING:
    from risk.evaluation.pooling import PooledMetric, PooledValidation

__all__ = ["POOLED_MODEL_NAMES", "pooled_rows", "render_pooled_html", "site_rows"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#1d1d1d;line-height:1.45}
h2{margin-top:1.8em;border-bottom:1px solid #ddd}table{border-collapse:collapse;
margin:.6em 0 1.2em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}
.muted{color:#666;font-size:.9em}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _interval(pair: tuple[float, float] | None) -> str:
    if pair is None:
        return _("n/a (needs 3 centres)")
    return _("{low} to {high}").format(low=format_number(pair[0], 3),
                                       high=format_number(pair[1], 3))


def pooled_rows(pooled: PooledValidation, which: str) -> list[dict[str, str]]:
    """The pooled table of one model: a row per metric, in words (the page shows it too)."""
    return [{_("Metric"): _(m.label), _("Pooled"): format_number(m.estimate, 3),
             _("95% CI"): _interval(m.ci),
             _("95% prediction interval"): _interval(m.prediction_interval),
             _("tau²"): format_number(m.tau2, 4), "I²": format_percent(m.i2),
             _("Centres"): format_integer(m.k)}
            for m in pooled.metrics.get(which, {}).values()]


def site_rows(pooled: PooledValidation) -> list[dict[str, str]]:
    """Every site: counts, whether pooled, and why not."""
    return [{_("Site"): s.site, _("Patients"): format_integer(s.counts.patients),
             _("Deaths"): format_integer(s.counts.deaths),
             _("Median follow-up (months)"): _("n/a")
             if s.counts.median_follow_up_months is None
             else format_number(s.counts.median_follow_up_months, 1),
             _("Pooled"): _("yes") if s.poolable else _("no"), _("Note"): site_note_words(s)}
            for s in pooled.sites]


def _table(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "<p class='muted'>" + _e(_("Nothing to show.")) + "</p>"
    head = "".join(f"<th>{_e(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row.values()) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _figure(metric: PooledMetric, first: bool) -> str:
    return str(pooled_forest_plot(metric).to_html(full_html=False,
                                           include_plotlyjs=first))


def render_pooled_html(pooled: PooledValidation, language: str | None = None) -> str:
    """The page in ``language`` (default: the current one): the model, the sites, then per
    model a table and a forest plot per metric."""
    with using_language(language or current_language()):
        heading = _("Multi-centre validation of model {version}").format(
            version=pooled.model_version)
        parts = [f"<h1>{_e(heading)}</h1>",
                 "<p class='muted'>" + _e(_("Model file sha256 {sha256}").format(
                     sha256=pooled.model_sha256)) + "</p>",
                 "<h2>" + _e(_("Sites")) + "</h2>", _table(site_rows(pooled))]
        parts += [f"<p class='muted'>{_e(n)}</p>" for n in pooled.notes]
        first = True
        for which, metrics in pooled.metrics.items():
            parts += [f"<h2>{_e(POOLED_MODEL_NAMES[which])}</h2>",
                      _table(pooled_rows(pooled, which))]
            for metric in metrics.values():
                parts.append(_figure(metric, first))
                first = False
        body = "\n".join(parts)
        title = _e(_("Multi-centre validation"))
        return (f"<!DOCTYPE html><html lang='{language_tag()}'><head><meta charset='utf-8'>"
                f"<title>{title}</title><style>{_CSS}</style></head><body>{body}"
                "</body></html>\n")
