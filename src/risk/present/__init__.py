"""What people read: figures, the patient PDF, the HTML evaluation report, the Model page's summaries.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

import importlib

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
    "EVALUATION_KEY": "model_summary",
    "build_report": "pdf",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
