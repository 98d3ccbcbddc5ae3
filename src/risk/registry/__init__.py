"""Model versions on disk: save, load, activate and roll back; cards; lineage.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from risk._lazy import lazy_api

#: public name -> the module of this package that defines it
_WHERE = {
    "CARD_FORMAT": "card",
    "CardMetrics": "card",
    "ModelCard": "card",
    "TrainingData": "card",
    "build_card": "card",
    "data_fingerprint": "card",
    "is_synthetic_cohort": "card",
    "library_versions": "card",
    "methods": "card",
    "built_on": "lineage",
    "trained_on_synthetic": "lineage",
    "LoadedModel": "store",
    "MODEL_DIR_ENV": "store",
    "Registry": "store",
    "active_stack": "store",
    "check_version_name": "version",
    "default_model_dir": "store",
    "load": "store",
    "parameter_differences": "store",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
