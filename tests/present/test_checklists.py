"""TRIPOD+AI and PROBAST+AI filled in for the shipped model: every item present, once,
with a status and a place; the answers follow the card."""

from __future__ import annotations

from pathlib import Path

import pytest

from risk.present import build_checklists, checklists_html, checklists_markdown
from risk.present.checklists import ADDRESSED, NOT_ADDRESSED, NOT_APPLICABLE, PARTLY
from risk.registry import ModelCard, Registry

REPO = Path(__file__).resolve().parents[2]
#: TRIPOD+AI's items with their sub-items (Collins et al., BMJ 2024), written out here
#: independently of the module.
TRIPOD_ITEMS = ["1", "2", "3a", "3b", "3c", "4", "5a", "5b", "6a", "6b", "6c", "7", "8a",
                "8b", "8c", "9a", "9b", "9c", "10", "11", *[f"12{c}" for c in "abcdefg"],
                "13", "14", "15", "16", "17", *[f"18{c}" for c in "abcdef"], "19", "20a",
                "20b", "20c", "21", "22", "23a", "23b", "24", "25", "26", "27a", "27b", "27c"]


@pytest.fixture(scope="module")
def shipped():
    loaded = Registry(REPO / "models").load("synthetic-v1")
    return loaded, build_checklists(loaded.card, loaded.synthetic)


def test_every_tripod_item_is_present_once_in_order(shipped):
    numbers = [i.number for i in shipped[1].tripod]
    assert numbers == TRIPOD_ITEMS
    assert len({n.rstrip("abcdefg") for n in numbers}) == 27
    for item in shipped[1].tripod:
        assert item.status in (ADDRESSED, PARTLY, NOT_ADDRESSED, NOT_APPLICABLE)
        assert item.title and item.where


def test_probast_has_four_domains_in_both_parts(shipped):
    probast = shipped[1].probast
    parts = {a.part for a in probast}
    assert parts == {"Model development", "Model evaluation"}
    for part in parts:
        domains = [a for a in probast if a.part == part]
        assert [a.domain for a in domains] == ["Participants and data sources", "Predictors",
                                               "Outcome", "Analysis"]
        assert [a.applicability is not None for a in domains] == [True, True, True, False]
    development = [a.judgement for a in probast if a.part == "Model development"]
    assert all(j.startswith("quality: ") for j in development)


def test_answers_follow_the_card(shipped):
    loaded, lists = shipped
    by = {i.number: i for i in lists.tripod}
    assert f"{loaded.card.training_data.patients:,} patients" in by["21"].where
    assert by["23a"].status == ADDRESSED  # the shipped card stores its validation
    assert by["17"].status == NOT_APPLICABLE  # synthetic: no real patients
    bare = loaded.card.model_copy(update={"metrics": loaded.card.metrics.model_copy(
        update={"evaluation": None, "harrell_c": None})})
    real = build_checklists(ModelCard.from_dict(bare.to_dict()), synthetic=False)
    by = {i.number: i for i in real.tripod}
    assert by["23a"].status == NOT_ADDRESSED and by["17"].status == NOT_ADDRESSED
    analysis = next(a for a in real.probast if a.part == "Model evaluation"
                    and a.domain == "Analysis")
    assert analysis.judgement == "risk of bias: high"


def test_markdown_lists_every_item(shipped):
    text = checklists_markdown(shipped[1])
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert [r.split("|")[1].strip() for r in rows[1:1 + len(TRIPOD_ITEMS)]] == TRIPOD_ITEMS
    assert text.count("| Model evaluation |") == 4


def test_html_lists_every_item_escaped(shipped):
    import re

    text = checklists_html(shipped[1])
    cells = re.findall(r"<tr><td>([^<]*)</td>", text)
    assert cells[:len(TRIPOD_ITEMS)] == TRIPOD_ITEMS
    assert "models/&lt;version&gt;/card.json" in text and "<version>" not in text
