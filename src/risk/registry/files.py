"""Files of the model registry: canonical JSON, hashes, synced writes, crash leftovers.

Used by :mod:`risk.registry.store`; kept apart so that module stays about the registry's rules.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from risk.errors import RegistryError

TMP_PREFIX = ".tmp-"
#: Stages of a save, in order, at which :func:`checkpoint` runs.
SAVE_STAGES = ("mid-write", "before-rename", "before-pointer")
#: Callbacks run at each save stage: a seam for fault-injection tests (they add one that
#: stops the process there); empty in the app and the command line.
CHECKPOINTS: list[Callable[[str], None]] = []


def canonical_json(obj: Any) -> bytes:
    """Deterministic JSON bytes (sorted keys, exact floats): same content, same hash."""
    try:
        text = json.dumps(obj, sort_keys=True, indent=1, allow_nan=False,
                          ensure_ascii=False, default=_plain)
    except (TypeError, ValueError) as exc:
        raise RegistryError(f"model content is not plain JSON: {exc}") from None
    return (text + "\n").encode("utf-8")


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as plain numbers and lists (anything else refused)."""
    if hasattr(value, "tolist") and type(value).__module__ == "numpy":
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-safe")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parameter_differences(stored: Any, new: Any, rtol: float = 1e-7, atol: float = 1e-10,
                          path: str = "") -> list[str]:
    """Where two parameter dicts differ (numbers compared with a tolerance).

    Used to check that refitting reproduces a stored version: the same data, settings
    and seed give the same numbers up to floating-point noise across machines.
    """
    if isinstance(stored, dict) and isinstance(new, dict):
        out = [f"{path}/{k}: missing in one of them" for k in sorted(set(stored) ^ set(new))]
        for key in sorted(set(stored) & set(new)):
            out += parameter_differences(stored[key], new[key], rtol, atol, f"{path}/{key}")
        return out
    if isinstance(stored, list) and isinstance(new, list):
        if len(stored) != len(new):
            return [f"{path}: {len(stored)} values stored, {len(new)} now"]
        out = []
        for i, (a, b) in enumerate(zip(stored, new, strict=True)):
            out += parameter_differences(a, b, rtol, atol, f"{path}[{i}]")
        return out
    numbers = (int, float)
    if isinstance(stored, numbers) and isinstance(new, numbers) and \
            not isinstance(stored, bool) and not isinstance(new, bool):
        if abs(stored - new) <= atol + rtol * abs(stored):
            return []
        return [f"{path}: stored {stored!r}, now {new!r}"]
    return [] if stored == new else [f"{path}: stored {stored!r}, now {new!r}"]


def write_synced(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    """Make a rename or a new entry durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(root: Path) -> None:
    """Writers hold the lock while a temporary exists: any found now is a crash's."""
    for path in root.glob(TMP_PREFIX + "*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def checkpoint(stage: str) -> None:
    """Run the registered :data:`CHECKPOINTS` at ``stage`` (one of :data:`SAVE_STAGES`)."""
    for callback in CHECKPOINTS:
        callback(stage)


def discard_unlisted(folder: Path, name: str, manifest_name: str = "manifest.json") -> None:
    """Remove a file ``name`` its manifest does not list (left by a crash of
    :func:`add_listed_file`, which writes it again)."""
    path = folder / name
    try:
        listed = json.loads((folder / manifest_name).read_bytes()).get("files", {})
    except (OSError, ValueError, AttributeError):
        return  # verification names the damage
    if path.exists() and isinstance(listed, dict) and name not in listed:
        path.unlink()


def add_listed_file(folder: Path, manifest: dict[str, Any], name: str, data: bytes,
                    what: str, manifest_name: str = "manifest.json") -> bytes:
    """Add ``name`` to an existing version folder and list its sha256 in ``manifest`` (the
    parsed manifest, under the registry's lock); returns the new manifest's bytes.

    The file is written first, then the manifest is replaced (each through a temporary and
    a rename). A crash between the two leaves an unlisted file, which a load refuses and
    running this again replaces (:func:`discard_unlisted`).
    """
    import uuid

    version = folder.name
    manifest["files"][name] = sha256(data)
    manifest_bytes = canonical_json(manifest)
    for file_name, content in ((name, data), (manifest_name, manifest_bytes)):
        tmp = folder.parent / f"{TMP_PREFIX}{uuid.uuid4().hex}.{file_name}"
        try:
            write_synced(tmp, content)
            os.replace(tmp, folder / file_name)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise RegistryError(f"could not add {what} to model version '{version}': "
                                f"{exc.strerror or exc}") from None
    fsync_dir(folder)
    return manifest_bytes
