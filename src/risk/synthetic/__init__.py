"""The synthetic cohort: the calibrated generator, its cited parameters and their documentation.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

import importlib

#: public name -> the module of this package that defines it
_WHERE = {
    "SHIPPED_SHA256": "generator",
    "SYNTHETIC_ID_PREFIX": "generator",
    "generate_cohort": "generator",
    "write_cohort": "generator",
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
