"""One model version's files: their names, the version's name, and reading them so that
damage is named.

Every failure is a RegistryError saying which file of which version was modified or is
missing; nothing here is unpickled or executed (JSON only).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from risk.errors import RegistryError
from risk.registry.card import ModelCard
from risk.registry.files import sha256

if TYPE_CHECKING:
    from risk.model.pair import BiopsyRiskModel

MODEL_FILE = "model.json"
CARD_FILE = "card.json"
MANIFEST_FILE = "manifest.json"
SIGNATURE_FILE = "manifest.sig"  # the manifest's signature (risk.registry.signing)
VERSION_FILES = (MODEL_FILE, CARD_FILE)
#: The reference test pack (risk.model.testpack): in the manifest of every version saved
#: since packs exist; older versions may lack it.
TESTPACK_FILE = "testpack.csv"
#: The CHAI Applied Model Card (risk.present.chai_card), built from card.json at save time.
CHAI_FILE = "chai_card.json"
OPTIONAL_FILES = (TESTPACK_FILE, CHAI_FILE)
#: The registry's pointer to the served version (a file beside the version folders).
POINTER_FILE = "active"
VERSION_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
RESERVED_NAMES = (POINTER_FILE,)


def check_version_name(name: str) -> str:
    """Return ``name`` if it can name a version, else raise a RegistryError saying why."""
    if not isinstance(name, str) or not VERSION_PATTERN.fullmatch(name):
        raise RegistryError(
            f"invalid model version name {name!r}: use 1-64 letters, digits, '.', '_' or '-'")
    if name.startswith(".") or name in RESERVED_NAMES:
        raise RegistryError(
            f"invalid model version name {name!r}: it may not start with '.' or be "
            f"one of {', '.join(RESERVED_NAMES)}")
    return name


def read_file(path: Path, version: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RegistryError(
            f"model version '{version}' is incomplete or was modified: {path.name} "
            "is missing") from None
    except OSError as exc:
        raise RegistryError(f"cannot read {path}: {exc.strerror or exc}") from None


def parse_json(data: bytes, version: str, file_name: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise RegistryError(
            f"model version '{version}' was modified: {file_name} is not a JSON object")
    return value


def parse_card(data: bytes, version: str) -> ModelCard:
    """A version's :class:`ModelCard`, or a RegistryError saying why it cannot be read."""
    from pydantic import ValidationError

    value = parse_json(data, version, CARD_FILE)
    try:
        return ModelCard.from_dict(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the card"
        raise RegistryError(
            f"model version '{version}' has a {CARD_FILE} this version of the code cannot "
            f"read ({where}: {first['msg']})") from None


def parse_manifest(data: bytes, version: str) -> dict[str, Any]:
    manifest = parse_json(data, version, MANIFEST_FILE)
    files = manifest.get("files")
    if not isinstance(files, dict) or not set(VERSION_FILES) <= set(files) or \
            not set(files) <= {*VERSION_FILES, *OPTIONAL_FILES} or \
            not all(isinstance(h, str) for h in files.values()):
        raise RegistryError(
            f"model version '{version}' was modified: {MANIFEST_FILE} does not list "
            f"{' and '.join(VERSION_FILES)} with their hashes (and at most "
            f"{', '.join(OPTIONAL_FILES)})")
    if manifest.get("version") != version:
        raise RegistryError(
            f"model version '{version}' was modified: its {MANIFEST_FILE} names version "
            f"{manifest.get('version')!r} (a renamed folder)")
    return manifest


def read_hashed_files(folder: Path, version: str) -> dict[str, bytes]:
    """The bytes of a version's manifest and files, each checked against the manifest's
    sha256 (its signature is checked by :mod:`risk.registry.signing`)."""
    manifest_bytes = read_file(folder / MANIFEST_FILE, version)
    manifest = parse_manifest(manifest_bytes, version)
    present = {p.name for p in folder.iterdir()}
    listed = tuple(manifest["files"])  # VERSION_FILES, and the test pack when stored
    unexpected = sorted(present - {MANIFEST_FILE, SIGNATURE_FILE, *listed})
    if unexpected:
        raise RegistryError(
            f"model version '{version}' was modified: unexpected file "
            f"{unexpected[0]} in {folder}")
    contents = {MANIFEST_FILE: manifest_bytes}
    for name in listed:
        data = read_file(folder / name, version)
        if sha256(data) != manifest["files"][name]:
            raise RegistryError(
                f"model version '{version}' was modified: {name} does not match "
                "its manifest hash; refusing to load it")
        contents[name] = data
    return contents


@dataclass(frozen=True)
class LoadedModel:
    """A verified model version: its name, the fitted model and its card."""

    version: str
    model: BiopsyRiskModel
    card: ModelCard
    synthetic: bool = False  # rests on the shipped synthetic cohort (registry_lineage)


@dataclass(frozen=True)
class VersionInfo:
    """One line of the version list."""

    version: str
    created_utc: str | None
    kind: str | None
    parent: str | None
    active: bool
    status: str  # "ok", or why the version cannot be loaded
    patients: int | None = None
    events: int | None = None
    signed_by: str | None = None  # e.g. "release key 1f0c..."; None when refused
