"""A version's reference test pack in the registry: computed when the version is saved,
listed with its sha256 in the manifest, re-computed by ``models verify`` and the Model page.

The pack itself (its patients, its expected outputs, the comparison) is
:mod:`risk.model.testpack`'s; this module stores and reads it. A version saved before
packs existed gets one with :meth:`risk.registry.Registry.add_reference_pack`
(``python -m risk models testpack VERSION --store``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from risk.errors import ModelError, RegistryError
from risk.registry.files import add_listed_file, discard_unlisted
from risk.registry.version import MANIFEST_FILE, MODEL_FILE, TESTPACK_FILE

if TYPE_CHECKING:
    from risk.model import BiopsyRiskModel, PackCheck
    from risk.registry.store import Registry

#: ``kind`` of the parameters of a served model pair (``BiopsyRiskModel.to_dict()``); other
#: parameters (the registry's own tests store plain dicts) get no pack.
SERVED_KIND = "biopsy_risk_model"


def _model(params: dict[str, Any], version: str) -> BiopsyRiskModel:
    from risk.model import BiopsyRiskModel

    try:
        return BiopsyRiskModel.from_dict(params)
    except ModelError as exc:
        raise RegistryError(f"model version '{version}' cannot be read by this version of "
                            f"the code ({exc})") from None


def pack_for(model_bytes: bytes, version: str = "new") -> bytes | None:
    """The test pack of the model stored as ``model_bytes`` (read back exactly as a load
    reads it), or None when the parameters are not a served model."""
    params = json.loads(model_bytes)
    if not isinstance(params, dict) or params.get("kind") != SERVED_KIND:
        return None
    from risk.model.testpack import build_pack

    try:
        return build_pack(_model(params, version))
    except ModelError as exc:
        raise RegistryError(f"could not compute the reference test pack of model version "
                            f"'{version}': {exc}; nothing was saved") from None


def stored_pack(registry: Registry, version: str) -> bytes:
    """A version's verified test pack; a RegistryError when it has none."""
    contents = registry.verify(version)
    if TESTPACK_FILE not in contents:
        raise RegistryError(
            f"model version '{version}' has no reference test pack (it was saved before "
            f"packs existed): add one with 'python -m risk models testpack {version} "
            "--store'")
    return contents[TESTPACK_FILE]


def verify_version(registry: Registry, version: str | None = None,
                   pack: bytes | None = None) -> PackCheck:
    """Re-compute a version's test pack (or ``pack``, e.g. a copy given with ``--pack``)
    in this installation and compare it with what the pack expects."""
    from risk.model.testpack import check_pack

    loaded = registry.load(version)
    pack = stored_pack(registry, loaded.version) if pack is None else pack
    try:
        return check_pack(loaded.model, pack)
    except ModelError as exc:
        raise RegistryError(f"cannot verify model version '{loaded.version}': {exc}") \
            from None


def discard_unlisted_pack(folder: Path) -> None:
    """Remove a ``testpack.csv`` its manifest does not list (left by a crash of
    :func:`write_pack_into`, which writes it again)."""
    discard_unlisted(folder, TESTPACK_FILE, MANIFEST_FILE)


def write_pack_into(root: Path, version: str, contents: dict[str, bytes]) -> bytes:
    """Add the pack to an existing version folder (under the registry's lock); returns
    the new manifest's bytes (:func:`risk.registry.files.add_listed_file`)."""
    manifest = json.loads(contents[MANIFEST_FILE])
    if TESTPACK_FILE in manifest["files"]:
        raise RegistryError(f"model version '{version}' already has its reference test "
                            "pack; versions are never overwritten")
    pack = pack_for(contents[MODEL_FILE], version)
    if pack is None:
        raise RegistryError(f"model version '{version}' is not a served model pair: it "
                            "has no reference test pack")
    return add_listed_file(root / version, manifest, TESTPACK_FILE, pack, "the test pack",
                           MANIFEST_FILE)
