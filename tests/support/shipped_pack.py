"""A copy of the repository's registry whose shipped version carries its reference test
pack: the shipped one when it is stored, else added to the copy (signed by the test
process's own site key, which it trusts). Tests of the pack then run before and after the
release manager stores it in models/ (make testpack)."""

from __future__ import annotations

import shutil
from pathlib import Path

from risk.registry import Registry

REPO = Path(__file__).resolve().parents[2]
SHIPPED = "synthetic-v1"


def registry_copy_with_pack(folder: Path) -> Path:
    """``folder``/models: the repository's registry, its shipped version with a pack."""
    copy = folder / "models"
    shutil.copytree(REPO / "models", copy, ignore=shutil.ignore_patterns(".lock"))
    if not (copy / SHIPPED / "testpack.csv").exists():
        Registry(copy).add_reference_pack(SHIPPED)
    return copy
