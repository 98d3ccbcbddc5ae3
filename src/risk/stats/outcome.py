"""The one check of a survival outcome, used by every fit and every metric."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from risk.errors import ModelError

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def check_outcome(time: ArrayLike, event: ArrayLike, *, min_patients: int = 1
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Follow-up in months (finite, > 0) and death (0/1) as arrays, or a clear error.

    Returns ``(time, died)``: floats and booleans, one per patient. Raises
    :class:`~risk.errors.ModelError` for unequal lengths, fewer than ``min_patients``
    patients, a blank or non-positive time, a death code other than 0/1, or no death.
    """
    t = np.asarray(time, dtype=float).ravel()
    e = np.asarray(event, dtype=float).ravel()
    if t.shape != e.shape:
        raise ModelError(f"Follow-up and death must be two columns of the same length; got "
                         f"{t.size} and {e.size} values.")
    if t.size < min_patients:
        raise ModelError(f"At least {min_patients} patients with follow-up are needed; got "
                         f"{t.size}.")
    if not np.all(np.isfinite(t)) or np.any(t <= 0):
        raise ModelError("Survival times must be positive numbers (months > 0), none blank.")
    if not np.all(np.isin(e, (0.0, 1.0))):
        raise ModelError("The death column must be 0 (alive) or 1 (died), none blank.")
    if not e.any():
        raise ModelError("No deaths: all patients are censored, so survival can be neither "
                         "modelled nor evaluated.")
    return t, e > 0
