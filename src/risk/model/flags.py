"""Why one patient's estimate deserves more doubt than its interval shows: an age outside
the training range, a level few training patients had, a level the training data could
not estimate (:mod:`risk.stats.estimability`). Each is a (mask, text) pair for a batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from risk.model.features import (
    candidate_columns,
    column_words,
    input_levels,
    level_words,
    reference_words,
)

if TYPE_CHECKING:
    from risk.model.cox import CoxModel

#: A training category is "rare" below this many patients or this share.
RARE_COUNT, RARE_SHARE = 10, 0.02


def training_flags(model: CoxModel, frame: pd.DataFrame) -> list[tuple[np.ndarray, str]]:
    """(mask, text) for ages outside the training range, rare training categories and
    levels left out of the fit."""
    summary = model.training_summary_
    lo, hi = summary["age_range"]
    age = frame["age"].to_numpy(dtype=float)
    items = [((age < lo) | (age > hi),
              f"age outside the training range ({lo:g}-{hi:g} years)")]
    n = summary["n"]
    for name, counts in summary["category_counts"].items():
        rare = [lv for lv, c in counts.items() if c < RARE_COUNT or c < RARE_SHARE * n]
        if not rare:
            continue
        levels = input_levels(frame, name)
        for level in rare:
            items.append((levels == level, f"few training patients with "
                           f"{level_words(name, level)} (n={counts[level]})"))
    return items + _left_out_flags(model, frame)


def _left_out_flags(model: CoxModel, frame: pd.DataFrame) -> list[tuple[np.ndarray, str]]:
    """Patients at a level the training data could not estimate (see estimability)."""
    if not model.left_out_:
        return []
    by_name = {c.name: c for c in candidate_columns(model.covariates, model.terms_)}
    items = []
    for record in model.left_out_:
        col = by_name.get(record.column)
        if col is None or col.level is None or record.reason == "constant":
            continue  # a constant level's patients are flagged as rare above
        mask = input_levels(frame, col.input) == col.level
        partners = [by_name[c] for c in record.same_as if c in by_name]
        if record.reason == "aliased" and len(partners) == 1 and record.sign > 0 \
                and partners[0].level is not None:
            # patients with both levels get the one shared effect: nothing to flag
            other = partners[0]
            mask &= input_levels(frame, other.input) != other.level
            text = (f"{column_words(col)} was estimated only together with "
                    f"{column_words(other)} (the same training patients): counted as "
                    f"{reference_words(col)}")
        elif record.reason == "aliased":
            text = (f"{column_words(col)} was not estimated apart from "
                    f"{', '.join(column_words(c) for c in partners)} in the training data")
        else:
            text = (f"{column_words(col)} could not be estimated from the training "
                    f"data: counted as {reference_words(col)}")
        items.append((mask, text))
    return items
