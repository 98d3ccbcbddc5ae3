"""Prediction objects: survival curves with 95% bands, horizon table, median OS, risk
group, contributions and flags; built for a whole batch at once (no per-patient loop).

- Curves are on the monthly grid 0..120 (:data:`MONTHS`); horizons are 12, 36, 60, 120.
- Median OS: the first grid month where S <= 0.5; its interval from the months where the
  lower and the upper band first reach 0.5. NaN when not reached within 120 months (the
  lower bound may still be given: "median beyond 120 months, not before month m").
- Risk group: from the 5-year survival and the model's two cut-points (tertiles of the
  training cohort's predicted 5-year survival): ``high`` below the lower cut-point,
  ``low`` at or above the upper one, ``intermediate`` between.
- Contributions: each input's share of the log hazard against the reference patient,
  ``sum_j beta_j (x_j - x_ref_j)`` over the input's columns; adding them to the reference
  patient's linear predictor gives the patient's. NaN for an input the model used does not
  have (the liver-biopsy grade for the primary-only model).
- Flags: ``"; "``-joined sentences ("" when none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from risk.i18n import _
from risk.model.bands import BandCalculator
from risk.schema import CURVE_MAX_MONTHS, HORIZONS_MONTHS, label

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from risk.model.bands import CurveArrays

MONTHS = np.arange(0, CURVE_MAX_MONTHS + 1, dtype=float)
#: The risk groups' codes, lowest risk first (their words: ``risk.schema.label``).
RISK_GROUPS = ("low", "intermediate", "high")
FLAG_SEPARATOR = "; "


@dataclass
class Piece:
    """The patients one model serves: their rows in the batch and what bands need."""

    bands: BandCalculator
    rows: np.ndarray  # positions in the batch
    linear_predictor: np.ndarray
    centred: np.ndarray  # x - mean, (len(rows), p)
    #: The bands at the biopsy, when ``bands`` are conditional on survival to some month:
    #: risk groups stay those of the estimate at the biopsy (the cut-points' scale).
    risk_bands: BandCalculator | None = None


class BandSource:
    """Computes the (n, T) curves and bands of a batch, only when someone asks."""

    def __init__(self, n: int, pieces: list[Piece]) -> None:
        self.n = n
        self.pieces = pieces

    def arrays(self) -> CurveArrays:
        shape = (self.n, len(MONTHS))
        out = (np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan))
        for piece in self.pieces:
            piece.bands.bands(piece.linear_predictor, piece.centred, out=out, rows=piece.rows)
        return out

    def take(self, positions: np.ndarray) -> BandSource:
        """The source for the patients at ``positions`` (in that order, repeats allowed)."""
        owner = np.full(self.n, -1)
        index = np.zeros(self.n, dtype=np.intp)
        for k, piece in enumerate(self.pieces):
            owner[piece.rows] = k
            index[piece.rows] = np.arange(len(piece.rows))
        owner, index = owner[positions], index[positions]
        pieces = []
        for k, piece in enumerate(self.pieces):
            new_rows = np.flatnonzero(owner == k)
            if len(new_rows):
                old = index[new_rows]
                pieces.append(Piece(piece.bands, new_rows, piece.linear_predictor[old],
                                    piece.centred[old], piece.risk_bands))
        return BandSource(len(positions), pieces)


class Predictions:
    """One row per input patient, in input order (see the module doc).

    ``curves``, ``lower`` and ``upper`` ((n, 121) arrays on months 0..120) are computed on
    first access and kept: scoring a large batch for its table never builds them.
    """

    def __init__(self, months: np.ndarray, table: pd.DataFrame,
                 contributions: pd.DataFrame, source: BandSource | None = None,
                 arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        if source is None and arrays is None:
            raise ValueError("Predictions need the curves' arrays or a source to compute them")
        self.months = months
        self.table = table
        self.contributions = contributions
        self._source = source
        self._arrays = arrays

    def _get(self, i: int) -> np.ndarray:
        if self._arrays is None:
            assert self._source is not None  # __init__ requires one of the two
            self._arrays = self._source.arrays()
        return self._arrays[i]

    @property
    def curves(self) -> np.ndarray:
        """S(t|x), shape (n, 121)."""
        return self._get(0)

    @property
    def lower(self) -> np.ndarray:
        """Lower limit of the 95% band, shape (n, 121)."""
        return self._get(1)

    @property
    def upper(self) -> np.ndarray:
        """Upper limit of the 95% band, shape (n, 121)."""
        return self._get(2)

    def __len__(self) -> int:
        return len(self.table)

    def take(self, rows: ArrayLike) -> Predictions:
        """The predictions of some patients (positions or a boolean mask)."""
        rows = np.asarray(rows)
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows.astype(np.intp)
        arrays = None if self._arrays is None else (
            self._arrays[0][rows], self._arrays[1][rows], self._arrays[2][rows])
        source = None if self._source is None else self._source.take(rows)
        return Predictions(self.months, self.table.iloc[rows].reset_index(drop=True),
                           self.contributions.iloc[rows].reset_index(drop=True),
                           source, arrays)


def horizon_columns() -> list[str]:
    cols = []
    for h in HORIZONS_MONTHS:
        cols += [f"surv_{h}", f"surv_{h}_lower", f"surv_{h}_upper"]
    return cols


TABLE_COLUMNS = ["patient_id", "model_used", *horizon_columns(), "median_os_months",
                 "median_os_lower", "median_os_upper", "risk_group", "flags",
                 "linear_predictor"]


def risk_groups(surv_60: np.ndarray, cutpoints: Sequence[float] | None) -> NDArray[np.object_]:
    """'high' / 'intermediate' / 'low' from 5-year survival; '' where unknown."""
    out = np.full(len(surv_60), "", dtype=object)
    if cutpoints is None:
        return out
    low_cut, high_cut = cutpoints
    known = ~np.isnan(surv_60)
    out[known] = np.where(surv_60[known] < low_cut, "high",
                          np.where(surv_60[known] >= high_cut, "low", "intermediate"))
    return out


def risk_cutpoints(surv_60: np.ndarray) -> list[float]:
    """Tertiles of the training cohort's predicted 5-year survival."""
    return [float(q) for q in np.quantile(surv_60[~np.isnan(surv_60)], [1 / 3, 2 / 3])]


def join_flags(n: int, items: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """Per patient, the texts whose mask is true, joined by :data:`FLAG_SEPARATOR`."""
    out = np.full(n, "", dtype=object)
    for mask, text in items:
        if mask.any():
            current = out[mask]
            out[mask] = np.where(current == "", text, current + FLAG_SEPARATOR + text)
    return out


def patient_ids(frame: pd.DataFrame) -> NDArray[np.object_]:
    if "patient_id" in frame.columns:
        ids: NDArray[np.object_] = frame["patient_id"].to_numpy().astype(str).astype(object)
        return ids
    return np.arange(1, len(frame) + 1).astype(str).astype(object)


def assemble(source: BandSource, linear_predictor: np.ndarray, model_used: np.ndarray,
             ids: np.ndarray, cutpoints: Sequence[float] | None, flags: np.ndarray,
             contributions: pd.DataFrame) -> Predictions:
    """Build the :class:`Predictions` (table columns in :data:`TABLE_COLUMNS` order)."""
    n = source.n
    at = np.searchsorted(MONTHS, HORIZONS_MONTHS)
    summary: dict[str, NDArray[np.float64]] = {key: np.full((n, len(at)), np.nan)
                                               for key in ("surv", "lower", "upper")}
    summary.update({key: np.full(n, np.nan)
                    for key in ("median", "median_lower", "median_upper", "at_biopsy_60")})
    at_60 = at[list(HORIZONS_MONTHS).index(60)]
    for piece in source.pieces:
        part = piece.bands.summarise(piece.linear_predictor, piece.centred, at)
        at_biopsy = piece.risk_bands or piece.bands
        part["at_biopsy_60"] = np.exp(np.exp(piece.linear_predictor)
                                      * at_biopsy.minus_h0[at_60])
        for key, values in part.items():
            if key.startswith("median"):
                values = np.where(values >= 0, MONTHS[values], np.nan)
            summary[key][piece.rows] = values
    cols: dict[str, object] = {"patient_id": ids, "model_used": model_used}
    for j, h in enumerate(HORIZONS_MONTHS):
        cols[f"surv_{h}"] = summary["surv"][:, j]
        cols[f"surv_{h}_lower"] = summary["lower"][:, j]
        cols[f"surv_{h}_upper"] = summary["upper"][:, j]
    cols["median_os_months"] = summary["median"]
    # the lower band reaches 0.5 first: it gives the lower limit of the median
    cols["median_os_lower"] = summary["median_lower"]
    cols["median_os_upper"] = summary["median_upper"]
    cols["risk_group"] = risk_groups(summary["at_biopsy_60"], cutpoints)
    cols["flags"] = flags
    cols["linear_predictor"] = linear_predictor
    table = pd.DataFrame(cols, columns=TABLE_COLUMNS)
    return Predictions(MONTHS, table, contributions.reset_index(drop=True), source)


def at_horizons(source: BandSource, months: Sequence[float]) -> pd.DataFrame:
    """``surv_{m}``, ``surv_{m}_lower``, ``surv_{m}_upper`` for each of ``months`` (months
    of the grid): those columns of :func:`assemble`'s table, bit for bit, without the
    rest of it (no medians, risk groups, flags or contributions)."""
    at = np.searchsorted(MONTHS, months)
    if np.any(at >= len(MONTHS)) or np.any(MONTHS[np.minimum(at, len(MONTHS) - 1)] != months):
        raise ValueError(f"{list(months)!r} are not all months of the grid 0..{MONTHS[-1]:g}")
    values = {key: np.full((source.n, len(at)), np.nan) for key in ("surv", "lower", "upper")}
    for piece in source.pieces:
        part = piece.bands.summarise(piece.linear_predictor, piece.centred, at, medians=False)
        for key, out in values.items():
            out[piece.rows] = part[key]
    return pd.DataFrame({f"surv_{m:g}{suffix}": values[key][:, j]
                         for j, m in enumerate(months)
                         for key, suffix in (("surv", ""), ("lower", "_lower"),
                                             ("upper", "_upper"))})


def describe_cutpoints(cutpoints: Sequence[float] | None) -> str:
    """The risk groups' definition in words, from the 5-year survival cut-points."""
    if cutpoints is None or len(cutpoints) != 2:
        return _("This model version has no risk cut-points (not recorded with it).")
    low_cut, high_cut = (100.0 * float(c) for c in cutpoints)
    high, low = label("risk_group", "high"), label("risk_group", "low").lower()
    return (_("{high}: predicted 5-year survival below {low_cut:.0f}%; intermediate: "
              "{low_cut:.0f}% to {high_cut:.0f}%; {low}: {high_cut:.0f}% or more "
            "(tertiles of the training cohort).").format(
                high=high, low=low, low_cut=low_cut, high_cut=high_cut))


def describe_risk_group_basis(alive_months: float | None) -> str:
    """Why a risk group can disagree with the conditional estimates beside it ("" at the
    biopsy): the groups are cut on 5-year survival at the biopsy (:func:`risk_groups`)."""
    if not alive_months:
        return ""
    return _("The risk group is set by the 5-year survival estimated at the biopsy; the "
             "survival figures given alive at {alive_months:g} months can lie in another "
             "group's range.").format(alive_months=alive_months)
