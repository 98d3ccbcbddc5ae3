"""The Model page says whether this installation reproduces the served version's
reference test pack: verified (N of N), not reproduced (naming the first differing
patient and field), or not verifiable (no pack stored), computed once per process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shipped_pack import SHIPPED, registry_copy_with_pack
from streamlit.testing.v1 import AppTest

from risk.registry import store as reg
from risk.registry.files import canonical_json

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
pytestmark = pytest.mark.xdist_group("testpack")


def model_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page("pages/model.py")
    at.run()
    assert not at.exception
    return at


def verification(at: AppTest) -> tuple[str, str]:
    """The kind (success, error, info) and text of the page's verification box."""
    for kind in ("success", "error", "info"):
        for element in at.get(kind):
            if "installation" in element.value:
                return kind, element.value.replace("\\", "")
    raise AssertionError("no verification box on the Model page")


@pytest.fixture
def models(tmp_path, monkeypatch):
    copy = registry_copy_with_pack(tmp_path)
    monkeypatch.setenv(reg.MODEL_DIR_ENV, str(copy))
    return copy


def rehash(models: Path, version: str) -> None:
    """Record a changed pack in the manifest, its signature and the pointer, as a
    consistent (but different) installation would have them."""
    folder = models / version
    manifest = json.loads((folder / "manifest.json").read_bytes())
    manifest["files"]["testpack.csv"] = reg.sha256((folder / "testpack.csv").read_bytes())
    (folder / "manifest.json").write_bytes(canonical_json(manifest))
    resign(models, version)


def resign(models: Path, version: str) -> None:
    """Sign the changed manifest (the test's own site key) and record it in the pointer."""
    registry = reg.Registry(models)
    registry.sign(version, registry.keys.site_signer())
    pointer = json.loads((models / "active").read_bytes())
    pointer["manifest_sha256"] = reg.sha256((models / version / "manifest.json").read_bytes())
    (models / "active").write_bytes(canonical_json(pointer))


def test_the_shipped_version_is_verified_on_this_installation(models):
    patients = sum(1 for _ in (models / SHIPPED / "testpack.csv").open()) - 1
    kind, text = verification(model_page())
    assert kind == "success"
    assert f"Verified on this installation: {patients:,} of {patients:,} reference " \
           "patients" in text


def test_a_differing_expected_value_is_shown_naming_the_patient_and_field(models):
    path = models / SHIPPED / "testpack.csv"
    data = path.read_bytes()
    row = next(line for line in data.split(b"\r\n") if line.startswith(b"random-0042,"))
    cells = row.split(b",")
    cells[-1] = b"0.5" if cells[-1] != b"0.5" else b"0.25"  # the last field: pfs_60_upper
    path.write_bytes(data.replace(row, b",".join(cells)))
    rehash(models, SHIPPED)
    kind, text = verification(model_page())
    assert kind == "error"
    assert "1 of 1,111 reference patients differ" in text
    assert "patient random-0042, pfs_60_upper: expected " in text


def test_a_version_without_a_pack_says_how_to_add_one(models):
    folder = models / SHIPPED
    (folder / "testpack.csv").unlink()
    manifest = json.loads((folder / "manifest.json").read_bytes())
    del manifest["files"]["testpack.csv"]
    (folder / "manifest.json").write_bytes(canonical_json(manifest))
    resign(models, SHIPPED)
    kind, text = verification(model_page())
    assert kind == "info" and "Not verified on this installation" in text
    assert f"models testpack {SHIPPED} --store" in text
