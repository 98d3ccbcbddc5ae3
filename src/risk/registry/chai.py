"""A version's CHAI Applied Model Card in the registry (``chai_card.json``): built from its
card at save time (:mod:`risk.present.chai_card`), listed with its sha256 in the manifest so
the signature covers it. A version saved before gets one with
:meth:`risk.registry.Registry.add_chai_card` (``python -m risk models chai VERSION
--store``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from risk.errors import RegistryError
from risk.registry.files import add_listed_file, discard_unlisted
from risk.registry.lineage import CardReader, trained_on_synthetic
from risk.registry.version import CHAI_FILE, MANIFEST_FILE

if TYPE_CHECKING:
    from risk.registry.card import ModelCard
    from risk.registry.store import Registry


def chai_for(card: ModelCard, read_card: CardReader) -> bytes:
    """The ``chai_card.json`` of a version's card; its lineage from the one lineage answer."""
    from risk.present.chai_card import chai_card_bytes

    return chai_card_bytes(card, trained_on_synthetic(card, read_card))


def stored_chai(registry: Registry, version: str) -> bytes:
    """A version's verified CHAI card; a RegistryError when it has none."""
    contents = registry.verify(version)
    if CHAI_FILE not in contents:
        raise RegistryError(
            f"model version '{version}' has no {CHAI_FILE} (it was saved before CHAI cards "
            f"existed): add one with 'python -m risk models chai {version} --store'")
    return contents[CHAI_FILE]


def write_chai_into(folder: Path, contents: dict[str, bytes], card: ModelCard,
                    read_card: CardReader) -> bytes:
    """Add the CHAI card to an existing version folder (under the registry's lock, its
    leftovers discarded first); returns the new manifest's bytes."""
    manifest = json.loads(contents[MANIFEST_FILE])
    if CHAI_FILE in manifest["files"]:
        raise RegistryError(f"model version '{folder.name}' already has its {CHAI_FILE}; "
                            "versions are never overwritten")
    return add_listed_file(folder, manifest, CHAI_FILE, chai_for(card, read_card),
                           "the CHAI model card", MANIFEST_FILE)


def discard_unlisted_chai(folder: Path) -> None:
    discard_unlisted(folder, CHAI_FILE, MANIFEST_FILE)
