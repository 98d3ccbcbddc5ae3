"""`python -m risk train | predict | models` end to end, on a small synthetic cohort and a
temporary registry (never the repository's models/)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import fault_injection
import numpy as np
import pandas as pd
import pytest

from risk.cli import main
from risk.data.reading import read_cells
from risk.data.validation import validate_cohort
from risk.model.batch import OUTPUT_COLUMNS, PFS_OUTPUT_COLUMNS
from risk.model.grade_sensitivity import with_grade_sensitivity
from risk.registry import store as reg

#: Settings that keep a training run near one second (the penalty is fixed).
FAST = ["--penalizer", "0.1", "--seed", "1"]
ID_MARK = "ZQXJ"  # in every patient id: must never reach a model file


def cohort_frame(n: int, seed: int) -> pd.DataFrame:
    """A synthetic cohort with distinctive ids and 4-decimal survival times."""
    from risk.synthetic.generator import generate_cohort

    frame = generate_cohort(n, seed=seed)
    grades = ["primary_grade", "met_grade", "primary_ki67", "met_ki67", "primary_mitoses",
              "met_mitoses"]
    frame = frame[frame[grades].notna().any(axis=1)].reset_index(drop=True)  # gradable only
    frame["patient_id"] = [f"{ID_MARK}-{seed}-{i:04d}" for i in range(len(frame))]
    frame["os_months"] = frame["os_months"].round(1) + (np.arange(len(frame)) % 89 + 11) / 1e4
    return frame


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, na_rep="", lineterminator="\n")
    return path


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A cohort file and a registry with one trained, active version ("base")."""
    root = tmp_path_factory.mktemp("cli")
    cohort = write_csv(cohort_frame(260, seed=11), root / "cohort.csv")
    models = root / "models"
    assert main(["train", "--data", str(cohort), "--model-dir", str(models), "--activate",
                 "--version", "base", *FAST]) == 0
    return {"root": root, "cohort": cohort, "models": models}


@pytest.fixture
def models(workspace, tmp_path) -> Path:
    """A private copy of the registry, free to change."""
    copy = tmp_path / "models"
    shutil.copytree(workspace["models"], copy)
    return copy


# ---------------------------------------------------------------- train
def test_train_prints_the_version_last_and_saves_a_card_with_the_fingerprint(
        workspace, capsys, tmp_path):
    cohort = workspace["cohort"]
    code, out, _ = run_cli(capsys, "train", "--data", cohort, "--model-dir", tmp_path, *FAST)
    assert code == 0
    version = out.strip().splitlines()[-1]
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", version)
    registry = reg.Registry(tmp_path)
    assert registry.active_version() is None  # saved, not served without --activate
    _, card = registry.read(version)
    frame = validate_cohort(read_cells(cohort), purpose="training").frame
    data = card.training_data
    assert data.sha256 == reg.sha256(cohort.read_bytes())
    assert data.patients == len(frame)
    assert data.events == int(frame["death"].sum())
    assert data.patients_with_biopsy_grade == int(frame["met_grade"].notna().sum())
    assert card.kind == "trained" and card.parent is None
    assert card.settings["penalizer"] == 0.1 and card.settings["seed"] == 1
    assert 0.5 < card.metrics.harrell_c <= 1  # apparent: measured on the training file
    assert "training cohort itself" in card.metrics.measured_on


def test_train_warns_on_stderr_when_the_cohort_is_small_for_the_models(workspace, capsys,
                                                                       tmp_path):
    """The Retrain page's rule (risk.model.sample_size): 260 patients are too few deaths
    per parameter; training still runs and the version is still the last line."""
    code, out, err = run_cli(capsys, "train", "--data", workspace["cohort"], "--model-dir",
                             tmp_path, *FAST)
    assert code == 0
    assert re.search(r"warning: Small cohort for these models: the biopsy model .*: \d+ "
                     r"deaths for 26 candidate parameters", err)
    assert "overfits" in err and "BMJ 2020" in err
    assert "warning" not in out
    assert reg.Registry(tmp_path).versions() == [out.strip().splitlines()[-1]]


def test_the_command_line_and_the_retrain_page_store_the_same_card(workspace, capsys,
                                                                  tmp_path):
    """One training use case: the same file and settings give the same card through
    `train` as through the Retrain page's path, apart from the time stamps."""
    from risk.model import TrainingSettings, candidate_card, train_and_evaluate
    from risk.registry import data_fingerprint

    cohort = workspace["cohort"]
    code, out, _ = run_cli(capsys, "train", "--data", cohort, "--model-dir", tmp_path,
                           "--evaluate", "3", *FAST)
    assert code == 0
    cli_params, cli_card = reg.Registry(tmp_path).read(out.strip().splitlines()[-1])
    frame = validate_cohort(read_cells(cohort), purpose="training").frame
    candidate = train_and_evaluate(frame, TrainingSettings(penalizer=0.1, bootstrap=3, seed=1),
                                   data_fingerprint(frame, cohort.read_bytes()), n_jobs=1)
    page_card = candidate_card(candidate)
    assert candidate.model.to_dict() == cli_params

    def stamps_removed(card):
        card = json.loads(card.to_json())
        card.pop("created_utc", None)
        card.pop("version", None)  # given by the registry when it saves
        return card

    assert stamps_removed(page_card) == stamps_removed(cli_card)


def test_train_with_evaluate_stores_the_validation_report_in_the_card(workspace, capsys,
                                                                     tmp_path):
    from risk.evaluation.report import evaluate

    cohort = workspace["cohort"]
    code, out, _ = run_cli(capsys, "train", "--data", cohort, "--model-dir", tmp_path,
                           "--evaluate", "3", *FAST)
    assert code == 0
    version = out.strip().splitlines()[-1]
    loaded = reg.Registry(tmp_path).load(version)
    stored = loaded.card.metrics.stored_report()
    frame = validate_cohort(read_cells(cohort), purpose="training").frame
    again = evaluate(loaded.model, frame, bootstrap=3, seed=1)
    assert stored.headline.n == len(frame) and stored.settings.bootstrap == 3
    assert stored.headline.harrell_c == pytest.approx(again.headline.harrell_c)
    assert stored.headline.harrell_c_corrected == pytest.approx(
        again.headline.harrell_c_corrected)


def test_no_patient_id_or_survival_time_reaches_any_model_file(workspace):
    frame = pd.read_csv(workspace["cohort"], dtype={"patient_id": str})
    times = {f"{t:.4f}" for t in frame["os_months"]}
    files = [p for p in workspace["models"].rglob("*") if p.is_file()]
    assert len(files) >= 4  # model, card, manifest, active pointer
    for path in files:
        text = path.read_text()
        assert ID_MARK not in text, path
        numbers = set(re.findall(r"(?<![\d.])\d+\.\d+(?![\d])", text))
        leaked = {n for n in numbers if f"{float(n):.4f}" in times and len(n.split(".")[1]) == 4}
        assert not leaked, (path, sorted(leaked)[:5])
        assert "pickle" not in text.lower()


def test_same_data_and_seed_give_byte_identical_model_files(workspace, tmp_path, capsys):
    for name in ("a", "b"):
        code, _, _ = run_cli(capsys, "train", "--data", workspace["cohort"], "--model-dir",
                             tmp_path / name, "--version", "same", *FAST)
        assert code == 0
    assert (tmp_path / "a" / "same" / "model.json").read_bytes() == \
        (tmp_path / "b" / "same" / "model.json").read_bytes()


def test_reproduce_checks_an_existing_version_instead_of_saving(workspace, models, capsys,
                                                                 tmp_path):
    before = sorted(p.name for p in models.iterdir())
    code, out, _ = run_cli(capsys, "train", "--data", workspace["cohort"], "--model-dir",
                           models, "--version", "base", "--reproduce", *FAST)
    assert code == 0 and "reproduced" in out and out.strip().splitlines()[-1] == "base"
    assert sorted(p.name for p in models.iterdir()) == before

    other = write_csv(cohort_frame(260, seed=11).iloc[:-20], tmp_path / "fewer.csv")
    code, _, err = run_cli(capsys, "train", "--data", other, "--model-dir", models,
                           "--version", "base", "--reproduce", *FAST)
    assert code == 2
    assert "does not reproduce model version 'base'" in err and len(err.splitlines()) == 1


def test_an_existing_version_name_is_refused_before_fitting(workspace, models, capsys):
    code, _, err = run_cli(capsys, "train", "--data", workspace["cohort"], "--model-dir",
                           models, "--version", "base", *FAST)
    assert code == 2 and "already exists" in err and "training on" not in err


@pytest.mark.parametrize("case", ["all-censored", "missing-outcome", "bad-value", "empty",
                                  "bad-version"])
def test_bad_training_input_is_one_clear_error_line_per_problem(tmp_path, capsys, case):
    frame = cohort_frame(60, seed=3)
    args = FAST
    if case == "all-censored":
        frame["death"] = 0
    elif case == "missing-outcome":
        frame = frame.drop(columns="os_months")
    elif case == "bad-value":
        frame["age"] = frame["age"].astype(object)
        frame.loc[[2, 5], "age"] = ["old", "250"]
    elif case == "bad-version":
        args = [*FAST, "--version", "../escape"]
    path = write_csv(frame, tmp_path / "bad.csv")
    if case == "empty":
        path.write_text("")
    code, _, err = run_cli(capsys, "train", "--data", path, "--model-dir", tmp_path / "m",
                           *args)
    assert code == 2
    lines = err.strip().splitlines()
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err and "unexpected" not in err
    if case == "bad-value":
        assert lines[0] == "error: 2 problems found"
        assert [line.split(",")[0] for line in lines[1:]] == ["row 3", "row 6"]
    elif case == "bad-version":
        assert len(lines) == 1 and "invalid model version name" in err
    else:  # the summary, then the one problem
        assert len(lines) == 2
        assert {"all-censored": "censored", "missing-outcome": "os_months", "empty": "empty"}[case] in lines[1]
    assert reg.Registry(tmp_path / "m").versions() == []


def test_a_bad_penalizer_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as caught:
        main(["train", "--data", "x.csv", "--penalizer", "-1"])
    assert caught.value.code == 2
    assert "must be 'auto' or a number >= 0; got '-1'" in capsys.readouterr().err


# ---------------------------------------------------------------- predict
def test_predict_writes_one_row_per_input_row_in_order(workspace, tmp_path, capsys):
    frame = cohort_frame(260, seed=11).sample(frac=1, random_state=4)  # shuffled
    no_biopsy = frame.index[frame["primary_grade"].notna().to_numpy()][:7]
    frame.loc[no_biopsy, ["met_grade", "met_ki67", "met_mitoses"]] = np.nan
    path = write_csv(frame, tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    code, stdout, err = run_cli(capsys, "predict", "--input", path, "--output", out,
                                "--model-dir", workspace["models"], "--chunk-rows", "100")
    assert code == 0, err
    assert f"wrote {len(frame)} predictions" in stdout
    table = pd.read_csv(out, dtype={"patient_id": str, "flags": str, "grade_uncertain": str},
                        keep_default_na=False, na_values=[""])
    # the shipped cohort has PFS, so the model does: its columns follow the OS ones
    assert list(table.columns) == [*OUTPUT_COLUMNS, *PFS_OUTPUT_COLUMNS]
    assert table["patient_id"].tolist() == frame["patient_id"].tolist()
    assert set(table["model_version"]) == {"base"}
    assert (table["model_used"] == "primary_only").sum() >= 7

    model = reg.Registry(workspace["models"]).load().model
    patients = validate_cohort(read_cells(path), purpose="prediction").frame
    expected = with_grade_sensitivity(model, patients, model.predict(patients).table)
    assert (table["grade_uncertain"] == "true").any()  # Ki-67 near a cut-off in this cohort
    pfs = model.pfs_model.predict(patients).table  # at the biopsy
    for name in PFS_OUTPUT_COLUMNS:
        np.testing.assert_allclose(table[name], pfs[name.replace("pfs_", "surv_")],
                                   rtol=1e-5, atol=1e-6)
        assert (table[name] <= 1).all()
    for name in OUTPUT_COLUMNS:
        if name.startswith(("surv_", "median_", "p_")):
            np.testing.assert_allclose(table[name], expected[name], rtol=1e-5, atol=1e-6)
        elif name not in ("model_version", "flags"):
            assert table[name].tolist() == expected[name].tolist()
    probabilities = table[[c for c in table.columns if c.startswith("surv_")]].to_numpy()
    assert np.all((probabilities >= 0) & (probabilities <= 1) | np.isnan(probabilities))
    assert np.all(table["surv_60_lower"] <= table["surv_60"])
    assert np.all(table["surv_60"] <= table["surv_60_upper"])


def test_predict_notes_of_a_multi_chunk_file_are_summed_counts(workspace, tmp_path, capsys):
    """Each chunk derives some grades from Ki-67; the printed note adds the counts and
    keeps its words ("Ki-67", not "Ki-134")."""
    frame = cohort_frame(260, seed=11)
    path = write_csv(frame, tmp_path / "in.csv")
    whole = validate_cohort(read_cells(path), purpose="prediction").note_records
    derived = {n.column: n.count for n in whole if n.code == "derived"}
    assert sum(derived.values()) > 0
    code, stdout, err = run_cli(capsys, "predict", "--input", path, "--output",
                                tmp_path / "out.csv", "--model-dir", workspace["models"],
                                "--chunk-rows", "40")
    assert code == 0, err
    printed = stdout + err
    for column, count in derived.items():
        assert f"{column} derived from Ki-67/mitoses in {count} rows" in printed
    assert "Ki-134" not in printed and "Ki-" + "67" in printed


def test_worker_processes_give_the_same_file_as_one_process(workspace, tmp_path, capsys):
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.csv"
        assert run_cli(capsys, "predict", "--input", workspace["cohort"], "--output", out,
                       "--model-dir", workspace["models"], "--chunk-rows", "60",
                       "--jobs", jobs)[0] == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0].count(b"\n") == 1 + len(pd.read_csv(workspace["cohort"]))


def test_outcome_columns_in_the_input_are_ignored(workspace, tmp_path, capsys):
    frame = cohort_frame(260, seed=11).iloc[:50]
    with_outcomes = write_csv(frame, tmp_path / "with.csv")
    without = write_csv(frame.drop(columns=["os_months", "death"]), tmp_path / "without.csv")
    changed = frame.assign(os_months=1.5, death=1)
    changed_outcomes = write_csv(changed, tmp_path / "changed.csv")
    outputs = []
    for path in (with_outcomes, without, changed_outcomes):
        out = tmp_path / f"{path.stem}.out.csv"
        assert run_cli(capsys, "predict", "--input", path, "--output", out, "--model-dir",
                       workspace["models"])[0] == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]


def test_predict_with_a_chosen_version(workspace, models, tmp_path, capsys):
    code, out, _ = run_cli(capsys, "train", "--data", workspace["cohort"], "--model-dir",
                           models, "--version", "second", "--penalizer", "0.5")
    assert code == 0
    tables = {}
    for version in ("second", "base"):
        result = tmp_path / f"{version}.csv"
        assert run_cli(capsys, "predict", "--input", workspace["cohort"], "--output", result,
                       "--model-dir", models, "--model", version)[0] == 0
        tables[version] = pd.read_csv(result)
        assert set(tables[version]["model_version"]) == {version}
    # a stronger penalty shrinks the spread of the predictions
    assert tables["second"]["surv_60"].std() < tables["base"]["surv_60"].std()


def test_bad_prediction_input_exits_2_with_one_line_per_problem(workspace, tmp_path, capsys):
    frame = cohort_frame(40, seed=2).drop(columns=["os_months", "death"])
    frame["ecog"] = frame["ecog"].astype(object)
    frame.loc[3, "ecog"] = "9"
    frame.loc[7, "sex"] = "x"
    path = write_csv(frame, tmp_path / "bad.csv")
    out = tmp_path / "out.csv"
    code, _, err = run_cli(capsys, "predict", "--input", path, "--output", out,
                           "--model-dir", workspace["models"])
    assert code == 2
    assert err.splitlines() == [
        "error: 2 problems found",
        "row 4, column 'ecog': out of range (got '9'); allowed: a whole number from 0 to 4",
        f"row 8, column 'sex': {err.splitlines()[2].split(': ', 1)[1]}"]
    assert "'x'" in err.splitlines()[2]
    assert not out.exists()


@pytest.mark.parametrize("problem", ["no-input", "same-file", "no-folder", "no-model",
                                     "unknown-version", "output-is-a-folder"])
def test_predict_usage_errors_are_one_line(workspace, tmp_path, capsys, problem):
    args = {"input": workspace["cohort"], "output": tmp_path / "out.csv",
            "model_dir": workspace["models"], "extra": []}
    if problem == "no-input":
        args["input"] = tmp_path / "missing.csv"
    elif problem == "same-file":
        args["output"] = args["input"]
    elif problem == "no-folder":
        args["output"] = tmp_path / "nowhere" / "out.csv"
    elif problem == "no-model":
        args["model_dir"] = tmp_path / "empty-registry"
    elif problem == "output-is-a-folder":
        args["output"] = tmp_path
    else:
        args["extra"] = ["--model", "v-unknown"]
    code, _, err = run_cli(capsys, "predict", "--input", args["input"], "--output",
                           args["output"], "--model-dir", args["model_dir"], *args["extra"])
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert "unexpected" not in err and ".tmp-" not in err
    assert not list(tmp_path.glob(".*tmp-*"))


def test_a_tampered_model_is_refused_by_predict(workspace, models, tmp_path, capsys):
    path = models / "base" / "model.json"
    params = json.loads(path.read_bytes())
    params["biopsy_model"]["coefficients"][0] += 0.5
    path.write_bytes(reg.canonical_json(params))
    code, _, err = run_cli(capsys, "predict", "--input", workspace["cohort"], "--output",
                           tmp_path / "out.csv", "--model-dir", models)
    assert code == 2
    assert "model version 'base' was modified: model.json" in err
    assert not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------- models
def test_models_list_show_activate_rollback(workspace, models, capsys):
    code, out, _ = run_cli(capsys, "train", "--data", workspace["cohort"], "--model-dir",
                           models, "--version", "v2", *FAST)
    assert code == 0
    code, out, _ = run_cli(capsys, "models", "list", "--model-dir", models)
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["version", "created"]
    assert any(line.startswith("*") and " base " in line for line in lines)
    assert any(" v2 " in line and not line.startswith("*") for line in lines)

    code, out, _ = run_cli(capsys, "models", "show", "v2", "--model-dir", models)
    assert code == 0
    assert "intended use:" in out and "biopsy model: log hazard ratios" in out
    assert "met_grade[G3]" in out

    assert run_cli(capsys, "models", "activate", "v2", "--model-dir", models)[0] == 0
    assert reg.Registry(models).active_version() == "v2"
    code, out, _ = run_cli(capsys, "models", "--model-dir", models, "rollback")
    assert code == 0 and "active model: base" in out
    code, _, err = run_cli(capsys, "models", "rollback", "--model-dir", models)
    assert code == 2 and "no earlier active version" in err
    code, out, _ = run_cli(capsys, "models", "history", "--model-dir", models)
    assert [line.split()[1:3] for line in out.splitlines()] == [
        ["activate", "base"], ["activate", "v2"], ["rollback", "base"]]


def test_models_show_json_is_machine_readable(workspace, capsys):
    code, out, _ = run_cli(capsys, "models", "show", "base", "--json", "--model-dir",
                           workspace["models"])
    shown = json.loads(out)
    assert shown["active"] and shown["card"]["version"] == "base"
    # a trained version is saved with its reference test pack and its CHAI card
    assert set(shown["manifest"]["files"]) == {"model.json", "card.json", "testpack.csv",
                                               "chai_card.json"}


def test_help_texts_exist_for_every_model_command(capsys):
    for argv in (["train", "--help"], ["predict", "--help"], ["models", "--help"],
                 ["models", "activate", "--help"]):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 0
        assert "usage: python -m risk" in capsys.readouterr().out


# ---------------------------------------------------------------- safety, real processes
def _risk(*argv) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "risk", *map(str, argv)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_trainings_at_the_same_time_both_land_intact(workspace, models):
    procs = [_risk("train", "--data", workspace["cohort"], "--model-dir", models,
                   "--activate", *FAST) for _ in range(2)]
    versions = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        versions.append(out.strip().splitlines()[-1])
    assert len(set(versions)) == 2  # same model, same second: still two versions
    registry = reg.Registry(models)
    rows = {r.version: r.status for r in registry.list_versions()}
    assert rows == {"base": "ok", versions[0]: "ok", versions[1]: "ok"}
    assert registry.active_version() in versions
    assert [e["version"] for e in registry.history()][-2:] in (versions, versions[::-1])


def test_a_training_killed_while_saving_leaves_the_previous_active_model(
        workspace, models, tmp_path):
    reached = tmp_path / "reached"
    proc = subprocess.Popen(
        fault_injection.command("before-rename", reached, "train", "--data",
                                workspace["cohort"], "--model-dir", models, "--activate",
                                "--version", "killed", *FAST),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not reached.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the training never reached the save"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    registry = reg.Registry(models)
    assert registry.active_version() == "base"
    assert registry.versions() == ["base"]
    assert registry.load().version == "base"
    out = tmp_path / "out.csv"
    assert main(["predict", "--input", str(workspace["cohort"]), "--output", str(out),
                 "--model-dir", str(models)]) == 0
    assert set(pd.read_csv(out)["model_version"]) == {"base"}
