"""`python -m risk evaluate` end to end on a small cohort and a temporary registry."""

import json

import pytest
from evaluation_fixtures import cohort, fitted

from risk.cli import main
from risk.data.validation import load_cohort
from risk.errors import ValidationError
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import Registry
from risk.synthetic.generator import generate_cohort, write_cohort


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    card = build_card(training_data=data_fingerprint(cohort(300, 11)))
    Registry(root).save(fitted().to_dict(), card, version="v1", activate=True)
    return root


@pytest.fixture(scope="module")
def cohort_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "cohort.csv"
    write_cohort(generate_cohort(300, 11), path)
    return path


def test_evaluate_writes_json_and_html(registry, cohort_file, tmp_path, capsys):
    out = tmp_path / "report"
    code = main(["evaluate", "--data", str(cohort_file), "--out", str(out), "--model-dir",
                 str(registry), "--bootstrap", "5", "--jobs", "1"])
    assert code == 0
    data = json.loads((out / "report.json").read_text())
    assert data["model_version"] == "v1" and data["n"] == 300
    assert data["settings"]["bootstrap"] == 5 and data["harrell_c_corrected"] is not None
    assert data["comparator"]["harrell_c"] < 1
    page = (out / "report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "Validation of model v1" in page
    # it ends with the version's reporting checklists: TRIPOD+AI's last item, PROBAST+AI
    assert page.index("<h3>TRIPOD+AI</h3>") > page.index("<h2>Subgroups</h2>")
    assert "<td>27c</td>" in page and "<h3>PROBAST+AI</h3>" in page
    assert "wrote" in capsys.readouterr().out


def test_bootstrap_zero_and_an_explicit_version(registry, cohort_file, tmp_path):
    out = tmp_path / "quick"
    assert main(["evaluate", "--data", str(cohort_file), "--out", str(out), "--model-dir",
                 str(registry), "--model", "v1", "--bootstrap", "0"]) == 0
    data = json.loads((out / "report.json").read_text())
    assert data["optimism"] is None and data["harrell_c_lower"] is None


def test_bad_file_gets_the_validation_message(registry, tmp_path, capsys):
    frame = generate_cohort(30, 2)
    frame.loc[4, "age"] = 250
    bad = tmp_path / "bad.csv"
    write_cohort(frame, bad)
    with pytest.raises(ValidationError) as expected:
        load_cohort(bad, purpose="training")
    code = main(["evaluate", "--data", str(bad), "--out", str(tmp_path / "o"),
                 "--model-dir", str(registry)])
    err = capsys.readouterr().err
    assert code == 2 and str(expected.value) in err and "Traceback" not in err
    assert not (tmp_path / "o" / "report.json").exists()


def test_file_without_outcomes_is_refused(registry, tmp_path, capsys):
    frame = generate_cohort(30, 3).drop(columns=["os_months", "death"])
    path = tmp_path / "no_outcomes.csv"
    frame.to_csv(path, index=False)
    code = main(["evaluate", "--data", str(path), "--out", str(tmp_path / "o"),
                 "--model-dir", str(registry)])
    assert code == 2 and "os_months" in capsys.readouterr().err


def test_unknown_version_and_bad_arguments(registry, cohort_file, tmp_path, capsys):
    code = main(["evaluate", "--data", str(cohort_file), "--out", str(tmp_path / "o"),
                 "--model-dir", str(registry), "--model", "nope"])
    assert code == 2 and "nope" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["evaluate", "--data", str(cohort_file), "--out", str(tmp_path / "o"),
              "--bootstrap", "-1"])
    assert exit_info.value.code == 2


def test_the_report_names_the_file_and_whether_the_validation_is_internal(
        registry, cohort_file, tmp_path, capsys):
    import hashlib

    raw = cohort_file.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    own = tmp_path / "models"  # a model whose card says it was trained on this very file
    card = build_card(training_data=data_fingerprint(
        load_cohort(raw, purpose="training").frame, raw))
    Registry(own).save(fitted().to_dict(), card, version="own", activate=True)
    for models, kind in ((own, "internal"), (registry, "external")):
        out = tmp_path / kind
        assert main(["evaluate", "--data", str(cohort_file), "--out", str(out),
                     "--model-dir", str(models), "--bootstrap", "0"]) == 0
        data = json.loads((out / "report.json").read_text())
        assert data["data"] == {"file": "cohort.csv", "sha256": digest, "validation": kind}
        said = {"internal": "(internal validation",
                "external": "(not the file the model was trained on: an external validation "
                            "only if"}[kind]
        assert said in capsys.readouterr().out
        shown = {"internal": "internal validation:",
                 "external": "not the file the model was trained on (an external validation "
                             "only if"}[kind]
        assert shown in (out / "report.html").read_text()


def test_the_report_is_written_in_the_language_of_lang(registry, cohort_file, tmp_path,
                                                        monkeypatch, capsys):
    """--lang, else LANG (risk.cli.main's language): report.html in it, its <html lang>
    too; report.json keeps its English notes and keys."""
    import contextvars

    def evaluate_into(out, *lang):
        args = [*lang, "evaluate", "--data", str(cohort_file), "--out", str(out),
                "--model-dir", str(registry), "--bootstrap", "0"]
        # in a context of its own: the language main() sets stays in this run
        assert contextvars.copy_context().run(main, args) == 0
        return (out / "report.html").read_text(encoding="utf-8")

    chinese = evaluate_into(tmp_path / "zh", "--lang", "zh_Hans")
    assert chinese.startswith("<!DOCTYPE html><html lang='zh-Hans'>")
    assert "<title>模型 v1 的验证</title>" in chinese and "<h2>亚组</h2>" in chinese
    assert "不是模型的训练文件（只有当其中的患者" in chinese and "<h2>Subgroups</h2>" not in chinese
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    assert "<html lang='zh-Hans'>" in evaluate_into(tmp_path / "by_locale")
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert "<html lang='en'>" in evaluate_into(tmp_path / "en")
    english = json.loads((tmp_path / "en" / "report.json").read_text())
    assert json.loads((tmp_path / "zh" / "report.json").read_text())["notes"] == \
        english["notes"]
