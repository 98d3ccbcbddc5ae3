"""The synthetic cohort: the calibrated generator, its cited parameters and their documentation.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from risk._lazy import lazy_api

#: public name -> the module of this package that defines it
_WHERE = {
    "SHIPPED_SHA256": "generator",
    "SYNTHETIC_ID_PREFIX": "generator",
    "generate_cohort": "generator",
    "write_cohort": "generator",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
