"""What people read: figures, the patient PDF, the HTML evaluation report, the Model page's summaries.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from risk._lazy import lazy_api

#: public name -> the module of this package that defines it
_WHERE = {
    "format_p": "figures.cohort_survival",
    "SYNTHETIC_MODEL_NOTE": "figures.style",
    "SYNTHETIC_NOTE": "figures.style",
    "VERMILLION": "figures.style",
    "cohort_source": "html",
    "optimism_note": "html",
    "optimism_rows": "html",
    "proportional_hazards_rows": "html",
    "render_report_html": "html",
    "subgroup_rows": "html",
    "build_report": "pdf",
    "pooled_forest_plot": "figures.pooling",
    "POOLED_MODEL_NAMES": "pooled_html",
    "pooled_rows": "pooled_html",
    "render_pooled_html": "pooled_html",
    "site_rows": "pooled_html",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
