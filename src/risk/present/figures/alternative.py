"""A chart's text alternative: its data as a table a screen reader can read (WCAG 1.1.1),
made from the figure itself, so the table says what the chart draws.

Curves are read at the report's horizons, bars one row per bar, marker groups one row per
group with their count. Shaded bands (95% intervals) are part of their curve's row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from risk.i18n import _
from risk.schema import HORIZONS_MONTHS


def _name(trace: go.BaseTraceType) -> str:
    return str(trace.name or "")


def figure_table(fig: go.Figure, months: tuple[int, ...] = HORIZONS_MONTHS) -> pd.DataFrame:
    """The figure's data as rows a person reads (an empty frame for a figure without
    data, such as a message)."""
    from risk.model.patient_estimate import HORIZON_WORDS

    curves = [t for t in fig.data if t.type == "scatter" and "lines" in str(t.mode or "")
              and not t.fill and _name(t) and t.showlegend is not False]
    bars = [t for t in fig.data if t.type == "bar"]
    groups = [t for t in fig.data if t.type == "scatter" and str(t.mode) == "markers"
              and _name(t)]
    if curves:
        rows = {}
        for t in curves:
            x, y = np.asarray(t.x, float), np.asarray(t.y, float)
            rows[_name(t)] = [f"{100 * np.interp(m, x, y):.1f}%" if x.min() <= m <= x.max()
                              else "" for m in months]
        return pd.DataFrame({_("Time after the biopsy"): [HORIZON_WORDS[m] for m in months],
                             **rows})
    if bars:
        t = bars[0]
        axis = fig.layout.xaxis.title.text or _("Value")
        return pd.DataFrame({_("Item"): list(t.y), axis: [f"{v:+.3f}" for v in t.x]})
    if groups:
        return pd.DataFrame({_("Group"): [_name(t) for t in groups],
                             _("Count"): [len(t.x) for t in groups]})
    return pd.DataFrame()
