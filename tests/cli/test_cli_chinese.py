"""Every line the main commands print, in Chinese with ``--lang zh_Hans``: no English word
but the names, codes and units a Chinese text keeps (``visible_text.KEPT_WORDS``), once the
paths, versions, key ids, commands and a model card's stored field names are taken out;
and the same commands in English still print their English lines."""

from __future__ import annotations

import contextvars
import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from visible_text import english_words

from risk.cli import main

FAST = ["--penalizer", "0.1", "--seed", "1"]
VERSION = "zhv1"


def _commands(root: Path) -> dict[str, list[object]]:
    """The main commands in the order they build on each other (a cohort, a version...)."""
    cohort, models = root / "cohort.csv", root / "models"
    return {
        "generate": ["generate", "--n", "300", "--seed", "3", "--out", cohort],
        "validate": ["validate", "--data", cohort, "--purpose", "training"],
        "train": ["train", "--data", cohort, "--model-dir", models, "--activate",
                  "--version", VERSION, "--evaluate", "2", *FAST],
        "predict": ["predict", "--input", cohort, "--output", root / "predictions.csv",
                    "--model-dir", models],
        "evaluate": ["evaluate", "--data", cohort, "--out", root / "report", "--bootstrap",
                     "2", "--jobs", "1", "--model-dir", models,
                     "--summary-out", root / "site.json"],
        "models list": ["models", "--model-dir", models, "list"],
        "models show": ["models", "--model-dir", models, "show", VERSION],
        "models history": ["models", "--model-dir", models, "history"],
        "models verify": ["models", "--model-dir", models, "verify", VERSION],
        "keys list": ["keys", "list"],
        "recalibrate": ["recalibrate", "--data", cohort, "--model-dir", models, "--slope",
                        "--version", "zhv2"],
        "models activate": ["models", "--model-dir", models, "activate", "zhv2"],
        "models rollback": ["models", "--model-dir", models, "rollback"],
        "evaluate site B": ["evaluate", "--data", cohort, "--bootstrap", "0", "--model-dir",
                            models, "--summary-out", root / "site-b.json", "--site-name", "B"],
        "pool": ["pool", root / "site.json", root / "site-b.json", "--out", root / "pooled"],
    }


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, dict[str, tuple[int, str, str]]]:
    """Each command's (exit code, stdout, stderr), in Chinese and in English, each language
    in a folder of its own (the same commands, from an empty folder). In-process, output
    captured here (capsys is per test); the language each run sets stays inside it."""
    results: dict[str, dict[str, tuple[int, str, str]]] = {}

    for language in ("zh_Hans", "en"):
        root = tmp_path_factory.mktemp(f"cli-{language}")
        results[language] = {}
        for name, argv in _commands(root).items():
            out, err = io.StringIO(), io.StringIO()
            with redirect_stdout(out), redirect_stderr(err):
                code = contextvars.copy_context().run(
                    main, ["--lang", language, *(str(a) for a in argv)])
            results[language][name] = (code, out.getvalue(), err.getvalue())
        results[language]["root"] = (0, str(root), "")
    return results


def _stripped(text: str, root: str, card_names: set[str]) -> list[str]:
    """The lines of ``text`` without what is not a word to translate: paths, versions,
    key ids and digests, time stamps, commands and options, and (``models show``) the card's field
    names and design columns as stored."""
    import tempfile

    text = text.replace(root, " ")
    text = text.replace(tempfile.gettempdir(), " ")  # the keys folder of the tests
    text = re.sub(r"'?python -m risk[^'\n;)]*'?", " ", text)  # a command to run
    text = re.sub(r"--[a-z][a-z-]*(?: [A-Z]+\b)?", " ", text)  # an option (and its value)
    text = re.sub(r"\S*[/\\]\S*|\S+\.(?:csv|json|html|pem|pub|xlsx)\b", " ", text)
    text = re.sub(r"\b[0-9a-f]{12,64}\b", " ", text)  # key ids, digests
    text = re.sub(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\b", " ", text)
    text = re.sub(rf"\b(?:{VERSION}|zhv2)\b", " ", text)
    if card_names:
        text = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", lambda m: " " if m.group() in card_names
                      else m.group(), text)
    return [line for line in text.splitlines() if line.strip()]


def _card_names(root: Path) -> set[str]:
    """The field names of the stored card and the design columns of the stored model
    (identifiers, listed by ``models show`` as card.json and model.json hold them), and
    the stored booleans."""
    folder = root / "models" / VERSION
    names: set[str] = {"True", "False", "None"}

    def keys(value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                names.add(str(key))
                if key != "evaluation":
                    keys(inner)
        elif isinstance(value, list):
            for inner in value:
                keys(inner)

    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    keys({k: v for k, v in card.items() if k in ("training_data", "settings", "metrics")})
    model = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    for part in ("biopsy_model", "comparator_model"):
        for column in model.get(part, {}).get("columns", []):
            names.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", column.get("name", "")))
    return names


@pytest.mark.parametrize("command", list(_commands(Path())))
def test_every_line_of_the_main_commands_is_chinese(printed, command):
    code, out, err = printed["zh_Hans"][command]
    root = printed["zh_Hans"]["root"][1]
    assert code == 0, err
    names = _card_names(Path(root)) if command == "models show" else set()
    lines = _stripped(out + err, root, names)
    assert lines, f"{command} printed nothing"
    assert english_words(lines) == [], (command, out, err)
    assert re.search(r"[\u4e00-\u9fff]", out + err), f"{command}: no Chinese at all"


def test_the_english_lines_read_as_before(printed):
    english = {name: out + err for name, (_, out, err) in printed["en"].items()}
    assert re.search(r"^wrote 300 synthetic patients \(\d+ deaths\) to .*cohort\.csv "
                     r"\(seed 3\)$", english["generate"], re.M)
    assert "active model: zhv2 (was zhv1)" in english["models activate"]
    assert "active model: zhv1 (rolled back from zhv2)" in english["models rollback"]
    assert "recalibrating model zhv1 on 300 patients, " in english["recalibrate"]
    assert re.search(r"^pooled Harrell's C .* over 2 sites; I\^2 \d+%$", english["pool"], re.M)
    assert ": valid for training\npatients: 300\ndeaths: " in english["validate"]
    assert "training on 300 patients, " in english["train"]
    assert f"saved model version {VERSION} in " in english["train"]
    assert printed["en"]["train"][1].rstrip().splitlines()[-1] == VERSION  # stdout's last
    assert re.search(r"^wrote 300 predictions \(\d+ with the biopsy model, \d+ with the "
                     r"primary_only model\) with model version zhv1 to ", english["predict"],
                     re.M)
    assert re.search(r"^Harrell's C 0\.\d{3} \(95% CI 0\.\d{3}-0\.\d{3}\); comparator 0\.\d{3}$",
                     english["evaluate"], re.M)
    assert "bootstrap: 2/2 refits" in english["evaluate"]
    assert "(internal validation: the model's own training file) ..." in english["evaluate"]
    assert english["models list"].splitlines()[0].split() == [
        "version", "created", "(UTC)", "kind", "parent", "patients", "events", "signed", "by",
        "status"]
    assert re.search(r"^version:\s+zhv1  \(active\)$", english["models show"], re.M)
    assert re.search(r"^files \(sha256\): card\.json ", english["models show"], re.M)
    assert re.search(r"activate  zhv1  \(previous: none\)$", english["models history"], re.M)
    assert re.search(r"^verified model version zhv1 on this installation: [\d,]+ of [\d,]+ "
                     r"reference patients agree", english["models verify"], re.M)
    assert english["keys list"].startswith("trust store: the release key(s) shipped in the "
                                           "package and ")


@pytest.mark.parametrize("command", list(_commands(Path())))
def test_the_scanner_sees_the_english_words(printed, command):
    """The check above is not vacuous: what it strips leaves the English run's words."""
    _, out, err = printed["en"][command]
    root = printed["en"]["root"][1]
    names = _card_names(Path(root)) if command == "models show" else set()
    assert english_words(_stripped(out + err, root, names)), command


def test_a_command_line_error_is_chinese(tmp_path, capsys):
    """The errors the commands raise themselves: Chinese, the flag and the value kept."""
    cases = [(["generate", "--n", "0", "--out", tmp_path / "c.csv"], "--n"),
             (["evaluate", "--data", tmp_path / "c.csv"], "--summary-out")]
    for argv, flag in cases:
        code = contextvars.copy_context().run(
            main, ["--lang", "zh_Hans", *(str(a) for a in argv)])
        out, err = capsys.readouterr()
        assert code == 2 and out == "" and err.startswith("错误：") and flag in err
        assert english_words(_stripped(err, str(tmp_path), set())) == [], err
