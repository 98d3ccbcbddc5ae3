"""The shipped version's reference test pack against an independent implementation.

Everything here is written by hand from the stored parameters (``model.json``) and the
pack's input cells, read with Python's csv module: the WHO grade from Ki-67 and mitoses,
the design (one column per stored term: age per 10 years from 60, as the encoding's
documentation says, a level indicator, ECOG 2-4 together), the linear predictor ``(x - means) @ beta``, and the Cox survival
``S(t | x) = exp(-H0(t) exp(lp))`` (given alive at s: ``exp(-(H0(t) - H0(s)) exp(lp))``,
H0 read linearly between the monthly grid points). None of risk's readers, encoders or
predictors is used, so a pack that agrees with this is right, not merely self-consistent.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from shipped_pack import SHIPPED, registry_copy_with_pack

HORIZONS = (12, 36, 60, 120)
PFS_HORIZONS = (12, 36, 60)
GRADE_COUNTS = {"primary_grade": ("primary_ki67", "primary_mitoses"),
                "met_grade": ("met_ki67", "met_mitoses")}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    return registry_copy_with_pack(tmp_path_factory.mktemp("shipped")) / SHIPPED


@pytest.fixture(scope="module")
def params(shipped) -> dict:
    return json.loads((shipped / "model.json").read_bytes())


@pytest.fixture(scope="module")
def pack(shipped) -> list[dict[str, str]]:
    text = (shipped / "testpack.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def who_grade(ki67: str, mitoses: str) -> str:
    """WHO 2019: Ki-67 < 3 / 3-20 / > 20 %, mitoses < 2 / 2-20 / > 20; the higher one."""
    grades = []
    if ki67:
        k = float(ki67)
        grades.append(1 if k < 3 else 2 if k <= 20 else 3)
    if mitoses:
        m = float(mitoses)
        grades.append(1 if m < 2 else 2 if m <= 20 else 3)
    return f"G{max(grades)}" if grades else ""


def grade(row: dict[str, str], name: str) -> str:
    return row[name] or who_grade(*(row[c] for c in GRADE_COUNTS[name]))


def value(row: dict[str, str], name: str) -> str:
    if name in GRADE_COUNTS:
        return grade(row, name) or "unknown"
    if name == "sstr_status":
        return row[name] or "unknown"
    return row[name]


def design(part: dict, rows: list[dict[str, str]]) -> np.ndarray:
    out = np.zeros((len(rows), len(part["columns"])))
    for j, term in enumerate(part["columns"]):
        name, level = term["input"], term["level"]
        for i, row in enumerate(rows):
            if name == "age":
                out[i, j] = (float(row["age"]) - 60.0) / 10.0  # per 10 years from 60
            elif name == "ecog":
                ecog = int(row["ecog"])
                out[i, j] = float(ecog >= 2 if level == "2+" else ecog == int(level))
            else:
                out[i, j] = float(value(row, name) == level)
    return out


def survival(part: dict, rows: list[dict[str, str]], alive: np.ndarray) -> np.ndarray:
    """(n, 121) S(t | x) on months 0..120, given alive at ``alive`` (0 = at the biopsy)."""
    beta, means = np.array(part["coefficients"]), np.array(part["means"])
    months = np.array(part["baseline"]["months"])
    h0 = np.array(part["baseline"]["cumulative_hazard"])
    risk = np.exp((design(part, rows) - means) @ beta)
    since = h0[None, :] - np.interp(alive, months, h0)[:, None]
    since = np.where(months[None, :] > alive[:, None], since, 0.0)
    return np.exp(-risk[:, None] * since)


def served(pair: dict, rows: list[dict[str, str]], alive: np.ndarray):
    """Per patient: the model used and its curve (biopsy model when a liver grade is
    given or derived)."""
    biopsy = np.array([bool(grade(r, "met_grade")) for r in rows])
    curves = np.empty((len(rows), 121))
    for name, mask in (("biopsy_model", biopsy), ("comparator_model", ~biopsy)):
        idx = np.flatnonzero(mask)
        curves[idx] = survival(pair[name], [rows[i] for i in idx], alive[idx])
    return np.where(biopsy, "biopsy", "primary_only"), curves


def numbers(pack, column: str) -> np.ndarray:
    return np.array([float(r[column]) if r[column] else np.nan for r in pack])


def test_the_pack_expects_what_the_stored_coefficients_and_baseline_give(params, pack):
    alive = np.nan_to_num(numbers(pack, "alive_months"))
    used, curves = served(params, pack, alive)
    assert [r["expected_model_used"] for r in pack] == list(used)
    for h in HORIZONS:
        np.testing.assert_allclose(numbers(pack, f"expected_surv_{h}"), curves[:, h],
                                   rtol=0, atol=1e-9, err_msg=f"surv_{h}")
    reached = curves <= 0.5
    median = np.where(reached.any(axis=1), reached.argmax(axis=1), np.nan)
    np.testing.assert_array_equal(numbers(pack, "expected_median_os_months"), median)


def test_risk_groups_are_the_cut_points_of_five_year_survival_at_the_biopsy(params, pack):
    _, at_biopsy = served(params, pack, np.zeros(len(pack)))
    low_cut, high_cut = params["risk_cutpoints"]
    s60 = at_biopsy[:, 60]
    groups = np.where(s60 < low_cut, "high", np.where(s60 >= high_cut, "low", "intermediate"))
    assert [r["expected_risk_group"] for r in pack] == list(groups)
    assert set(groups) == {"low", "intermediate", "high"}


def test_pfs_is_the_stored_pfs_pair_at_the_biopsy(params, pack):
    assert "pfs_model" in params, "the shipped model has PFS: the pack must check it"
    _, curves = served(params["pfs_model"], pack, np.zeros(len(pack)))
    for h in PFS_HORIZONS:
        np.testing.assert_allclose(numbers(pack, f"expected_pfs_{h}"), curves[:, h],
                                   rtol=0, atol=1e-9, err_msg=f"pfs_{h}")


def test_intervals_hold_their_estimates(pack):
    for h in HORIZONS:
        est, lo, hi = (numbers(pack, f"expected_surv_{h}{p}") for p in ("", "_lower", "_upper"))
        assert np.all((lo >= 0) & (lo <= est + 1e-12) & (est <= hi + 1e-12) & (hi <= 1))


def test_the_pack_spans_the_inputs_and_edges(params, pack):
    assert len(pack) >= 1000
    assert len({r["patient_id"] for r in pack}) == len(pack)
    pairs = {(grade(r, "primary_grade"), grade(r, "met_grade")) for r in pack}
    assert pairs == {(p, m) for p in ("G1", "G2", "G3", "") for m in ("G1", "G2", "G3", "")
                     } - {("", "")}
    ages = {float(r["age"]) for r in pack}
    low, high = params["training_summary"]["age_range"]
    assert {18.0, 100.0, float(low), float(high)} <= ages
    levels = {name: {r[name] for r in pack} for name in (
        "sex", "primary_site", "met_timing", "liver_burden", "sstr_status", "ecog",
        "extrahepatic_mets", "primary_resected", "functional_syndrome")}
    assert levels["primary_site"] == {"pancreas", "small_intestine", "rectum", "colon",
                                      "stomach", "appendix", "unknown"}
    assert levels["ecog"] == {"0", "1", "2", "3", "4"}
    assert levels["sstr_status"] == {"positive", "negative", "unknown", ""}
    assert all(levels[f] == {"0", "1"} for f in ("extrahepatic_mets", "primary_resected",
                                                  "functional_syndrome"))
    used = [r["expected_model_used"] for r in pack]
    assert used.count("primary_only") >= 100 and used.count("biopsy") >= 500
    alive = numbers(pack, "alive_months")
    assert np.sum(alive > 0) >= 100
    assert any(r["expected_grade_uncertain"] == "true" for r in pack)
