"""Recalibration of a saved model on a centre's own cohort (risk.model.recalibration and
`python -m risk recalibrate`), on simulated cohorts whose truth is known."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import fault_injection
import numpy as np
import pytest
from cohort_frames import make_cohort

from risk.cli import main
from risk.cohort.survival import kaplan_meier
from risk.errors import ModelError
from risk.evaluation.metrics import calibration_slope
from risk.model import BiopsyRiskModel
from risk.model.recalibration import recalibrate
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import Registry
from risk.schema import COLUMN_NAMES
from risk.stats.normal import Z_95

PARTS = ("biopsy_model", "comparator_model")


@pytest.fixture(scope="module")
def parent() -> BiopsyRiskModel:
    """A model fitted on a cohort with the baseline hazard of cohort_frames (1/80 a month)."""
    return BiopsyRiskModel(penalizer=0.05, extra_terms=[]).fit(make_cohort(600, seed=3))


def doubled_hazard_cohort(n: int = 600, seed: int = 5):
    """Same covariate effects, twice the hazard: every time (death and censoring) halved."""
    frame = make_cohort(n, seed=seed)
    frame["os_months"] = np.maximum(frame["os_months"] / 2, 0.1)
    return frame


def write_csv(frame, path: Path) -> Path:
    frame[[c for c in COLUMN_NAMES if c in frame]].to_csv(path, index=False, na_rep="", lineterminator="\n")
    return path


def cox_parts(model):
    return {"biopsy_model": model.biopsy_model_, "comparator_model": model.comparator_model_}


# ------------------------------------------------------------------ the statistics
def test_a_doubled_baseline_hazard_moves_predictions_onto_the_observed_survival(parent):
    local = doubled_hazard_cohort()
    result = recalibrate(parent, local)
    for part in PARTS:
        check = result.details[part]["check"]
        assert [row["months"] for row in check] == [12, 36, 60]
        for row in check:
            before = abs(row["predicted_before"] - row["observed"])
            after = abs(row["predicted_after"] - row["observed"])
            assert before > 0.08  # the parent is clearly off on these patients
            assert after < 0.03 and after < before / 3
    # the truth: the new baseline is about twice the parent's over the first 3 years
    for part, cox in cox_parts(result.model).items():
        old = cox_parts(parent)[part].baseline_.cumulative_hazard[6:37]
        ratio = cox.baseline_.cumulative_hazard[6:37].sum() / old.sum()
        assert 1.6 < ratio < 2.5, (part, ratio)


def test_predictions_agree_with_the_kaplan_meier_of_the_local_cohort(parent):
    local = doubled_hazard_cohort(seed=8)
    served = recalibrate(parent, local).model.predict(local)
    km = kaplan_meier(local["os_months"].to_numpy(), local["death"].to_numpy())
    for months in (12, 36):
        mean_predicted = served.table[f"surv_{months}"].mean()
        assert mean_predicted == pytest.approx(km.survival_at([months])[0], abs=0.03)


def test_without_slope_the_coefficients_and_the_parent_are_unchanged(parent):
    stored = json.dumps(parent.to_dict(), sort_keys=True)
    result = recalibrate(parent, doubled_hazard_cohort())
    for part, cox in cox_parts(result.model).items():
        old = cox_parts(parent)[part]
        np.testing.assert_array_equal(cox.coef_, old.coef_)
        np.testing.assert_array_equal(cox.means_, old.means_)
        np.testing.assert_array_equal(cox.covariance_, old.covariance_)
        assert cox.training_summary_ == old.training_summary_
        assert result.details[part]["slope_applied"] == 1.0
    assert json.dumps(parent.to_dict(), sort_keys=True) == stored
    # the ranking of patients is the parent's: same linear predictors
    local = make_cohort(200, seed=9)
    np.testing.assert_allclose(result.model.predict(local).table["linear_predictor"],
                               parent.predict(local).table["linear_predictor"])


def test_the_baseline_is_efron_with_the_linear_predictor_held_fixed(parent):
    """Whole-month times put the grid on the follow-up times: there the stored H0 is the
    estimator itself (between follow-up times it is interpolated). The months are tied,
    so it is Efron's, as R's survfit(coxph(Surv(t, d) ~ offset(lp)),
    newdata = data.frame(lp = 0))$cumhaz (ties = "efron"; tests/stats/test_baseline_efron.py
    checks that call's printed output)."""
    local = doubled_hazard_cohort(seed=6)
    local["os_months"] = np.ceil(local["os_months"])
    model = recalibrate(parent, local).model
    cox = model.comparator_model_
    lp = cox_parts(parent)["comparator_model"].linear_predictor(local)
    t, d = local["os_months"].to_numpy(), local["death"].to_numpy()
    expected = []
    for month in range(0, 121):  # written out as in a textbook, one time at a time
        total = 0.0
        for u in np.unique(t[(d == 1) & (t <= month)]):
            dead = (t == u) & (d == 1)
            at_risk, tied = np.exp(lp[t >= u]).sum(), np.exp(lp[dead]).sum()
            total += sum(1 / (at_risk - k / dead.sum() * tied) for k in range(dead.sum()))
        expected.append(total)
    observed = np.unique(t[t <= 120]).astype(int)
    assert len(observed) > 50
    np.testing.assert_allclose(cox.baseline_.cumulative_hazard[observed],
                               np.asarray(expected)[observed], rtol=1e-10, atol=1e-14)


def test_the_slope_matches_scikit_survival_and_scales_every_coefficient(parent):
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    local = make_cohort(500, seed=7, round_months=False)
    local["os_months"] += np.arange(len(local)) * 1e-6  # no ties: Breslow = Efron
    result = recalibrate(parent, local, slope=True)
    for part, cox in cox_parts(result.model).items():
        old = cox_parts(parent)[part]
        sub = local[local["met_grade"].notna()] if part == "biopsy_model" else local
        lp = old.linear_predictor(sub)
        y = Surv.from_arrays(sub["death"].astype(bool), sub["os_months"])
        reference = CoxPHSurvivalAnalysis(alpha=0, ties="breslow").fit(lp[:, None], y)
        slope = result.details[part]["slope_applied"]
        assert slope == pytest.approx(reference.coef_[0], rel=1e-5)
        np.testing.assert_allclose(cox.coef_.to_numpy(), slope * old.coef_.to_numpy(),
                                   rtol=1e-12)
        np.testing.assert_allclose(cox.covariance_.to_numpy(),
                                   slope**2 * old.covariance_.to_numpy(), rtol=1e-12)
        assert 0 < result.details[part]["slope_se"] < 0.5


def test_a_calibration_slope_recovers_a_known_shrinkage():
    """Outcomes simulated with half the predicted effect: the slope is about 0.5."""
    rng = np.random.default_rng(1)
    lp = rng.normal(0, 1.2, 4000)
    event = rng.exponential(1 / (0.02 * np.exp(0.5 * lp)))
    censor = rng.uniform(1, 200, lp.size)
    slope, lower, upper = calibration_slope(np.minimum(event, censor), (event <= censor) * 1.0,
                                            linear_predictor=lp)
    se = (upper - lower) / (2 * Z_95)
    assert abs(slope - 0.5) < 2.5 * se and se < 0.05


def test_recalibrated_curves_stay_valid_survival_curves(parent):
    model = recalibrate(parent, doubled_hazard_cohort(), slope=True).model
    curves = model.predict(make_cohort(100, seed=12))
    assert np.all(curves.curves[:, 0] == 1.0)
    assert np.all(np.diff(curves.curves, axis=1) <= 1e-12)
    assert np.all((curves.lower <= curves.curves + 1e-12) & (curves.curves <= curves.upper + 1e-12))


# ------------------------------------------------------------------ refusals
def test_an_all_censored_cohort_is_refused(parent):
    local = make_cohort(200, seed=4)
    local["death"] = 0
    with pytest.raises(ModelError, match="censored"):
        recalibrate(parent, local)


def test_too_few_deaths_are_refused_saying_how_many_are_needed(parent):
    local = make_cohort(200, seed=4)
    local["death"] = 0
    local.loc[local.index[:3], "death"] = 1
    with pytest.raises(ModelError, match="at least 5 deaths"):
        recalibrate(parent, local)
    local.loc[local.index[:7], "death"] = 1
    recalibrate(parent, local)  # enough for a baseline ...
    with pytest.raises(ModelError, match="at least 10 deaths"):
        recalibrate(parent, local, slope=True)  # ... not for a slope


def test_a_cohort_without_outcomes_is_refused(parent):
    with pytest.raises(ModelError, match="os_months"):
        recalibrate(parent, make_cohort(50, seed=1).drop(columns=["os_months"]))


# ------------------------------------------------------------------ the command
@pytest.fixture
def registry(parent, tmp_path) -> Registry:
    registry = Registry(tmp_path / "models")
    frame = make_cohort(600, seed=3)
    registry.save(parent.to_dict(), build_card(training_data=data_fingerprint(frame)),
                  version="base", activate=True)
    return registry


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_saves_a_new_version_whose_card_names_its_parent(registry, tmp_path,
                                                                       capsys):
    data = write_csv(doubled_hazard_cohort(), tmp_path / "centre.csv")
    code, out, err = run_cli(capsys, "recalibrate", "--data", data,
                             "--model-dir", registry.root)
    assert code == 0, err
    version = out.strip().splitlines()[-1]
    assert version != "base" and registry.versions() == sorted(["base", version])
    assert registry.active_version() == "base"  # saved, not served
    _, card = registry.read(version)
    assert card.kind == "recalibrated" and card.parent == "base"
    assert card.training_data.sha256 == hashlib.sha256(data.read_bytes()).hexdigest()
    assert card.training_data.patients == 600
    assert card.settings["recalibration"] == "baseline"
    assert "observed" in out and "before" in out
    shown = registry.load(version).model
    assert shown.biopsy_model_.coef_.equals(registry.load("base").model.biopsy_model_.coef_)
    code, out, _ = run_cli(capsys, "models", "show", version, "--model-dir", registry.root)
    assert "recalibrated from base" in out


def test_activate_then_rollback_serves_the_parent_again(registry, tmp_path, capsys):
    data = write_csv(doubled_hazard_cohort(), tmp_path / "centre.csv")
    code, out, err = run_cli(capsys, "recalibrate", "--data", data, "--slope", "--activate",
                             "--version", "centre-a", "--model-dir", registry.root)
    assert code == 0, err
    assert out.strip().splitlines()[-1] == "centre-a"
    assert registry.active_version() == "centre-a"
    assert registry.read("centre-a")[1].settings["recalibration"] == "baseline and slope"
    assert run_cli(capsys, "models", "rollback", "--model-dir", registry.root)[0] == 0
    assert registry.active_version() == "base"


@pytest.mark.parametrize("case", ["all-censored", "bad-value", "missing-outcome", "not-csv"])
def test_bad_files_are_refused_with_a_clear_message_and_nothing_saved(registry, tmp_path,
                                                                      capsys, case):
    frame = make_cohort(120, seed=2)[list(COLUMN_NAMES)]
    path = tmp_path / "centre.csv"
    if case == "all-censored":
        frame["death"] = 0
    elif case == "bad-value":
        frame["age"] = frame["age"].astype(object)
        frame.loc[4, "age"] = "sixty"
    elif case == "missing-outcome":
        frame = frame.drop(columns=["death"])
    if case == "not-csv":
        path.write_bytes(b"PK\x03\x04 an excel workbook")
    else:
        write_csv(frame, path)
    code, out, err = run_cli(capsys, "recalibrate", "--data", path, "--model-dir", registry.root)
    assert code == 2
    assert "Traceback" not in err and err.startswith("error: ")
    expected = {"all-censored": "censored", "bad-value": "row 5", "missing-outcome": "death",
                "not-csv": "Excel"}[case]
    assert expected in err
    assert registry.versions() == ["base"] and registry.active_version() == "base"


def test_an_unknown_parent_version_is_refused_before_reading_the_file(registry, capsys):
    code, _, err = run_cli(capsys, "recalibrate", "--data", "no-such-file.csv", "--model",
                           "nope", "--model-dir", registry.root)
    assert code == 2 and "no model version 'nope'" in err and "available: base" in err


def test_the_command_runs_as_a_process_and_its_help_reads_well(registry, tmp_path):
    data = write_csv(doubled_hazard_cohort(300), tmp_path / "centre.csv")
    done = subprocess.run([sys.executable, "-m", "risk", "recalibrate", "--data", str(data),
                           "--model-dir", str(registry.root), "--activate"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    version = done.stdout.strip().splitlines()[-1]
    assert registry.active_version() == version
    assert registry.load().card.parent == "base"
    helped = subprocess.run([sys.executable, "-m", "risk", "recalibrate", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0
    for words in ("--data FILE", "--slope", "--model VERSION", "--activate", "Examples",
                  "parent"):
        assert words in helped.stdout


# ------------------------------------------------------------------ safety, real processes
def _recalibrate_process(registry, data, *extra) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "risk", "recalibrate", "--data", str(data), "--model-dir",
         str(registry.root), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)


def test_two_recalibrations_at_the_same_time_both_land_intact(registry, tmp_path):
    data = write_csv(doubled_hazard_cohort(300), tmp_path / "centre.csv")
    # Both recalibrate "base" by name: without --model, a process that starts after the
    # other has activated its version would (rightly) recalibrate that one instead.
    procs = [_recalibrate_process(registry, data, "--model", "base", "--activate")
             for _ in range(2)]
    versions = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        versions.append(out.strip().splitlines()[-1])
    assert len(set(versions)) == 2  # same parameters, same second: still two versions
    assert {r.version: r.status for r in registry.list_versions()} == \
        {"base": "ok", versions[0]: "ok", versions[1]: "ok"}
    assert registry.active_version() in versions
    assert all(registry.read(v)[1].parent == "base" for v in versions)


def test_a_recalibration_killed_while_saving_leaves_the_previous_active_model(registry,
                                                                             tmp_path):
    data = write_csv(doubled_hazard_cohort(300), tmp_path / "centre.csv")
    reached = tmp_path / "reached"
    proc = subprocess.Popen(
        fault_injection.command("mid-write", reached, "recalibrate", "--data", data,
                                "--model-dir", registry.root, "--activate", "--version",
                                "killed"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not reached.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the recalibration never reached the save"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert registry.versions() == ["base"] and registry.active_version() == "base"
    assert registry.load().version == "base"
