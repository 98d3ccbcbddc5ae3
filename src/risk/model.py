"""The survival models (public API); the details live in the modules named below.

- :class:`CoxModel` (:mod:`risk.coxmodel`): one Cox PH model, fitted and predicted with
  numpy; encoding in :mod:`risk.features`, fitting in :mod:`risk.coxfit`, intervals in
  :mod:`risk.uncertainty`, cross-validated choices in :mod:`risk.tuning`.
- :class:`BiopsyRiskModel` (:mod:`risk.riskmodel`): the served pair, the biopsy-informed
  model and the primary-only comparator.
- :class:`Predictions` (:mod:`risk.prediction`): curves, bands, table, contributions.
"""

from risk.coxfit import CoxFit, fit_design
from risk.coxmodel import CoxModel, NotFittedError
from risk.prediction import MONTHS, Predictions
from risk.riskmodel import BeforeBiopsy, BiopsyRiskModel
from risk.tuning import compare_terms

__all__ = ["MONTHS", "BeforeBiopsy", "BiopsyRiskModel", "CoxFit", "CoxModel",
           "NotFittedError", "Predictions", "compare_terms", "fit_design"]
