"""The CHAI Applied Model Card (v0.2 structure, as JSON): it validates against a JSON
Schema of the v0.2 elements written here, every metric's number is the card.json value its
source names, the lineage is the one lineage answer, and the registry stores it at save
time (listed in the manifest, so the signature covers it) and for an older version with
``models chai --store``."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from shipped_pack import SHIPPED, registry_copy_with_pack

from risk.cli import main
from risk.present import build_chai_card, chai_card_bytes
from risk.registry import CHAI_FILE, ModelCard, Registry
from risk.registry.files import canonical_json, sha256

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((Path(__file__).parent / "chai_applied_model_card_v0.2.schema.json")
                    .read_text())
CARD_JSON = REPO / "models" / SHIPPED / "card.json"

pytestmark = pytest.mark.xdist_group("testpack")


@pytest.fixture(scope="module")
def shipped():
    loaded = Registry(REPO / "models").load(SHIPPED)
    return loaded, build_chai_card(loaded.card, loaded.synthetic)


def _at(data, path: str):
    for key in path.split("."):
        data = data[key]
    return data


def test_it_validates_against_the_v02_structure(shipped):
    document = json.loads(shipped[1].to_json_bytes())
    jsonschema.validate(document, SCHEMA)
    card = document["AppliedModelCard"]
    assert list(card) == ["BasicInfo", "ReleaseInfo", "ModelSummary", "UsesAndDirections",
                          "Warnings", "TrustIngredients", "KeyMetrics", "Resources",
                          "Bibliography"]  # the XSD's sequence
    assert card["ReleaseInfo"]["ReleaseVersion"] == SHIPPED


def test_the_schema_refuses_a_missing_or_unknown_element(shipped):
    document = json.loads(shipped[1].to_json_bytes())
    del document["AppliedModelCard"]["Warnings"]["ClinicalRiskLevel"]
    with pytest.raises(jsonschema.ValidationError, match="ClinicalRiskLevel"):
        jsonschema.validate(document, SCHEMA)
    document = json.loads(shipped[1].to_json_bytes())
    document["AppliedModelCard"]["BasicInfo"]["Modelname"] = "typo"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_every_metric_number_is_the_card_json_value(shipped):
    card = json.loads(CARD_JSON.read_text())
    chai = shipped[1]
    traced = [m for m in chai.metrics if m.source]
    assert len(traced) >= 10
    results = [r for group in chai.document["AppliedModelCard"]["KeyMetrics"].values()
               for r in group["Results"]["MetricResult"]]
    by_label = {r["Label"]: json.loads(r["ValueJson"]) for r in results}
    for metric in traced:
        value = by_label[metric.label]
        expected = _at(card, metric.source)
        assert value.get("estimate", value.get("value")) == expected, metric.source
        if value["kind"] == "estimate_ci":
            assert value["lower"] == _at(card, metric.source + "_lower")
            assert value["upper"] == _at(card, metric.source + "_upper")
            assert value["level"] == 95  # risk.present.model_facts.INTERVAL_PERCENT
    assert by_label["Harrell's C"]["estimate"] == card["metrics"]["evaluation"]["harrell_c"]
    # every number of every ValueJson is accounted for above
    assert len(results) == len(traced) + 1  # plus FairnessEquity's "Not available"


def test_lineage_and_not_available_fields(shipped):
    loaded, chai = shipped
    card = chai.document["AppliedModelCard"]
    assert loaded.synthetic is True
    assert "synthetic" in card["ReleaseInfo"]["ReleaseStage"]
    assert "Trained on synthetic data" in \
        card["TrustIngredients"]["AISystemFacts"]["DevelopmentDataCharacterization"]
    real = json.loads(chai_card_bytes(loaded.card, False))["AppliedModelCard"]
    assert "synthetic" not in real["ReleaseInfo"]["ReleaseStage"]
    assert card["BasicInfo"]["ModelDeveloper"] == "Not available"
    assert card["KeyMetrics"]["FairnessEquity"]["Results"]["MetricResult"][0]["Label"] == \
        "Not available"


def test_a_card_without_validation_still_validates():
    chai = build_chai_card(ModelCard(version="bare", intended_use="x"), synthetic=False)
    document = json.loads(chai.to_json_bytes())
    jsonschema.validate(document, SCHEMA)
    assert [m.source for m in chai.metrics] == [None, None]


def test_save_writes_it_listed_in_the_signed_manifest(tmp_path):
    models = registry_copy_with_pack(tmp_path)
    registry = Registry(models)
    params, card = registry.read(SHIPPED)
    registry.save(params, card, version="new")
    contents = registry.verify("new")  # the signature covers the manifest that lists it
    manifest = json.loads(contents["manifest.json"])
    assert manifest["files"][CHAI_FILE] == sha256(contents[CHAI_FILE])
    stored = json.loads(contents[CHAI_FILE])
    jsonschema.validate(stored, SCHEMA)
    assert stored["AppliedModelCard"]["ReleaseInfo"]["ReleaseVersion"] == "new"
    assert "synthetic" in stored["AppliedModelCard"]["ReleaseInfo"]["ReleaseStage"]


def test_models_chai_store_adds_it_to_an_older_version(tmp_path, capsys):
    models = registry_copy_with_pack(tmp_path)
    registry = Registry(models)
    params, card = registry.read(SHIPPED)
    registry.save(params, card, version="old")
    folder = models / "old"
    (folder / CHAI_FILE).unlink()  # as a version saved before CHAI cards
    manifest = json.loads((folder / "manifest.json").read_bytes())
    del manifest["files"][CHAI_FILE]
    (folder / "manifest.json").write_bytes(canonical_json(manifest))
    registry.sign("old", registry.keys.site_signer())
    registry.activate("old")
    out_file = tmp_path / "c.json"
    assert main(["models", "chai", "old", "--out", str(out_file),
                 "--model-dir", str(models)]) == 2
    assert "models chai old --store" in capsys.readouterr().err
    assert main(["models", "chai", "old", "--store", "--model-dir", str(models)]) == 0
    assert sha256((folder / CHAI_FILE).read_bytes()) in capsys.readouterr().out
    assert registry.load().version == "old"  # still loadable, pointer follows
    assert registry.history()[-1]["action"] == "add CHAI card"
    assert main(["models", "chai", "old", "--out", str(out_file),
                 "--model-dir", str(models)]) == 0
    assert out_file.read_bytes() == (folder / CHAI_FILE).read_bytes() == \
        chai_card_bytes(registry.load("old").card, True)
    assert main(["models", "chai", "old", "--store", "--model-dir", str(models)]) == 2
    assert "already has its chai_card.json" in capsys.readouterr().err
