"""Why one patient's estimate deserves more doubt than its interval shows: an age outside
the training range, a level few training patients had, a level the training data could
not estimate (:mod:`risk.stats.estimability`). Each is a (mask, text) pair for a batch."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from risk.i18n import _
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
              _("age outside the training range ({lo:g}-{hi:g} years)").format(lo=lo, hi=hi))]
    n = summary["n"]
    for name, counts in summary["category_counts"].items():
        rare = [lv for lv, c in counts.items() if c < RARE_COUNT or c < RARE_SHARE * n]
        if not rare:
            continue
        levels = input_levels(frame, name)
        for level in rare:
            items.append((levels == level, _("few training patients with {v0} (n={v1})").format(v0=level_words(name, level), v1=counts[level])))
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
            text = (_("{v0} was estimated only together with {v1} (the same training patients): counted as {v2}").format(v0=column_words(col), v1=column_words(other), v2=reference_words(col)))
        elif record.reason == "aliased":
            text = (_("{v0} was not estimated apart from {v1} in the training data").format(v0=column_words(col), v1=', '.join(column_words(c) for c in partners)))
        else:
            text = (_("{v0} could not be estimated from the training data: counted as {v1}").format(v0=column_words(col), v1=reference_words(col)))
        items.append((mask, text))
    return items
