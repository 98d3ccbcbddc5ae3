"""Survival risk for GEP-NET liver metastases, from the primary and liver-biopsy grades.

Pure Python: never imports streamlit. Pages and the CLI call this package.
"""

from risk.i18n import N_, _

__version__ = "0.1.0"

#: What any model of this tool is for: the intended use in every model card.
INTENDED_POPULATION = N_(
    "Research and decision-support prototype for adults with well-differentiated "
    "gastroenteropancreatic neuroendocrine tumors (GEP-NET) metastatic to the liver who "
    "had a CT-guided core-needle biopsy of a liver metastasis. Not for neuroendocrine "
    "carcinoma (poorly differentiated)."
)
#: Shown on the pages and in reports: the intended use and what the shipped model is.
_SYNTHETIC_USE = N_(
    "The shipped model is trained on a synthetic cohort calibrated to published figures, "
    "not on real patients: its numbers illustrate the method and must not guide the care "
    "of a patient.")
#: (The model card stores them in English; :func:`intended_use` words them for a reader.)
INTENDED_USE = INTENDED_POPULATION + " " + _SYNTHETIC_USE


def intended_use(synthetic: bool) -> str:
    """The intended use to show beside a model: with the synthetic-data statement only
    when the model rests on the shipped synthetic cohort."""
    return _(INTENDED_POPULATION) + (" " + _(_SYNTHETIC_USE) if synthetic else "")
