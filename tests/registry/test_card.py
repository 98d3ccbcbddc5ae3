"""The model card as a typed document (risk.registry.card.ModelCard): the JSON names of
every earlier card, the same bytes for the same card, older cards still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import risk
from risk.errors import RegistryError
from risk.registry import store as reg
from risk.registry.card import (
    CARD_FORMAT,
    ModelCard,
    TrainingData,
    build_card,
    library_versions,
    methods,
)
from risk.registry.files import canonical_json

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "synthetic-v1"
#: A card as the first versions wrote it: no methods, fitting notes, schema version or
#: synthetic flag; the apparent C of training; and a key this version does not know.
OLD_CARD = {"card_format": 1, "kind": "trained", "parent": None,
            "created_utc": "2026-01-05T10:00:00Z", "intended_use": "Research.",
            "settings": {"penalizer": "auto", "seed": 0},
            "training_data": {"sha256": "ab" * 32, "patients": 400, "events": 150,
                              "median_follow_up_months": 61.25},
            "metrics": {"c_index_apparent_training": 0.7712},
            "libraries": {"numpy": "2.0.0", "python": "3.11.7"}, "notes": "",
            "reviewed_by": "the tumour board", "version": "v0"}


def test_the_shipped_card_reads_back_to_the_same_bytes():
    raw = (SHIPPED / "card.json").read_bytes()
    card = ModelCard.from_json(raw)
    assert card.to_json() == raw
    assert card.kind == "trained" and card.version == "synthetic-v1"
    assert card.training_data.patients == 1000 and card.training_data.synthetic is True
    assert card.metrics.harrell_c == 0.7686
    assert card.metrics.stored_report().headline.n == 1000


def test_a_card_has_the_json_names_of_every_earlier_card(monkeypatch):
    """build_card writes what the dict-built card wrote, byte for byte."""
    monkeypatch.setattr("risk.registry.card.utc_now", lambda: "2030-01-01T00:00:00Z")
    data = {"sha256": None, "patients": 3, "events": 2, "median_follow_up_months": 40.0,
            "schema_version": 1, "synthetic": False}
    card = build_card(training_data=data, settings={"penalizer": 0.1, "seed": 1},
                      metrics={"harrell_c": 0.7, "measured_on": "x"}, notes="n",
                      fitting_notes=["a note"])
    as_dicts = {"card_format": CARD_FORMAT, "kind": "trained", "parent": None,
                "created_utc": "2030-01-01T00:00:00Z",
                "intended_use": risk.INTENDED_POPULATION,
                "settings": {"penalizer": 0.1, "seed": 1}, "training_data": data,
                "metrics": {"harrell_c": 0.7, "measured_on": "x"},
                "methods": methods().to_dict(), "libraries": library_versions(),
                "notes": "n", "fitting_notes": ["a note"]}
    assert card.to_json() == canonical_json(as_dicts)
    assert card.with_version("v9").to_json() == canonical_json({**as_dicts, "version": "v9"})


def test_an_older_card_reads_with_empty_new_fields_and_keeps_unknown_keys():
    raw = canonical_json(OLD_CARD)
    card = ModelCard.from_json(raw)
    assert card.methods is None and card.fitting_notes == []
    assert card.training_data.synthetic is None and card.training_data.schema_version is None
    assert card.metrics.c_index_apparent_training == 0.7712
    assert card.metrics.stored_report() is None and card.metrics.harrell_c is None
    assert card.to_json() == raw  # nothing added, nothing lost
    assert json.loads(card.to_json())["reviewed_by"] == "the tumour board"


def test_the_registry_loads_an_older_card_and_names_a_damaged_one(tmp_path):
    registry = reg.Registry(tmp_path)
    registry.save({"coef": [1.0]}, ModelCard.from_dict(OLD_CARD), version="old")
    _, card = registry.read("old")
    assert card.to_dict() == {**OLD_CARD, "version": "old"}
    bad = ModelCard.from_dict({**OLD_CARD, "training_data": {"patients": 10}})
    registry.save({"coef": [1.0]}, bad.model_copy(update={"kind": "guessed"}), version="bad")
    with pytest.raises(RegistryError, match="card.json this version of the code cannot read"):
        registry.read("bad")
    rows = {r.version: r for r in registry.list_versions()}
    assert rows["old"].status == "ok" and rows["old"].patients == 400
    assert "cannot read (kind" in rows["bad"].status and rows["bad"].kind is None


def test_training_data_is_typed_and_a_dict_is_read_as_it():
    data = TrainingData.from_dict({"sha256": "S", "patients": 5, "events": 1})
    assert build_card(training_data=data).training_data == data
    assert build_card(training_data={"sha256": "S", "patients": 5, "events": 1}
                      ).training_data == data
    assert build_card(training_data={}).training_data.to_dict() == {}
