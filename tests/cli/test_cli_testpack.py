"""`python -m risk models testpack` and `models verify`: the shipped version verifies on
this installation; an edited pack fails naming the patient and field (exit 2); a version
saved before packs existed gets its pack with --store, listed in its manifest; a changed
or left-over pack file is refused."""

from __future__ import annotations

import csv
import io
import json

import pytest
from shipped_pack import SHIPPED, registry_copy_with_pack

from risk.cli import main
from risk.registry import store as reg
from risk.registry.files import canonical_json

pytestmark = pytest.mark.xdist_group("testpack")


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def models(tmp_path):
    """A copy of the repository's registry (the shipped version, active, with its pack)."""
    return registry_copy_with_pack(tmp_path)


@pytest.fixture
def without_pack(models):
    """The shipped parameters and card saved as 'old', then stripped of its pack as a
    version saved before packs existed would be."""
    registry = reg.Registry(models)
    params, card = registry.read(SHIPPED)
    registry.save(params, card, version="old")
    folder = models / "old"
    (folder / "testpack.csv").unlink()
    manifest = json.loads((folder / "manifest.json").read_bytes())
    del manifest["files"]["testpack.csv"]
    (folder / "manifest.json").write_bytes(canonical_json(manifest))
    registry.sign("old", registry.keys.site_signer())
    return models


def test_the_shipped_version_verifies_on_this_installation(models, capsys):
    code, out, err = run_cli(capsys, "models", "--model-dir", models, "verify", SHIPPED)
    assert code == 0, err
    assert "verified model version synthetic-v1" in out
    patients = sum(1 for _ in (models / SHIPPED / "testpack.csv").open()) - 1
    assert f"{patients:,} of {patients:,} reference patients agree" in out


def test_the_shipped_pack_is_in_the_manifest_with_its_sha256(models, capsys, tmp_path):
    manifest = json.loads((models / SHIPPED / "manifest.json").read_bytes())
    stored = (models / SHIPPED / "testpack.csv").read_bytes()
    assert manifest["files"]["testpack.csv"] == reg.sha256(stored)
    out_file = tmp_path / "pack.csv"
    code, _, err = run_cli(capsys, "models", "testpack", SHIPPED, "--out", out_file,
                           "--model-dir", models)
    assert code == 0, err
    assert out_file.read_bytes() == stored


def test_one_edited_expected_value_fails_naming_the_patient_and_field(models, capsys,
                                                                      tmp_path):
    text = (models / SHIPPED / "testpack.csv").read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text, newline="")))
    header, rows = table[0], table[1:]
    j, i = header.index("expected_surv_36_upper"), 321
    patient, old = rows[i][0], rows[i][j]
    rows[i][j] = f"{float(old) - 1e-7:.12g}"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([header, *rows])
    copy = tmp_path / "edited.csv"
    copy.write_bytes(("\ufeff" + out.getvalue()).encode("utf-8"))

    code, stdout, _ = run_cli(capsys, "models", "verify", SHIPPED, "--pack", copy,
                              "--model-dir", models)
    assert code == 2
    assert f"1 of {len(rows):,} reference patients differ" in stdout
    assert f"patient {patient}: surv_36_upper expected {rows[i][j]}, got {old}" in stdout


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"), (b"patient_id,age\r\nx,50\r\n", "not a reference test pack")])
def test_a_missing_or_wrong_pack_file_is_one_clear_error(models, capsys, tmp_path, content,
                                                         message):
    path = tmp_path / "pack.csv"
    if content is not None:
        path.write_bytes(content)
    code, out, err = run_cli(capsys, "models", "verify", SHIPPED, "--pack", path,
                             "--model-dir", models)
    assert code == 2 and message in err and "Traceback" not in err + out


def test_a_changed_stored_pack_is_refused_by_every_load(models, capsys):
    path = models / SHIPPED / "testpack.csv"
    path.write_bytes(path.read_bytes().replace(b"pair-G1-G1-base", b"pair-G1-G1-bass", 1))
    code, _, err = run_cli(capsys, "models", "verify", SHIPPED, "--model-dir", models)
    assert code == 2 and "testpack.csv does not match its manifest hash" in err


def test_a_version_without_a_pack_gets_one_with_store(without_pack, capsys, tmp_path):
    models = without_pack
    code, _, err = run_cli(capsys, "models", "testpack", "old", "--out", tmp_path / "p.csv",
                           "--model-dir", models)
    assert code == 2 and "models testpack old --store" in err
    code, out, err = run_cli(capsys, "models", "testpack", "old", "--store",
                             "--model-dir", models)
    assert code == 0, err
    manifest = json.loads((models / "old" / "manifest.json").read_bytes())
    pack = (models / "old" / "testpack.csv").read_bytes()
    assert manifest["files"]["testpack.csv"] == reg.sha256(pack) and reg.sha256(pack) in out
    # the same parameters give the same pack as the shipped version's: the same text, but
    # for a number's last bit where the shipped pack was computed on another CPU
    assert_same_pack(pack, (models / SHIPPED / "testpack.csv").read_bytes())
    assert run_cli(capsys, "models", "verify", "old", "--model-dir", models)[0] == 0
    code, _, err = run_cli(capsys, "models", "testpack", "old", "--store",
                           "--model-dir", models)
    assert code == 2 and "already has its reference test pack" in err


def assert_same_pack(got: bytes, expected: bytes) -> None:
    import io

    import numpy as np
    import pandas as pd

    from risk.model.testpack import TOLERANCE

    a, b = (pd.read_csv(io.BytesIO(p), dtype=str, keep_default_na=False) for p in (got, expected))
    assert list(a.columns) == list(b.columns) and a.shape == b.shape
    differ = a.to_numpy() != b.to_numpy()
    x = pd.to_numeric(pd.Series(a.to_numpy()[differ]), errors="coerce").to_numpy(float)
    y = pd.to_numeric(pd.Series(b.to_numpy()[differ]), errors="coerce").to_numpy(float)
    assert np.all(np.abs(x - y) <= TOLERANCE * np.maximum(1.0, np.abs(y))), a.to_numpy()[differ]


def test_storing_the_pack_of_the_active_version_keeps_it_loadable(without_pack, capsys):
    models = without_pack
    registry = reg.Registry(models)
    registry.activate("old")
    registry.add_reference_pack("old")
    assert registry.load().version == "old"
    assert registry.history()[-1]["action"] == "add test pack"
    assert registry.history()[-1]["manifest_sha256"] == \
        reg.sha256((models / "old" / "manifest.json").read_bytes())


def test_a_pack_left_by_a_crashed_store_is_refused_then_replaced(without_pack, capsys):
    models = without_pack
    (models / "old" / "testpack.csv").write_bytes(b"half a pack")
    code, _, err = run_cli(capsys, "models", "show", "old", "--model-dir", models)
    assert code == 2 and "unexpected file testpack.csv" in err
    code, _, err = run_cli(capsys, "models", "testpack", "old", "--store",
                           "--model-dir", models)
    assert code == 0, err
    assert run_cli(capsys, "models", "verify", "old", "--model-dir", models)[0] == 0
