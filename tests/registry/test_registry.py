"""The model registry: round trip, immutability, tamper refusal, pointer, rollback.

These tests store plain parameter dicts (the registry does not care what model made
them); loading a fitted model is covered in ``test_cli_model.py``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from risk.errors import RegistryError
from risk.registry import store as reg
from risk.registry.card import build_card, data_fingerprint

PARAMS = {"format": 1, "coef": {"age": 0.0123456789012345, "met_grade_G3": 1.25},
          "baseline": [0.0, 0.01, 0.02], "labels": ["a", "b"]}


def card(**extra):
    return build_card(training_data={"sha256": "0" * 64, "patients": 10, "events": 4,
                                     "median_follow_up_months": 30.0}, **extra)


@pytest.fixture
def registry(tmp_path) -> reg.Registry:
    return reg.Registry(tmp_path / "models")


def test_save_then_read_gives_the_same_parameters_and_card(registry):
    version = registry.save(PARAMS, card(notes="first"))
    params, stored_card = registry.read(version)
    assert params == PARAMS
    assert stored_card.notes == "first"
    assert stored_card.version == version
    assert stored_card.kind == "trained" and stored_card.parent is None
    assert set(os.listdir(registry.root / version)) == {"model.json", "card.json", "manifest.sig",
                                                        "manifest.json", "chai_card.json"}


def test_floats_survive_exactly_and_model_json_is_deterministic(registry):
    odd = {"x": [0.1 + 0.2, 1e-300, -2.5e17, 1 / 3]}
    a = registry.save(odd, card(), version="a")
    b = registry.save(odd, card(notes="other card"), version="b")
    assert registry.read(a)[0] == odd
    assert (registry.root / a / "model.json").read_bytes() == \
        (registry.root / b / "model.json").read_bytes()


def test_numpy_values_are_stored_as_plain_json(registry):
    np = pytest.importorskip("numpy")
    version = registry.save({"v": np.arange(3, dtype=float), "n": np.int64(4)}, card())
    assert registry.read(version)[0] == {"v": [0.0, 1.0, 2.0], "n": 4}


def test_not_json_safe_parameters_are_refused_and_nothing_is_written(registry):
    with pytest.raises(RegistryError, match="not plain JSON"):
        registry.save({"x": float("nan")}, card())
    with pytest.raises(RegistryError, match="not plain JSON"):
        registry.save({"x": object()}, card())
    assert registry.versions() == []


def test_automatic_version_ids_are_unique_and_sortable(registry):
    names = [registry.save(PARAMS, card()) for _ in range(3)]
    assert len(set(names)) == 3
    assert names == sorted(names)
    stamp, digest = names[0].split("-")[:2]
    assert len(stamp) == len("20261124T053012Z") and stamp.endswith("Z")
    assert digest == reg.sha256((registry.root / names[0] / "model.json").read_bytes())[:6]


def test_an_existing_version_is_never_overwritten(registry):
    registry.save(PARAMS, card(), version="v1")
    before = (registry.root / "v1" / "model.json").read_bytes()
    with pytest.raises(RegistryError, match="already exists"):
        registry.save({"other": 1}, card(), version="v1")
    assert (registry.root / "v1" / "model.json").read_bytes() == before


@pytest.mark.parametrize("name", ["", "a b", "../x", "x/y", ".hidden", "active", "a" * 65,
                                  "é", "v1;rm"])
def test_bad_version_names_are_refused(registry, name):
    with pytest.raises(RegistryError, match="invalid model version name"):
        registry.save(PARAMS, card(), version=name)


@pytest.mark.parametrize("name", ["synthetic-v1", "2026.11_a", "A" * 64])
def test_good_version_names_are_accepted(registry, name):
    assert registry.save(PARAMS, card(), version=name) == name


# ---------------------------------------------------------------- tampering
@pytest.mark.parametrize("file_name", ["model.json", "card.json"])
def test_one_changed_byte_is_refused_naming_the_file(registry, file_name):
    version = registry.save(PARAMS, card(), version="v1")
    path = registry.root / version / file_name
    data = bytearray(path.read_bytes())
    index = data.index(b"1")
    data[index:index + 1] = b"2"  # still valid JSON, different content
    path.write_bytes(bytes(data))
    with pytest.raises(RegistryError, match=f"was modified: {file_name}"):
        registry.read(version)
    assert "modified" in registry.list_versions()[0].status


def test_a_manifest_edited_to_match_a_modified_model_is_refused(registry):
    """Re-hashing a modified model.json into manifest.json breaks the signature. Signing
    it again is a trust decision (the release manager's, after a file was added): made
    with a trusted key, the version loads and the pointer records the new manifest."""
    version = registry.save(PARAMS, card(), version="v1", activate=True)
    folder = registry.root / version
    changed = reg.canonical_json({**PARAMS, "coef": {"age": 9.0, "met_grade_G3": 0.0}})
    (folder / "model.json").write_bytes(changed)
    manifest = json.loads((folder / "manifest.json").read_bytes())
    manifest["files"]["model.json"] = reg.sha256(changed)
    (folder / "manifest.json").write_bytes(reg.canonical_json(manifest))
    with pytest.raises(RegistryError, match="signature .* does not match its manifest"):
        registry.read(version)
    assert registry.sign(version, registry.keys.site_signer())
    assert registry.read(version)[0]["coef"]["age"] == 9.0
    assert registry.history()[-1]["action"] == "sign"


def test_another_signed_folder_put_in_place_of_the_active_one_is_refused(registry, tmp_path):
    """Signed and intact, but not the version that was activated: the pointer tells."""
    registry.save(PARAMS, card(), version="v1", activate=True)
    other = reg.Registry(tmp_path / "elsewhere")
    other.save({**PARAMS, "labels": ["other"]}, card(), version="v1")
    shutil.rmtree(registry.root / "v1")
    shutil.copytree(other.root / "v1", registry.root / "v1")
    with pytest.raises(RegistryError, match="manifest.json differs from the one recorded"):
        registry.read("v1")


@pytest.mark.parametrize("damage", ["delete-entry", "bad-json", "other-version", "delete"])
def test_a_damaged_manifest_is_refused(registry, damage):
    version = registry.save(PARAMS, card(), version="v1")
    path = registry.root / version / "manifest.json"
    manifest = json.loads(path.read_bytes())
    if damage == "delete-entry":
        del manifest["files"]["card.json"]
        path.write_bytes(reg.canonical_json(manifest))
    elif damage == "bad-json":
        path.write_bytes(path.read_bytes()[:-5])
    elif damage == "other-version":
        manifest["version"] = "v2"
        path.write_bytes(reg.canonical_json(manifest))
    else:
        path.unlink()
    with pytest.raises(RegistryError, match="modified|incomplete"):
        registry.read(version)


def test_an_extra_file_in_a_version_is_refused(registry):
    version = registry.save(PARAMS, card(), version="v1")
    (registry.root / version / "model.pkl").write_bytes(b"\x80\x04")
    with pytest.raises(RegistryError, match="unexpected file model.pkl"):
        registry.read(version)


def test_a_renamed_version_folder_is_refused(registry):
    registry.save(PARAMS, card(), version="v1")
    os.rename(registry.root / "v1", registry.root / "v2")
    with pytest.raises(RegistryError, match="renamed"):
        registry.read("v2")


def test_unknown_version_lists_the_available_ones(registry):
    registry.save(PARAMS, card(), version="v1")
    with pytest.raises(RegistryError, match=r"no model version 'v9'.*available: v1"):
        registry.read("v9")


# ---------------------------------------------------------------- pointer and history
def test_nothing_is_active_in_a_new_registry(registry):
    assert registry.active_version() is None
    assert registry.history() == []
    with pytest.raises(RegistryError, match="no active model"):
        registry.load()


def test_activate_and_rollback_follow_the_activation_history(registry):
    for name in ("v1", "v2", "v3"):
        registry.save(PARAMS, card(), version=name)
    registry.activate("v1")
    registry.activate("v2")
    registry.activate("v3")
    assert registry.active_version() == "v3"
    assert registry.rollback() == "v2"
    assert registry.rollback() == "v1"
    with pytest.raises(RegistryError, match="no earlier active version"):
        registry.rollback()
    registry.activate("v3")
    registry.activate("v1")
    assert registry.rollback() == "v3"
    actions = [(e["action"], e["version"]) for e in registry.history()]
    assert actions == [("activate", "v1"), ("activate", "v2"), ("activate", "v3"),
                       ("rollback", "v2"), ("rollback", "v1"), ("activate", "v3"),
                       ("activate", "v1"), ("rollback", "v3")]
    assert all(set(e) == {"action", "version", "utc", "previous", "manifest_sha256"}
               for e in registry.history())


def test_activating_the_active_version_again_changes_nothing(registry):
    registry.save(PARAMS, card(), version="v1", activate=True)
    before = (registry.root / "active").read_bytes()
    registry.activate("v1")
    assert (registry.root / "active").read_bytes() == before


def test_a_modified_version_cannot_be_activated(registry):
    registry.save(PARAMS, card(), version="v1", activate=True)
    registry.save(PARAMS, card(), version="v2")
    (registry.root / "v2" / "card.json").write_text("{}")
    with pytest.raises(RegistryError, match="modified"):
        registry.activate("v2")
    assert registry.active_version() == "v1"


def test_a_damaged_pointer_is_reported_clearly(registry):
    registry.save(PARAMS, card(), version="v1", activate=True)
    (registry.root / "active").write_text("v1 garbage")
    with pytest.raises(RegistryError, match="pointer .* is damaged"):
        registry.active_version()
    registry.activate("v1")  # the way out the message suggests
    assert registry.active_version() == "v1"


def test_list_versions_shows_status_active_and_counts(registry):
    registry.save(PARAMS, card(), version="v1")
    registry.save(PARAMS, card(kind="recalibrated", parent="v1"), version="v2",
                  activate=True)
    rows = {r.version: r for r in registry.list_versions()}
    assert rows["v2"].active and not rows["v1"].active
    assert rows["v2"].kind == "recalibrated" and rows["v2"].parent == "v1"
    assert rows["v1"].patients == 10 and rows["v1"].events == 4
    assert {r.status for r in rows.values()} == {"ok"}
    shown = registry.show("v2")
    assert shown["active"] and shown["card"].parent == "v1"
    assert shown["model"] == PARAMS


def test_default_model_dir_is_the_repository_models_folder(monkeypatch, repo_root):
    monkeypatch.delenv(reg.MODEL_DIR_ENV, raising=False)
    assert reg.default_model_dir() == repo_root / "models"
    monkeypatch.setenv(reg.MODEL_DIR_ENV, "/somewhere/else")
    assert reg.Registry().root == Path("/somewhere/else")


# ---------------------------------------------------------------- failed saves
def test_a_failed_rename_leaves_the_registry_unchanged(registry, monkeypatch):
    registry.save(PARAMS, card(), version="v1", activate=True)

    def broken_rename(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(reg.os, "rename", broken_rename)
    with pytest.raises(RegistryError, match="No space left.*registry is unchanged"):
        registry.save({"new": 1}, card(), version="v2", activate=True)
    monkeypatch.undo()
    assert registry.versions() == ["v1"]
    assert registry.active_version() == "v1"
    assert registry.read("v1")[0] == PARAMS
    assert not list(registry.root.glob(".tmp-*"))


def test_a_failed_pointer_replace_keeps_the_previous_active(registry, monkeypatch):
    registry.save(PARAMS, card(), version="v1", activate=True)
    registry.save(PARAMS, card(), version="v2")

    def broken_replace(src, dst):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(reg.os, "replace", broken_replace)
    with pytest.raises(RegistryError, match="active model is unchanged"):
        registry.activate("v2")
    monkeypatch.undo()
    assert registry.active_version() == "v1"
    assert not list(registry.root.glob(".tmp-*"))


def test_leftovers_of_a_crashed_save_are_ignored_then_cleaned(registry):
    registry.save(PARAMS, card(), version="v1", activate=True)
    crashed = registry.root / ".tmp-0123456789abcdef"
    crashed.mkdir()
    (crashed / "model.json").write_text('{"half": ')
    (registry.root / ".tmp-feed.active").write_text("{")
    assert registry.versions() == ["v1"]
    assert [r.version for r in registry.list_versions()] == ["v1"]
    assert registry.read("v1")[0] == PARAMS
    registry.save(PARAMS, card(), version="v2")  # the next writer cleans up
    assert not list(registry.root.glob(".tmp-*"))


def test_an_unwritable_registry_gives_a_clear_error(tmp_path):
    not_a_folder = tmp_path / "models"
    not_a_folder.write_text("a file where the registry folder should be")
    with pytest.raises(RegistryError, match="cannot write to the model registry"):
        reg.Registry(not_a_folder).save(PARAMS, card())


# ---------------------------------------------------------------- model card
def test_fingerprint_and_card_hold_counts_never_rows():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"patient_id": ["ZX-UNIQUE-1", "ZX-UNIQUE-2", "ZX-UNIQUE-3"],
                          "os_months": [12.3456, 40.0, 7.5], "death": [1, 0, 1],
                          "met_grade": ["G2", None, "G3"]})
    fp = data_fingerprint(frame, raw_bytes=b"a,b\n")
    assert fp.to_dict() == {"sha256": reg.sha256(b"a,b\n"), "patients": 3, "events": 2,
                  "median_follow_up_months": 40.0, "patients_with_biopsy_grade": 2,
                  "schema_version": 2, "synthetic": False}
    text = build_card(training_data=fp).to_json().decode()
    assert "ZX-UNIQUE" not in text and "12.3456" not in text
    card_ = build_card(training_data=fp)
    assert set(card_.libraries) >= {"python", "numpy", "pandas", "lifelines",
                                    "scikit-learn"}
    assert card_.created_utc.endswith("Z") and card_.metrics.to_dict() == {}


def test_a_recalibrated_card_must_name_its_parent():
    with pytest.raises(ValueError, match="parent"):
        build_card(training_data={}, kind="recalibrated")
    with pytest.raises(ValueError, match="kind"):
        build_card(training_data={}, kind="guessed")
