"""Lineage: which data a model version's numbers rest on, and so whether it is synthetic.

The one answer to "was the served model trained on synthetic data?", read by every page,
the PDF and the HTML report: a version is synthetic when it rests on synthetic data,
trained on it or recalibrated from a version that was (a recalibration keeps its parent's
coefficients). Data are synthetic when they are the shipped synthetic cohort (SHA-256
:data:`risk.synthetic.generator.SHIPPED_SHA256`) or a cohort whose every patient id carries the
generator's mark (:data:`risk.synthetic.generator.SYNTHETIC_ID_PREFIX`), as the card's
``training_data.synthetic`` records at training time.
"""

from __future__ import annotations

from collections.abc import Callable

CardReader = Callable[[str], dict | None]


def rests_on(card: dict, is_source: Callable[[dict], bool], read_card: CardReader) -> bool:
    """True when ``is_source(training_data)`` holds for the version or, up its chain of
    recalibrations, for a parent (see :func:`built_on`)."""
    seen: set[str] = set()
    current: dict | None = card
    while current is not None:
        if is_source(current.get("training_data") or {}):
            return True
        parent = current.get("parent")
        if current.get("kind") != "recalibrated" or not parent or parent in seen:
            return False
        seen.add(parent)
        current = read_card(parent)
    return False


def built_on(card: dict, sha256: str, read_card: CardReader) -> bool:
    """True when a version's numbers rest on the file whose SHA-256 is ``sha256``.

    A trained version rests on its training file. A recalibrated version keeps its
    parent's coefficients with a baseline from its own file, so it rests on both: the
    chain of parents is followed while the versions are recalibrations. ``read_card``
    gives a version's card (None when it cannot be read: then the answer is what the
    readable cards say).

    Examples
    --------
    >>> cards = {"v1": {"kind": "trained", "training_data": {"sha256": "S"}}}
    >>> recal = {"kind": "recalibrated", "parent": "v1", "training_data": {"sha256": "L"}}
    >>> built_on(recal, "S", cards.get), built_on(recal, "X", cards.get)
    (True, False)
    """
    return rests_on(card, lambda data: data.get("sha256") == sha256, read_card)


def trained_on_synthetic(card: dict, read_card: CardReader) -> bool:
    """True when the version rests on the shipped synthetic cohort (see module doc)."""
    from risk.synthetic.generator import SHIPPED_SHA256

    def synthetic(data: dict) -> bool:
        return data.get("synthetic") is True or data.get("sha256") == SHIPPED_SHA256

    return rests_on(card, synthetic, read_card)
