"""Shared invariant checks for survival predictions (used over every model)."""

from __future__ import annotations

import numpy as np


def check_survival_curves(curves, lower=None, upper=None, atol: float = 1e-12) -> None:
    """Curves within [0, 1], start at 1, never increase; lower <= estimate <= upper.

    Raises AssertionError with the first problem found (NaN rows are skipped: patients a
    model does not serve).
    """
    curves = np.asarray(curves, dtype=float)
    rows = ~np.isnan(curves).any(axis=1)
    assert rows.any(), "no curve to check"
    c = curves[rows]
    assert np.all((c >= -atol) & (c <= 1 + atol)), "survival function contains values outside [0, 1]"
    assert np.allclose(c[:, 0], 1.0, atol=atol), "survival does not start at 1"
    assert np.all(np.diff(c, axis=1) <= atol), "survival function is not monotonically decreasing"
    for name, band in (("lower", lower), ("upper", upper)):
        if band is None:
            continue
        b = np.asarray(band, dtype=float)[rows]
        assert not np.isnan(b).any(), f"{name} band has NaN where the curve has values"
        assert np.all((b >= -atol) & (b <= 1 + atol)), f"{name} band outside [0, 1]"
    if lower is not None:
        assert np.all(np.asarray(lower)[rows] <= c + atol), "lower band above the estimate"
    if upper is not None:
        assert np.all(np.asarray(upper)[rows] >= c - atol), "upper band below the estimate"
