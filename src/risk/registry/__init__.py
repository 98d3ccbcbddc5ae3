"""Model versions on disk: save, load, activate and roll back; cards; lineage; the
keys that sign versions.

The names below are this package's public API; each lives in the module named
beside it and is imported on first use (so importing one part stays cheap).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from risk._lazy import lazy_api

# one statement per module (ruff's isort would split the `as` re-exports)
# isort: off
if TYPE_CHECKING:  # the names' types for mypy; at run time each is imported on first use
    from risk.registry.card import (
        CARD_FORMAT as CARD_FORMAT,
        CardMetrics as CardMetrics,
        ModelCard as ModelCard,
        TrainingData as TrainingData,
        build_card as build_card,
        data_fingerprint as data_fingerprint,
        is_synthetic_cohort as is_synthetic_cohort,
        library_versions as library_versions,
        methods as methods,
    )
    from risk.registry.keys import (
        KEYS_DIR_ENV as KEYS_DIR_ENV,
        KeyStore as KeyStore,
        Signer as Signer,
        TrustedKey as TrustedKey,
        default_keys_dir as default_keys_dir,
        load_signer as load_signer,
        read_file_bytes as read_file_bytes,
        read_public_key as read_public_key,
        write_key_pair as write_key_pair,
    )
    from risk.registry.lineage import (
        built_on as built_on,
        trained_on_synthetic as trained_on_synthetic,
    )
    from risk.registry.pointer import active_stack as active_stack
    from risk.registry.store import (
        MODEL_DIR_ENV as MODEL_DIR_ENV,
        Registry as Registry,
        default_model_dir as default_model_dir,
        load as load,
    )
    from risk.registry.files import (  # store's, defined with the files
        parameter_differences as parameter_differences,
    )
    from risk.registry.chai import stored_chai as stored_chai
    from risk.registry.version import (
        CHAI_FILE as CHAI_FILE,
        LoadedModel as LoadedModel,
        TESTPACK_FILE as TESTPACK_FILE,
        check_version_name as check_version_name,
    )
    from risk.registry.testpack import (
        stored_pack as stored_pack,
        verify_version as verify_version,
    )
# isort: on

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
    "KEYS_DIR_ENV": "keys",
    "KeyStore": "keys",
    "Signer": "keys",
    "TrustedKey": "keys",
    "default_keys_dir": "keys",
    "load_signer": "keys",
    "read_file_bytes": "keys",
    "read_public_key": "keys",
    "write_key_pair": "keys",
    "built_on": "lineage",
    "trained_on_synthetic": "lineage",
    "LoadedModel": "version",
    "MODEL_DIR_ENV": "store",
    "Registry": "store",
    "active_stack": "pointer",
    "TESTPACK_FILE": "version",
    "CHAI_FILE": "version",
    "stored_chai": "chai",
    "check_version_name": "version",
    "stored_pack": "testpack",
    "verify_version": "testpack",
    "default_model_dir": "store",
    "load": "store",
    "parameter_differences": "store",
}
__all__, __getattr__, __dir__ = lazy_api(__name__, _WHERE)
