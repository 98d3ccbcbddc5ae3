"""``predict --alive-months N`` and an ``alive_months`` column: survival given time
already survived, from the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk.cli import main
from risk.data.reading import read_cells
from risk.data.validation import validate_cohort
from risk.model.batch import output_columns
from risk.registry import Registry

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"  # the shipped registry, only read here


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("conditional") / "in.csv"
    lines = (REPO / "data" / "synthetic" / "cohort.csv").read_text().splitlines()[:121]
    path.write_text("\n".join(lines) + "\n")
    return path


def _predict(capsys, *argv) -> tuple[int, str, str]:
    code = main(["predict", "--model-dir", str(MODELS), *[str(a) for a in argv]])
    out, err = capsys.readouterr()
    return code, out, err


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"patient_id": str, "flags": str}, keep_default_na=False,
                       na_values=[""])


def test_alive_months_gives_the_ratio_of_the_plain_prediction(cohort, tmp_path, capsys):
    code, _, err = _predict(capsys, "--input", cohort, "--output", tmp_path / "c.csv",
                            "--alive-months", "24", "--chunk-rows", "50")
    assert code == 0, err
    table = _read(tmp_path / "c.csv")
    assert list(table.columns) == output_columns(conditional=True, pfs=True)
    assert (table["alive_months"] == 24).all()
    model = Registry(MODELS).load().model
    frame = validate_cohort(read_cells(cohort), purpose="prediction").frame
    plain = model.predict(frame)
    s24 = plain.curves[:, 24]
    for h in (36, 60, 120):
        ratio = plain.table[f"surv_{h}"].to_numpy() / s24
        np.testing.assert_allclose(model.predict(frame, alive_months=24).table[f"surv_{h}"],
                                   ratio, rtol=0, atol=1e-9)
        np.testing.assert_allclose(table[f"surv_{h}"], ratio, rtol=0, atol=1e-9)
        assert np.all(table[f"surv_{h}_lower"] <= table[f"surv_{h}"])
        assert np.all(table[f"surv_{h}"] <= table[f"surv_{h}_upper"])
    assert (table["surv_12"] == 1).all()  # already survived
    assert table["risk_group"].tolist() == plain.table["risk_group"].tolist()


def test_without_alive_months_the_output_is_unchanged(cohort, tmp_path, capsys):
    assert _predict(capsys, "--input", cohort, "--output", tmp_path / "p.csv")[0] == 0
    assert list(_read(tmp_path / "p.csv").columns) == output_columns(pfs=True)


def test_a_column_alive_months_conditions_each_patient(cohort, tmp_path, capsys):
    frame = pd.read_csv(cohort, dtype=str, keep_default_na=False)
    frame["alive_months"] = ""
    frame.loc[3, "alive_months"], frame.loc[7, "alive_months"] = "12", "36.5"
    path = tmp_path / "col.csv"
    frame.to_csv(path, index=False)
    code, _, err = _predict(capsys, "--input", path, "--output", tmp_path / "o.csv",
                            "--alive-months", "6")
    assert code == 0, err
    table = _read(tmp_path / "o.csv")
    expected = np.full(len(frame), 6.0)
    expected[[3, 7]] = [12.0, 36.5]  # a filled cell wins over the flag
    np.testing.assert_array_equal(table["alive_months"], expected)
    model = Registry(MODELS).load().model
    canonical = validate_cohort(read_cells(path), purpose="prediction").frame
    one = model.predict(canonical.iloc[[7]], alive_months=36.5).table
    assert table.loc[7, "surv_60"] == pytest.approx(one["surv_60"].iloc[0], abs=1e-6)


def test_months_past_the_last_training_death_name_the_row(cohort, tmp_path, capsys):
    limit = Registry(MODELS).load().model.alive_limit_months
    frame = pd.read_csv(cohort, dtype=str, keep_default_na=False)
    frame["alive_months"] = ""
    frame.loc[4, "alive_months"] = f"{limit:g}"
    path = tmp_path / "late.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "late-out.csv"
    code, _, err = _predict(capsys, "--input", path, "--output", out)
    assert code != 0 and not out.exists()
    assert "row 5, column 'alive_months'" in err and "Traceback" not in err
    assert f"below {limit:g} months" in err


@pytest.mark.parametrize("text", ["-1", "121", "soon", "nan"])
def test_a_bad_alive_months_argument_is_refused(cohort, tmp_path, capsys, text):
    with pytest.raises(SystemExit) as exc:
        _predict(capsys, "--input", cohort, "--output", tmp_path / "x.csv",
                 "--alive-months", text)
    assert exc.value.code == 2
    assert "--alive-months: must be a number >= 0 and <= 120" in capsys.readouterr().err
