"""The survival models (public API); the details live in the modules named below.

- :class:`CoxModel` (:mod:`risk.model.cox`): one Cox PH model, fitted and predicted with
  numpy; encoding in :mod:`risk.model.features`, fitting in :mod:`risk.model.fit`, intervals in
  :mod:`risk.model.bands`, cross-validated choices in :mod:`risk.model.tuning`.
- :class:`BiopsyRiskModel` (:mod:`risk.model.pair`): the served pair, the biopsy-informed
  model and the primary-only comparator.
- :class:`Predictions` (:mod:`risk.model.prediction`): curves, bands, table, contributions.
"""

from risk.model.cox import CoxModel, NotFittedError
from risk.model.fit import CoxFit, fit_design
from risk.model.pair import BeforeBiopsy, BiopsyRiskModel
from risk.model.prediction import MONTHS, Predictions
from risk.model.tuning import compare_terms

__all__ = ["MONTHS", "BeforeBiopsy", "BiopsyRiskModel", "CoxFit", "CoxModel",
           "NotFittedError", "Predictions", "compare_terms", "fit_design"]
