"""What people read: figures, the patient PDF, the HTML evaluation report, the Model page's summaries.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from risk._lazy import lazy_api

# one statement per module (ruff's isort would split the `as` re-exports)
# isort: off
if TYPE_CHECKING:  # the names' types for mypy; at run time each is imported on first use
    from risk.present.figures.cohort_survival import (
        format_p as format_p,
    )
    from risk.present.figures.pooling import (
        pooled_forest_plot as pooled_forest_plot,
    )
    from risk.present.figures.style import (
        SYNTHETIC_MODEL_NOTE as SYNTHETIC_MODEL_NOTE,
        SYNTHETIC_NOTE as SYNTHETIC_NOTE,
        VERMILLION as VERMILLION,
    )
    from risk.present.fonts import (
        font_problem as font_problem,
    )
    from risk.present.html import (
        PH_MODEL_NAMES as PH_MODEL_NAMES,
        cohort_source as cohort_source,
        optimism_note as optimism_note,
        optimism_rows as optimism_rows,
        pfs_counts_line as pfs_counts_line,
        proportional_hazards_rows as proportional_hazards_rows,
        render_report_html as render_report_html,
        subgroup_rows as subgroup_rows,
    )
    from risk.present.checklists import (
        Checklists as Checklists,
        build_checklists as build_checklists,
        checklists_html as checklists_html,
        checklists_markdown as checklists_markdown,
        probast_columns as probast_columns,
        probast_rows as probast_rows,
        tripod_columns as tripod_columns,
        tripod_rows as tripod_rows,
    )
    from risk.present.chai_card import (
        ChaiCard as ChaiCard,
        build_chai_card as build_chai_card,
        chai_card_bytes as chai_card_bytes,
    )
    from risk.present.model_facts import (
        ModelFacts as ModelFacts,
        build_model_facts as build_model_facts,
    )
    from risk.present.pdf import (
        build_model_facts_pdf as build_model_facts_pdf,
        build_report as build_report,
    )
    from risk.present.pooled_html import (
        POOLED_MODEL_NAMES as POOLED_MODEL_NAMES,
        pooled_rows as pooled_rows,
        render_pooled_html as render_pooled_html,
        site_rows as site_rows,
    )
# isort: on

#: public name -> the module of this package that defines it
_WHERE = {
    "format_p": "figures.cohort_survival",
    "SYNTHETIC_MODEL_NOTE": "figures.style",
    "SYNTHETIC_NOTE": "figures.style",
    "VERMILLION": "figures.style",
    "PH_MODEL_NAMES": "html",
    "cohort_source": "html",
    "optimism_note": "html",
    "optimism_rows": "html",
    "pfs_counts_line": "html",
    "proportional_hazards_rows": "html",
    "render_report_html": "html",
    "subgroup_rows": "html",
    "build_report": "pdf",
    "font_problem": "fonts",
    "build_model_facts_pdf": "pdf",
    "ChaiCard": "chai_card",
    "build_chai_card": "chai_card",
    "chai_card_bytes": "chai_card",
    "ModelFacts": "model_facts",
    "build_model_facts": "model_facts",
    "Checklists": "checklists",
    "build_checklists": "checklists",
    "checklists_html": "checklists",
    "checklists_markdown": "checklists",
    "probast_columns": "checklists",
    "probast_rows": "checklists",
    "tripod_columns": "checklists",
    "tripod_rows": "checklists",
    "pooled_forest_plot": "figures.pooling",
    "POOLED_MODEL_NAMES": "pooled_html",
    "pooled_rows": "pooled_html",
    "render_pooled_html": "pooled_html",
    "site_rows": "pooled_html",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
