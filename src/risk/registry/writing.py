"""Writing a version folder: the whole folder at once, or its signature replaced.

The registry (:mod:`risk.registry.store`) calls these while it holds the writers' lock.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from risk.errors import RegistryError
from risk.registry.files import (
    TMP_PREFIX,
    canonical_json,
    checkpoint,
    fsync_dir,
    sha256,
    write_synced,
)
from risk.registry.keys import Signer
from risk.registry.signing import sign_manifest
from risk.registry.version import CARD_FILE, MANIFEST_FILE, MODEL_FILE, SIGNATURE_FILE


def new_version_name(root: Path, model_bytes: bytes) -> str:
    """A new version's name: its UTC second and the parameters' hash, unique in ``root``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = f"{stamp}-{sha256(model_bytes)[:6]}"
    name, n = base, 1
    while (root / name).exists():  # same second, same parameters
        n += 1
        name = f"{base}-{n}"
    return name


def write_version(root: Path, name: str, model_bytes: bytes, card_bytes: bytes,
                  signer: Signer, extra: dict[str, bytes] | None = None) -> None:
    """Write a complete, signed version folder at once: in ``.tmp-<uuid>/``, synced,
    then renamed (atomic on POSIX), so it appears whole or not at all."""
    files = {MODEL_FILE: model_bytes, CARD_FILE: card_bytes, **(extra or {})}
    manifest = {"manifest_format": 1, "version": name,
                "files": {file_name: sha256(data) for file_name, data in files.items()}}
    manifest_bytes = canonical_json(manifest)
    files.update({MANIFEST_FILE: manifest_bytes,
                  SIGNATURE_FILE: sign_manifest(manifest_bytes, signer)})
    tmp = root / f"{TMP_PREFIX}{uuid.uuid4().hex}"
    try:
        tmp.mkdir()
        for i, (file_name, data) in enumerate(files.items()):
            write_synced(tmp / file_name, data)
            if i == 0:
                checkpoint("mid-write")
        fsync_dir(tmp)
        checkpoint("before-rename")
        os.rename(tmp, root / name)
        fsync_dir(root)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise RegistryError(f"could not save model version '{name}' in {root}: "
                            f"{exc.strerror or exc}; the registry is unchanged") from None


def write_signature(root: Path, version: str, manifest_bytes: bytes, signer: Signer) -> None:
    """Replace a version's ``manifest.sig`` atomically (temp file + ``os.replace``)."""
    tmp = root / f"{TMP_PREFIX}{uuid.uuid4().hex}.sig"
    try:
        write_synced(tmp, sign_manifest(manifest_bytes, signer))
        os.replace(tmp, root / version / SIGNATURE_FILE)
        fsync_dir(root / version)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise RegistryError(f"could not sign model version '{version}': "
                            f"{exc.strerror or exc}; its signature is unchanged"
                            ) from None
