"""The Model Facts label: Sendak's sections, and every number in it traced to the model
card (read here from card.json itself) or to a named constant of the code; the label's own
words hold no digit."""

from __future__ import annotations

import importlib
import io
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from risk.present import build_model_facts, build_model_facts_pdf
from risk.registry import ModelCard, Registry

REPO = Path(__file__).resolve().parents[2]
CARD_FILE = REPO / "models" / "synthetic-v1" / "card.json"
NUMBER = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?")


@pytest.fixture(scope="module")
def shipped():
    loaded = Registry(REPO / "models").load("synthetic-v1")
    return loaded, build_model_facts(loaded.card, loaded.synthetic)


def _at(data, path: str):
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def _card_json():
    return json.loads(CARD_FILE.read_text())


def test_the_sections_are_sendaks(shipped):
    titles = [s.title for s in shipped[1].sections]
    assert titles == ["Summary", "Mechanism of risk score calculation",
                      "Validation and performance", "Uses and directions", "Warnings",
                      "Other information"]
    assert all(s.lines for s in shipped[1].sections)


def test_own_words_hold_no_digit(shipped):
    own = [p.text for p in shipped[1].parts() if p.source is None]
    assert own and [t for t in own if re.search(r"\d", t)] == []


def test_every_card_number_is_the_cards_value(shipped):
    card = _card_json()
    traced = [p for p in shipped[1].parts() if p.source and p.source.startswith("card:")]
    assert len(traced) > 25
    for part in traced:
        value = _at(card, part.source.removeprefix("card:"))
        if isinstance(value, bool) or not isinstance(value, int | float):
            assert str(value) in part.text, part.source
            continue
        shown = float(NUMBER.findall(part.text)[-1].replace(",", ""))
        decimals = len(part.text.rsplit(".", 1)[1]) if "." in part.text else 0
        assert abs(shown - value) <= 0.5 * 10 ** -decimals + 1e-12, part.source


def test_every_code_part_is_its_constant(shipped):
    for part in shipped[1].parts():
        if not (part.source and part.source.startswith("code:")):
            continue
        _, module, name = part.source.split(":")
        constant = getattr(importlib.import_module(module), name)
        if name == "HORIZONS_MONTHS":
            assert [int(n) * 12 for n in re.findall(r"\d+", part.text)] == list(constant)
        elif name == "METRIC_LABELS":
            assert part.text in dict(constant).values()
        elif name == "PATIENT_INPUTS":
            assert re.search(r"\d", part.text) is None or "Ki-67" in part.text
        elif isinstance(constant, tuple):
            assert part.text in constant
        else:
            assert part.text == constant


def test_shipped_numbers_appear_with_their_sources(shipped):
    card = _card_json()
    text = " ".join(line.text for s in shipped[1].sections for line in s.lines)
    assert f"{card['training_data']['patients']:,} patients" in text
    assert f"{card['metrics']['evaluation']['harrell_c']:.3f}" in text
    assert card["training_data"]["sha256"] in text
    assert "synthetic cohort" in text  # the lineage says so for the shipped version


def test_a_card_without_validation_says_so_and_a_real_model_is_not_synthetic():
    card = ModelCard.from_json(CARD_FILE.read_bytes())
    bare = card.model_copy(update={"metrics": card.metrics.model_copy(
        update={"evaluation": None, "harrell_c": None})})
    facts = build_model_facts(bare, synthetic=False)
    validation = next(s for s in facts.sections if s.title == "Validation and performance")
    assert "No validation is stored" in validation.lines[0].text
    warnings = " ".join(line.text for line in facts.sections[4].lines)
    assert "synthetic cohort" not in warnings


def test_pdf_is_one_page_with_every_section(shipped):
    data = build_model_facts_pdf(shipped[1])
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for section in shipped[1].sections:
        assert section.title in text
    assert "0.769" in text and "SYNTHETIC" in text


def test_a_card_with_headline_numbers_only_shows_them_traced():
    card = ModelCard.from_json(CARD_FILE.read_bytes())
    headline = card.model_copy(update={"metrics": card.metrics.model_copy(
        update={"evaluation": None, "harrell_c": 0.7123, "measured_on": "a held-out file"})})
    facts = build_model_facts(headline, synthetic=True)
    validation = next(s for s in facts.sections if s.title == "Validation and performance")
    text = " ".join(line.text for line in validation.lines)
    assert "Measured on a held-out file." in text and "Harrell's C: 0.712" in text
    assert "comparator" not in text  # only a full report holds the comparator
    sources = {p.source for line in validation.lines for p in line.parts if p.source}
    assert "card:metrics.harrell_c" in sources


def _section_text(facts, title: str) -> str:
    return " ".join(line.text for s in facts.sections if s.title == title for line in s.lines)


def _sources(facts, title: str) -> set[str]:
    return {p.source for s in facts.sections if s.title == title for line in s.lines
            for p in line.parts if p.source}


def test_a_model_with_a_pfs_model_says_so_in_every_section_it_concerns(shipped):
    """The label once spoke of overall survival only, though the shipped version has a
    progression-free survival model and its stored validation."""
    card = _card_json()
    facts = shipped[1]
    pfs = card["metrics"]["evaluation"]["pfs"]
    assert "progression-free survival" in _section_text(facts, "Summary")
    mechanism = _section_text(facts, "Mechanism of risk score calculation")
    assert f"{card['training_data']['pfs_patients']:,} patients with progression-free " \
           "survival recorded" in mechanism
    assert {"card:training_data.pfs_patients", "card:training_data.pfs_events",
            "card:training_data.progressions"} <= _sources(
        facts, "Mechanism of risk score calculation")
    validation = _section_text(facts, "Validation and performance")
    assert f"Progression-free survival, Harrell's C: {pfs['served']['harrell_c']:.3f}" \
        in validation
    assert {"card:metrics.evaluation.pfs.n", "card:metrics.evaluation.pfs.served.harrell_c",
            "card:metrics.evaluation.pfs.served.auc_60",
            "card:metrics.evaluation.pfs.comparator.harrell_c"} <= _sources(
        facts, "Validation and performance")


def test_a_model_without_pfs_says_nothing_of_it():
    card = ModelCard.from_json(CARD_FILE.read_bytes())
    evaluation = {k: v for k, v in card.metrics.evaluation.items() if k != "pfs"}
    bare = card.model_copy(update={
        "training_data": card.training_data.model_copy(
            update={"pfs_patients": None, "pfs_events": None, "progressions": None}),
        "metrics": card.metrics.model_copy(update={"evaluation": evaluation})})
    facts = build_model_facts(bare, synthetic=True)
    text = " ".join(line.text for s in facts.sections for line in s.lines).lower()
    assert "progression" not in text and "pfs" not in text
    assert "Harrell's C: 0.769" in _section_text(facts, "Validation and performance")


def test_a_pfs_model_without_a_stored_pfs_validation_says_so():
    card = ModelCard.from_json(CARD_FILE.read_bytes())
    evaluation = {k: v for k, v in card.metrics.evaluation.items() if k != "pfs"}
    facts = build_model_facts(card.model_copy(update={"metrics": card.metrics.model_copy(
        update={"evaluation": evaluation})}), synthetic=True)
    assert "No validation of the progression-free survival model is stored" in \
        _section_text(facts, "Validation and performance")
