"""The shipped model in the repository's models/: active, intact, trained on the shipped
synthetic cohort, and rebuilt to the same numbers by `make model`.

When a change to the model code makes these fail on purpose, rebuild the shipped model:
``rm -rf models/synthetic-v1 && make model`` (a version is never overwritten in place).
"""

from __future__ import annotations

import shutil

import pytest

from risk.cli import main
from risk.registry import store as reg

SHIPPED = "synthetic-v1"
#: What `make model` runs (keep in step with the Makefile).
MAKE_MODEL = ["train", "--data", "data/synthetic/cohort.csv", "--model-dir", "models",
              "--version", SHIPPED, "--reproduce", "--activate"]


@pytest.fixture(scope="module")
def shipped(repo_root):
    return reg.Registry(repo_root / "models")


def test_the_shipped_model_is_active_and_intact(shipped):
    assert shipped.active_version() == SHIPPED
    assert [r.status for r in shipped.list_versions() if r.version == SHIPPED] == ["ok"]
    loaded = shipped.load()
    assert loaded.version == SHIPPED
    assert loaded.card.kind == "trained"


def test_the_shipped_model_was_trained_on_the_shipped_cohort(shipped, repo_root):
    _, card = shipped.read(SHIPPED)
    cohort = (repo_root / "data" / "synthetic" / "cohort.csv").read_bytes()
    assert card.training_data.sha256 == reg.sha256(cohort), (
        "data/synthetic/cohort.csv changed since the shipped model was trained: "
        "rm -rf models/synthetic-v1 && make model")
    assert card.intended_use.startswith("Research and decision-support prototype")


def test_make_model_reproduces_the_shipped_coefficients(repo_root, tmp_path, monkeypatch,
                                                        capsys):
    copy = tmp_path / "models"
    shutil.copytree(repo_root / "models", copy, ignore=shutil.ignore_patterns(".lock"))
    monkeypatch.chdir(repo_root)
    argv = [str(copy) if a == "models" else a for a in MAKE_MODEL]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, f"{err.strip()} -- rebuild with: rm -rf models/{SHIPPED} && make model"
    assert out.strip().splitlines()[-1] == SHIPPED and "reproduced" in out
    # nothing was written: the same version, the same pointer, byte for byte
    def files(root):
        return {p.relative_to(root): p.read_bytes() for p in root.rglob("*")
                if p.is_file() and p.name != ".lock"}
    assert files(copy) == files(repo_root / "models")
