"""The pooled multi-centre validation as one self-contained HTML file (``pooled.html``).

plotly.js is embedded once (the file opens offline). Site names and notes come from the
summaries' authors: every text is HTML-escaped.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from risk.present.figures.pooling import pooled_forest_plot

if TYPE_CHECKING:
    from risk.evaluation.pooling import PooledMetric, PooledValidation

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#1d1d1d;line-height:1.45}
h2{margin-top:1.8em;border-bottom:1px solid #ddd}table{border-collapse:collapse;
margin:.6em 0 1.2em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f3f3f3}
.muted{color:#666;font-size:.9em}
"""
POOLED_MODEL_NAMES = {"served": "Served predictions", "comparator": "Primary-only comparator"}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _interval(pair: tuple[float, float] | None) -> str:
    return "n/a (needs 3 centres)" if pair is None else f"{pair[0]:.3f} to {pair[1]:.3f}"


def pooled_rows(pooled: PooledValidation, which: str) -> list[dict[str, str]]:
    """The pooled table of one model: a row per metric, in words (the page shows it too)."""
    return [{"Metric": m.label, "Pooled": f"{m.estimate:.3f}", "95% CI": _interval(m.ci),
             "95% prediction interval": _interval(m.prediction_interval),
             "tau²": f"{m.tau2:.4f}", "I²": f"{100 * m.i2:.0f}%", "Centres": str(m.k)}
            for m in pooled.metrics.get(which, {}).values()]


def site_rows(pooled: PooledValidation) -> list[dict[str, str]]:
    """Every site: counts, whether pooled, and why not."""
    return [{"Site": s.site, "Patients": str(s.counts.patients),
             "Deaths": str(s.counts.deaths),
             "Median follow-up (months)": "n/a" if s.counts.median_follow_up_months is None
             else f"{s.counts.median_follow_up_months:.1f}",
             "Pooled": "yes" if s.poolable else "no", "Note": s.note or ""}
            for s in pooled.sites]


def _table(rows: list[dict[str, str]]) -> str:
    if not rows:
        return "<p class='muted'>Nothing to show.</p>"
    head = "".join(f"<th>{_e(k)}</th>" for k in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row.values()) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _figure(metric: PooledMetric, first: bool) -> str:
    return str(pooled_forest_plot(metric).to_html(full_html=False,
                                           include_plotlyjs=first))


def render_pooled_html(pooled: PooledValidation) -> str:
    """The page: the model, the sites, then per model a table and a forest plot per metric."""
    parts = [f"<h1>Multi-centre validation of model {_e(pooled.model_version)}</h1>",
             f"<p class='muted'>model.json sha256 {_e(pooled.model_sha256)}</p>",
             "<h2>Sites</h2>", _table(site_rows(pooled))]
    parts += [f"<p class='muted'>{_e(n)}</p>" for n in pooled.notes]
    first = True
    for which, metrics in pooled.metrics.items():
        parts += [f"<h2>{_e(POOLED_MODEL_NAMES[which])}</h2>", _table(pooled_rows(pooled, which))]
        for metric in metrics.values():
            parts.append(_figure(metric, first))
            first = False
    body = "\n".join(parts)
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>"
            f"Multi-centre validation</title><style>{_CSS}</style></head><body>{body}"
            "</body></html>\n")
