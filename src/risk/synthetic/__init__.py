"""The synthetic cohort: the calibrated generator, its cited parameters and their documentation.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from risk._lazy import lazy_api

# one statement per module (ruff's isort would split the `as` re-exports)
# isort: off
if TYPE_CHECKING:  # the names' types for mypy; at run time each is imported on first use
    from risk.synthetic.generator import (
        generate_cohort as generate_cohort,
        write_cohort as write_cohort,
    )
    from risk.synthetic.shipped import (
        SHIPPED_SHA256 as SHIPPED_SHA256,
        SYNTHETIC_ID_PREFIX as SYNTHETIC_ID_PREFIX,
    )
# isort: on

#: public name -> the module of this package that defines it
_WHERE = {
    "SHIPPED_SHA256": "shipped",
    "SYNTHETIC_ID_PREFIX": "shipped",
    "generate_cohort": "generator",
    "write_cohort": "generator",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
