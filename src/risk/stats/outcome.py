"""The one check of a survival outcome, used by every fit and every metric."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from risk.errors import ModelError

if TYPE_CHECKING:
    import pandas as pd
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


def pfs_event(progression: ArrayLike, death: ArrayLike, pfs_months: ArrayLike,
              os_months: ArrayLike) -> np.ndarray:
    """The progression-free survival event, defined once: progression seen at
    ``pfs_months`` (``progression == 1``), or a death without progression before it
    (``death == 1`` with ``pfs_months == os_months``). Booleans, one per patient; a
    blank anywhere is no event."""
    progressed = np.asarray(progression, dtype=float) == 1
    died = np.asarray(death, dtype=float) == 1
    at_death = np.asarray(pfs_months, dtype=float) == np.asarray(os_months, dtype=float)
    event: np.ndarray = progressed | (died & at_death)
    return event


def pfs_outcome(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, months, event)`` of the patients of a canonical frame with PFS recorded:
    their positions, ``pfs_months`` and :func:`pfs_event`. Empty when the frame has no
    PFS columns or none filled."""
    if "pfs_months" not in frame or "progression" not in frame:
        empty = np.array([], dtype=float)
        return np.array([], dtype=np.int64), empty, empty.astype(bool)
    months = frame["pfs_months"].to_numpy(dtype=float)
    rows = np.flatnonzero(np.isfinite(months) &
                          np.isfinite(frame["progression"].to_numpy(dtype=float)))
    sub = frame.iloc[rows]
    event = pfs_event(sub["progression"], sub["death"], sub["pfs_months"], sub["os_months"])
    return rows, months[rows], event


def has_pfs(frame: pd.DataFrame) -> bool:
    """True when some patient of the canonical frame has PFS recorded."""
    return bool(pfs_outcome(frame)[0].size)


class PfsCounts(NamedTuple):
    """Patients with PFS recorded, their PFS events (:func:`pfs_event`) and how many of
    those were progressions (the rest: deaths without progression)."""

    patients: int
    events: int
    progressions: int


def pfs_counts(frame: pd.DataFrame) -> PfsCounts:
    """:class:`PfsCounts` of a canonical frame (all 0 when it has no PFS)."""
    rows, _, event = pfs_outcome(frame)
    progressed = frame["progression"].to_numpy(dtype=float)[rows] == 1 if rows.size else rows
    return PfsCounts(int(rows.size), int(np.sum(event)), int(np.sum(progressed)))
