"""`python -m risk evaluate --summary-out` and `python -m risk pool` end to end."""

import json

import pytest
from evaluation_fixtures import cohort, fitted

from risk.cli import main
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import Registry
from risk.synthetic.generator import generate_cohort, write_cohort


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    card = build_card(training_data=data_fingerprint(cohort(300, 11)))
    Registry(root).save(fitted().to_dict(), card, version="v1", activate=True)
    Registry(root).save(fitted(penalizer=0.2).to_dict(), card, version="v2")
    return root


@pytest.fixture(scope="module")
def summaries(registry, tmp_path_factory):
    """Three centres' summaries (cohorts of different seeds), written by the command."""
    folder = tmp_path_factory.mktemp("sites")
    paths = []
    for seed in (21, 22, 23):
        data = folder / f"centre{seed}.csv"
        write_cohort(generate_cohort(200, seed), data)
        out = folder / f"site{seed}.json"
        assert main(["evaluate", "--data", str(data), "--summary-out", str(out),
                     "--site-name", f"Centre {seed}", "--model-dir", str(registry),
                     "--bootstrap", "20", "--jobs", "1"]) == 0
        paths.append(out)
    return paths


def test_evaluate_writes_a_site_summary_only(summaries, registry):
    data = json.loads(summaries[0].read_text())
    assert data["site"] == "Centre 21" and data["model_version"] == "v1"
    manifest = Registry(registry).show("v1")["manifest"]
    assert data["model_sha256"] == manifest["files"]["model.json"]
    assert data["counts"]["patients"] == 200
    assert "SD of the bootstrap" in data["standard_errors"]
    assert data["metrics"]["served"]["harrell_c"]["se"] > 0
    assert not list(summaries[0].parent.glob("report.*"))


def test_evaluate_needs_an_output(registry, tmp_path, capsys):
    data = tmp_path / "c.csv"
    write_cohort(generate_cohort(50, 3), data)
    assert main(["evaluate", "--data", str(data), "--model-dir", str(registry)]) == 2
    assert "--summary-out" in capsys.readouterr().err


def test_a_centre_with_few_deaths_writes_counts_only(registry, tmp_path, capsys):
    frame = generate_cohort(40, 4)
    frame["death"] = 0
    frame.loc[frame.index[:3], "death"] = 1
    data = tmp_path / "small.csv"
    write_cohort(frame, data)
    out = tmp_path / "small.json"
    assert main(["evaluate", "--data", str(data), "--summary-out", str(out),
                 "--model-dir", str(registry)]) == 0
    written = json.loads(out.read_text())
    assert written["metrics"] is None and "counts only" in written["note"]
    assert written["site"] == "small" and written["counts"]["deaths"] == 3
    assert "counts only" in capsys.readouterr().out


def test_pool_writes_json_and_html(summaries, tmp_path, capsys):
    out = tmp_path / "pooled"
    assert main(["pool", *map(str, summaries), "--out", str(out)]) == 0
    data = json.loads((out / "pooled.json").read_text())
    c = data["metrics"]["served"]["harrell_c"]
    assert {"estimate", "ci", "prediction_interval", "tau2", "i2", "method", "sites"} <= set(c)
    assert [s["site"] for s in c["sites"]] == ["Centre 21", "Centre 22", "Centre 23"]
    assert min(s["estimate"] for s in c["sites"]) <= c["estimate"] <= max(
        s["estimate"] for s in c["sites"])
    assert data["model_version"] == "v1" and len(data["sites"]) == 3
    page = (out / "pooled.html").read_text()
    assert "Multi-centre validation" in page and page.count("plotly.js v") <= 2
    assert "Centre 22" in page and "Prediction interval" in page
    assert "pooled Harrell's C" in capsys.readouterr().out


def _refused(args, capsys) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_pool_refusals(summaries, registry, tmp_path, capsys):
    out = str(tmp_path / "p")
    assert "at least 2" in _refused(["pool", str(summaries[0]), "--out", out], capsys)
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    assert "bad.json: not a JSON file" in _refused(
        ["pool", str(summaries[0]), str(bad), "--out", out], capsys)
    data = json.loads(summaries[1].read_text())
    data["counts"]["patients"] = 999
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(data))
    assert "tampered.json" in _refused(
        ["pool", str(summaries[0]), str(tampered), "--out", out], capsys)
    del data["counts"]
    missing = tmp_path / "missing.json"
    missing.write_text(json.dumps(data))
    assert "missing.json: not a valid site summary: counts" in _refused(
        ["pool", str(summaries[0]), str(missing), "--out", out], capsys)
    v2 = tmp_path / "v2.json"
    data = tmp_path / "c.csv"
    write_cohort(generate_cohort(200, 24), data)
    assert main(["evaluate", "--data", str(data), "--summary-out", str(v2), "--model",
                 "v2", "--model-dir", str(registry), "--bootstrap", "0"]) == 0
    err = _refused(["pool", *map(str, summaries), str(v2), "--out", out], capsys)
    assert "v2.json" in err and "same model version" in err
    assert "nowhere.json: cannot read" in _refused(
        ["pool", str(summaries[0]), str(tmp_path / "nowhere.json"), "--out", out], capsys)


def test_pool_writes_the_page_in_the_language_of_lang(summaries, tmp_path, capsys):
    import contextvars

    out = tmp_path / "zh"
    args = ["--lang", "zh_Hans", "pool", *map(str, summaries), "--out", str(out)]
    assert contextvars.copy_context().run(main, args) == 0
    page = (out / "pooled.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html><html lang='zh-Hans'>")
    assert "模型 v1 的多中心验证" in page and "<h2>所提供模型的预测</h2>" in page
    assert "Multi-centre validation of model" not in page
    data = json.loads((out / "pooled.json").read_text())
    assert data["metrics"]["served"]["harrell_c"]["method"].startswith("random effects")
