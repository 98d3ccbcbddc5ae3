"""Lineage: which data a model version's numbers rest on, and so whether it is synthetic.

The one answer to "was the served model trained on synthetic data?", read by every page,
the PDF and the HTML report: a version is synthetic when it rests on synthetic data,
trained on it or recalibrated from a version that was (a recalibration keeps its parent's
coefficients). Data are synthetic when they are the shipped synthetic cohort (SHA-256
:data:`risk.synthetic.shipped.SHIPPED_SHA256`) or a cohort whose every patient id carries the
generator's mark (:data:`risk.synthetic.shipped.SYNTHETIC_ID_PREFIX`), as the card's
``training_data.synthetic`` records at training time.
"""

from __future__ import annotations

from collections.abc import Callable

from risk.registry.card import ModelCard, TrainingData

CardReader = Callable[[str], ModelCard | None]


def rests_on(card: ModelCard, is_source: Callable[[TrainingData], bool],
             read_card: CardReader) -> bool:
    """True when ``is_source(training_data)`` holds for the version or, up its chain of
    recalibrations, for a parent (see :func:`built_on`)."""
    seen: set[str] = set()
    current: ModelCard | None = card
    while current is not None:
        if is_source(current.training_data):
            return True
        parent = current.parent
        if current.kind != "recalibrated" or not parent or parent in seen:
            return False
        seen.add(parent)
        current = read_card(parent)
    return False


def built_on(card: ModelCard, sha256: str, read_card: CardReader) -> bool:
    """True when a version's numbers rest on the file whose SHA-256 is ``sha256``.

    A trained version rests on its training file. A recalibrated version keeps its
    parent's coefficients with a baseline from its own file, so it rests on both: the
    chain of parents is followed while the versions are recalibrations. ``read_card``
    gives a version's card (None when it cannot be read: then the answer is what the
    readable cards say).

    Examples
    --------
    >>> v1 = ModelCard(kind="trained", training_data=TrainingData(sha256="S"))
    >>> recal = ModelCard(kind="recalibrated", parent="v1",
    ...                   training_data=TrainingData(sha256="L"))
    >>> built_on(recal, "S", {"v1": v1}.get), built_on(recal, "X", {"v1": v1}.get)
    (True, False)
    """
    return rests_on(card, lambda data: data.sha256 == sha256, read_card)


def trained_on_synthetic(card: ModelCard, read_card: CardReader) -> bool:
    """True when the version rests on the shipped synthetic cohort (see module doc)."""
    from risk.synthetic.shipped import SHIPPED_SHA256

    def synthetic(data: TrainingData) -> bool:
        return data.synthetic is True or data.sha256 == SHIPPED_SHA256

    return rests_on(card, synthetic, read_card)
