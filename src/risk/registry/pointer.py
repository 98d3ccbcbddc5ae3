"""The registry's pointer to the served version (``models/active``): reading it so that
damage is named, replacing it atomically with one more event of its history, and
replaying that history (activations push, rollbacks pop)."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from risk.errors import RegistryError
from risk.registry.files import TMP_PREFIX, canonical_json, checkpoint, fsync_dir, write_synced
from risk.registry.version import POINTER_FILE


def read_pointer(root: Path, tolerate_damage: bool = False) -> dict[str, Any] | None:
    """The pointer of the registry at ``root`` (None when there is none, or when it is
    damaged and ``tolerate_damage``: activation rewrites it)."""
    path = root / POINTER_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RegistryError(f"cannot read the active-model pointer {path}: {exc}") from None
    try:
        pointer = json.loads(data)
        if not isinstance(pointer.get("active"), str) or not isinstance(
                pointer.get("history"), list):
            raise ValueError("missing fields")
    except (ValueError, AttributeError):
        if tolerate_damage:  # activation rewrites it; the lost history cannot be read
            return None
        raise RegistryError(
            f"the active-model pointer {path} is damaged; choose the served model "
            "again with 'python -m risk models activate VERSION'") from None
    return pointer  # type: ignore[no-any-return]  # json is typed Any


def write_pointer(root: Path, version: str, manifest_hash: str, action: str) -> None:
    """Serve ``version`` (its manifest's sha256 recorded), with the event in the history;
    nothing is written when it is already served. Call under the registry's lock."""
    pointer = read_pointer(root, tolerate_damage=True) or {"history": []}
    if pointer.get("active") == version and pointer.get("manifest_sha256") == manifest_hash:
        return  # already served: nothing to record
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = {"action": action, "version": version, "utc": now,
             "previous": pointer.get("active"), "manifest_sha256": manifest_hash}
    new_pointer = {"pointer_format": 1, "active": version, "manifest_sha256": manifest_hash,
                   "activated_utc": now, "history": [*pointer["history"], event]}
    tmp = root / f"{TMP_PREFIX}{uuid.uuid4().hex}.{POINTER_FILE}"
    try:
        write_synced(tmp, canonical_json(new_pointer))
        checkpoint("before-pointer")
        os.replace(tmp, root / POINTER_FILE)
        fsync_dir(root)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise RegistryError(f"could not change the active model in {root}: "
                            f"{exc.strerror or exc}; the active model is unchanged") from None


def active_stack(history: list[dict[str, Any]]) -> list[str]:
    """Replay activations (push) and rollbacks (pop): the last item is served now."""
    stack: list[str] = []
    for event in history:
        if event.get("action") == "rollback" and stack:
            stack.pop()
        version = event.get("version")
        if version and (not stack or stack[-1] != version):
            stack.append(version)
    return stack
