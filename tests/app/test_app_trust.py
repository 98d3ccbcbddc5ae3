"""The app serves only signed, intact versions, and keeps serving the last good one when
the registry is damaged under it.

A temporary registry holds two versions, v1 then v2 (active), signed with the test
process's site key. Each test damages a private copy and opens the Patient and Model
pages: a refused version is named with the reason, and the page says which version it
serves instead.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cohort_frames import make_cohort
from streamlit.testing.v1 import AppTest

from risk.model import BiopsyRiskModel
from risk.registry import write_key_pair
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import MODEL_DIR_ENV, Registry, canonical_json, sha256

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 120


@pytest.fixture(scope="module")
def signed_registry(tmp_path_factory) -> Path:
    frame = make_cohort(300, seed=3)
    folder = tmp_path_factory.mktemp("trust") / "models"
    registry = Registry(folder)
    for version, penalizer in (("v1", 0.1), ("v2", 0.2)):
        model = BiopsyRiskModel(penalizer=penalizer, extra_terms=[]).fit(frame)
        registry.save(model.to_dict(), build_card(training_data=data_fingerprint(frame)),
                      version=version, activate=True)
    return folder


@pytest.fixture
def registry(signed_registry, tmp_path, monkeypatch) -> Registry:
    folder = tmp_path / "models"
    shutil.copytree(signed_registry, folder)
    monkeypatch.setenv(MODEL_DIR_ENV, str(folder))
    return Registry(folder)


def open_page(page: str, at: AppTest | None = None) -> AppTest:
    if at is None:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def warnings(at: AppTest) -> str:
    return "\n".join(str(w.value) for w in at.warning)


def unsign(registry: Registry) -> None:
    (registry.root / "v2" / "manifest.sig").unlink()


def sign_with_unknown_key(registry: Registry, tmp_path: Path) -> None:
    stranger = write_key_pair(tmp_path / "stranger.pem")  # never trusted here
    registry.sign("v2", stranger)


def rewrite_model_and_hash(registry: Registry) -> None:
    folder = registry.root / "v2"
    params = json.loads((folder / "model.json").read_bytes())
    params["biopsy_model"]["coefficients"][0] += 1.0
    changed = canonical_json(params)
    (folder / "model.json").write_bytes(changed)
    manifest = json.loads((folder / "manifest.json").read_bytes())
    manifest["files"]["model.json"] = sha256(changed)
    (folder / "manifest.json").write_bytes(canonical_json(manifest))


TAMPERING = {
    "unsigned": (lambda reg, tmp: unsign(reg), "it is not signed"),
    "unknown key": (sign_with_unknown_key, "which is not trusted here"),
    "altered": (lambda reg, tmp: rewrite_model_and_hash(reg),
                "does not match its manifest, which was altered after signing"),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_a_tampered_active_version_is_refused_and_the_previous_one_served(
        registry, tmp_path, kind):
    damage, reason = TAMPERING[kind]
    damage(registry, tmp_path)
    at = open_page("pages/patient.py")
    shown = warnings(at)
    assert "The active version v2 is not served" in shown and reason in shown
    assert "Serving version v1 instead" in shown
    at.number_input(key="age").set_value(60.0)
    at.selectbox(key="sex").set_value("female")
    model = open_page("pages/model.py")
    assert "Served version: **v1**." in [m.value for m in model.markdown]
    assert reason in warnings(model)


def test_an_intact_active_version_is_served_without_a_notice(registry):
    at = open_page("pages/model.py")
    assert "Active version: **v2**." in [m.value for m in at.markdown]
    assert "not served" not in warnings(at)


def test_nothing_trusted_to_fall_back_to_is_an_error_not_a_traceback(registry):
    for version in ("v1", "v2"):
        (registry.root / version / "manifest.sig").unlink()
    at = open_page("pages/patient.py")
    errors = "\n".join(e.value for e in at.error)
    assert "No model can be served" in errors and "'v2' is refused" in errors


# ----------------------------------------------------------------- faults while running
def break_pointer(registry: Registry) -> None:
    (registry.root / "active").write_text('{"active": ')


def remove_pointer(registry: Registry) -> None:
    (registry.root / "active").unlink()


def delete_active_folder(registry: Registry) -> None:
    shutil.rmtree(registry.root / "v2")


FAULTS = {
    "corrupt active": (break_pointer, "pointer"),
    "missing active": (remove_pointer, "no model is active"),
    "folder deleted": (delete_active_folder, "folder of the active version 'v2' is missing"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_under_the_running_app_keeps_the_last_good_version_served(registry, fault):
    at = open_page("pages/patient.py")
    assert not at.warning
    damage, words = FAULTS[fault]
    damage(registry)
    open_page("pages/model.py", at)
    assert "Served version: **v2**." in [m.value for m in at.markdown]
    assert words in warnings(at) and "Serving version v2 instead" in warnings(at)
    open_page("pages/patient.py", at)
    assert words in warnings(at)
    at.number_input(key="age").set_value(60.0)  # the form still answers


def test_a_damaged_pointer_keeps_the_retrain_page_usable(registry):
    break_pointer(registry)
    at = open_page("pages/retrain.py")
    assert "pointer" in "\n".join(e.value for e in at.error)
    table = [f.value for f in at.dataframe if "status" in f.value.columns][0]
    assert list(table["version"]) == ["v1", "v2"]
    assert set(table["status"]) == {"ok"}
    assert all(s.startswith("site key ") for s in table["signed by"])


def test_a_training_killed_while_saving_leaves_the_served_version(registry, tmp_path):
    """`train --activate` killed (SIGKILL) just before it would switch the pointer."""
    import os
    import signal
    import subprocess
    import time

    import fault_injection

    data = tmp_path / "cohort.csv"
    make_cohort(200, seed=8).drop(columns=["grade_change", "grade_change_steps"],
                                  errors="ignore").to_csv(data, index=False, na_rep="")
    reached = tmp_path / "reached"
    proc = subprocess.Popen(fault_injection.command(
        "before-pointer", reached, "train", "--data", data, "--model-dir", registry.root,
        "--activate", "--version", "killed", "--penalizer", "0.1"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not reached.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "never reached the save"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert registry.active_version() == "v2"
    at = open_page("pages/model.py")
    assert "Active version: **v2**." in [m.value for m in at.markdown]
    assert "not served" not in warnings(at)
