"""`python -m risk keys ...` and signed versions on the command line, as real processes:
a new site key on the first save, trust, rotation, re-signing, and the refusal of an
unsigned, untrusted or altered version by `predict` and `models list`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from risk.registry import KeyStore
from risk.registry.store import Registry, canonical_json, sha256

REPO = Path(__file__).resolve().parents[2]
FAST = ["--penalizer", "0.1", "--seed", "1"]


def risk(*argv, keys: Path, check: int | None = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "RISK_KEYS_DIR": str(keys), "PYTHONPATH": str(REPO / "src")}
    done = subprocess.run([sys.executable, "-m", "risk", *map(str, argv)], env=env,
                          capture_output=True, text=True, timeout=300)
    if check is not None:
        assert done.returncode == check, done.stderr
    assert "Traceback" not in done.stderr
    return done


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A cohort and a registry with version 'base', saved by a process whose keys folder
    had no key yet."""
    from cohort_frames import make_cohort

    root = tmp_path_factory.mktemp("keys")
    cohort = root / "cohort.csv"
    make_cohort(260, seed=11).drop(columns=["grade_change", "grade_change_steps"],
                                   errors="ignore").to_csv(cohort, index=False, na_rep="")
    keys = root / "site-keys"
    done = risk("train", "--data", cohort, "--model-dir", root / "models", "--activate",
                "--version", "base", *FAST, keys=keys)
    return {"root": root, "cohort": cohort, "keys": keys, "models": root / "models",
            "train_output": done.stdout}


@pytest.fixture
def models(trained, tmp_path) -> Path:
    copy = tmp_path / "models"
    shutil.copytree(trained["models"], copy)
    return copy


def test_the_first_save_makes_the_site_key_and_says_so(trained):
    out = trained["train_output"].splitlines()
    site = KeyStore(trained["keys"]).site_signer(create=False)
    assert any("created this site's signing key " + site.key_id in line for line in out)
    assert out[-1] == "base"  # the version stays the last line
    assert Registry(trained["models"], keys=KeyStore(trained["keys"])).signer("base").key_id \
        == site.key_id
    assert (trained["keys"] / "site-ed25519.pem").stat().st_mode & 0o077 == 0
    listed = risk("keys", "list", keys=trained["keys"]).stdout
    assert f"* {site.key_id}  site" in listed and "release  shipped in the package" in listed


def test_models_list_shows_who_signed_each_version(trained, models):
    out = risk("models", "list", "--model-dir", models, keys=trained["keys"]).stdout
    header, row = out.splitlines()[:2]
    assert "signed by" in header
    assert "site key " in row and row.rstrip().endswith("ok")


def test_the_shipped_version_is_signed_by_the_release_key(tmp_path):
    out = risk("models", "list", "--model-dir", REPO / "models", keys=tmp_path).stdout
    line = next(line for line in out.splitlines() if "synthetic-v1" in line)
    assert "release key " in line and line.rstrip().endswith("ok")


def tamper_unsigned(models: Path, keys: Path, tmp: Path) -> None:
    (models / "base" / "manifest.sig").unlink()


def tamper_unknown_key(models: Path, keys: Path, tmp: Path) -> None:
    risk("keys", "new", "--out", tmp / "other.pem", keys=keys)
    done = risk("keys", "sign", "base", "--key", tmp / "other.pem", "--model-dir", models,
                keys=keys)
    assert "not trusted here" in done.stdout


def tamper_altered(models: Path, keys: Path, tmp: Path) -> None:
    folder = models / "base"
    params = json.loads((folder / "model.json").read_bytes())
    params["biopsy_model"]["coefficients"][0] += 0.5
    changed = canonical_json(params)
    (folder / "model.json").write_bytes(changed)
    manifest = json.loads((folder / "manifest.json").read_bytes())
    manifest["files"]["model.json"] = sha256(changed)
    (folder / "manifest.json").write_bytes(canonical_json(manifest))


@pytest.mark.parametrize("damage, reason", [
    (tamper_unsigned, "is refused: it is not signed"),
    (tamper_unknown_key, "which is not trusted here"),
    (tamper_altered, "does not match its manifest, which was altered after signing"),
])
def test_a_tampered_version_is_refused_by_predict_and_listed_with_the_reason(
        trained, models, tmp_path, damage, reason):
    damage(models, trained["keys"], tmp_path)
    out = tmp_path / "out.csv"
    done = risk("predict", "--input", trained["cohort"], "--output", out, "--model-dir",
                models, keys=trained["keys"], check=2)
    assert done.stderr.startswith("error: model version 'base' is refused") or \
        "model version 'base'" in done.stderr
    assert reason in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()
    listed = risk("models", "list", "--model-dir", models, keys=trained["keys"]).stdout
    assert reason in listed
    done = risk("models", "activate", "base", "--model-dir", models, keys=trained["keys"],
                check=2)
    assert reason in done.stderr


def test_an_altered_version_is_never_signed_again(trained, models):
    folder = models / "base"
    (folder / "model.json").write_bytes((folder / "model.json").read_bytes() + b" ")
    done = risk("keys", "sign", "base", "--model-dir", models, keys=trained["keys"], check=2)
    assert "model.json does not match its manifest hash" in done.stderr


def test_a_key_trusted_later_makes_what_it_signed_load(trained, models, tmp_path):
    """Rotation between sites: centre B's versions load here once B's key is trusted."""
    centre_b = tmp_path / "centre-b-keys"
    risk("keys", "new", keys=centre_b)
    risk("keys", "sign", "base", "--model-dir", models, keys=centre_b)
    here = trained["keys"]
    listed = risk("models", "list", "--model-dir", models, keys=here).stdout
    assert "which is not trusted here" in listed
    b_key = next((centre_b / "trusted").glob("*.pub"))
    done = risk("keys", "trust", b_key, keys=here)
    assert f"trusted key {b_key.stem}" in done.stdout
    listed = risk("models", "list", "--model-dir", models, keys=here).stdout
    assert f"site key {b_key.stem}" in listed and "refused" not in listed
    again = risk("keys", "trust", b_key, keys=here).stdout
    assert "was trusted already" in again


def test_rotating_the_site_key_keeps_old_versions_loading(trained, models, tmp_path):
    keys = tmp_path / "keys"
    shutil.copytree(trained["keys"], keys)
    old = KeyStore(keys).site_signer(create=False).key_id
    done = risk("keys", "new", keys=keys, check=2)
    assert "has a signing key already" in done.stderr and "--rotate" in done.stderr
    risk("keys", "new", "--rotate", keys=keys)
    new = KeyStore(keys).site_signer(create=False).key_id
    assert new != old and (keys / "retired" / f"{old}.pem").exists()
    listed = risk("models", "list", "--model-dir", models, keys=keys).stdout
    assert f"site key {old}" in listed and "refused" not in listed
    risk("train", "--data", trained["cohort"], "--model-dir", models, "--version", "after",
         *FAST, keys=keys)
    assert Registry(models, keys=KeyStore(keys)).signer("after").key_id == new


def test_trusting_a_private_key_file_is_refused(trained, tmp_path):
    done = risk("keys", "trust", trained["keys"] / "site-ed25519.pem", keys=tmp_path / "k",
                check=2)
    assert "holds a private key" in done.stderr


def test_keys_inside_the_registry_are_refused(trained, models):
    done = risk("models", "list", "--model-dir", models, keys=models / "keys")
    assert "lies inside the model registry" in done.stdout


def test_models_list_works_with_a_damaged_active_pointer(trained, models):
    (models / "active").write_text("not json")
    done = risk("models", "list", "--model-dir", models, keys=trained["keys"])
    row = done.stdout.splitlines()[1]
    assert not row.startswith("*") and row.rstrip().endswith("ok")
    done = risk("predict", "--input", trained["cohort"], "--output", models / "o.csv",
                "--model-dir", models, keys=trained["keys"], check=2)
    assert "pointer" in done.stderr and "is damaged" in done.stderr
    risk("models", "activate", "base", "--model-dir", models, keys=trained["keys"])


def test_the_first_verify_costs_little(trained, models):
    """The first load of a process pays for importing cryptography and one Ed25519 check:
    measured against the hash check alone, in fresh processes."""
    code = ("import sys, time; sys.path.insert(0, {src!r}); from risk.registry.store import "
            "Registry; r = Registry({root!r}); t = time.perf_counter(); r.{call}('base'); "
            "print(time.perf_counter() - t)")
    env = {**os.environ, "RISK_KEYS_DIR": str(trained["keys"])}

    def seconds(call: str) -> float:
        runs = []
        for _ in range(3):
            done = subprocess.run([sys.executable, "-c", code.format(
                src=str(REPO / "src"), root=str(models), call=call)], env=env,
                capture_output=True, text=True, timeout=120, check=True)
            runs.append(float(done.stdout))
        return min(runs)

    start = time.perf_counter()
    signed, hashed = seconds("verify"), seconds("_hashed")
    print(f"first verify {signed * 1000:.1f} ms, hashes only {hashed * 1000:.1f} ms "
          f"(measured in {time.perf_counter() - start:.1f} s)")
    assert signed - hashed < 0.5  # far below a page's first render


def test_re_signing_the_active_version_after_its_manifest_changed_is_one_command(
        trained, models, tmp_path):
    """As when a file is added to the shipped version: its manifest changes, its old
    signature no longer matches, and one `keys sign` makes it load (and stay active)."""
    path = models / "base" / "manifest.json"
    manifest = json.loads(path.read_bytes())
    path.write_bytes(canonical_json({**manifest, "added_by_release": 1}))
    listed = risk("models", "list", "--model-dir", models, keys=trained["keys"]).stdout
    assert "altered after signing" in listed
    done = risk("keys", "sign", "base", "--model-dir", models, keys=trained["keys"])
    assert "stays active, its new manifest recorded in the pointer" in done.stdout
    risk("predict", "--input", trained["cohort"], "--output", tmp_path / "out.csv",
         "--model-dir", models, keys=trained["keys"])
    history = Registry(models).history()
    assert [e["action"] for e in history] == ["activate", "sign"]
    assert Registry(models).active_version() == "base"
