"""95% intervals of a Cox-predicted survival curve.

For a patient with centred covariates ``z = x - mean`` and linear predictor
``lp = z . beta``, the predicted cumulative hazard is ``H(t|x) = H0(t) exp(lp)``. The
baseline ``H0`` and the sums ``V0`` and ``A`` come from the project's one baseline,
:func:`risk.stats.baseline.baseline_aggregates` (Efron's increments at tied deaths, as
R's ``survfit.coxph`` after ``coxph(ties = "efron")``). The variance of the predicted
cumulative hazard (Tsiatis 1981; the form R's ``survfit.coxph`` uses) is

    var H(t|x) = exp(2 lp) [ V0(t)  +  q(t)' V q(t) ],   q(t) = H0(t) z - A(t),

``V`` the coefficients' covariance (lifelines' ``variance_matrix_``; with a penalizer,
the penalised fit's). The first term is the baseline's own noise, the second the
coefficients' (delta method). The tests check H0 and the standard error against R's
printed ``basehaz`` and ``survfit(fit, newdata)$std.err`` on tied data.

The model stores only aggregates on the monthly grid 0..120: ``H0``, ``V0`` and
``A`` (p numbers per month), never patient rows, linearly interpolated between event
times (``between="linear"`` of the baseline).

Intervals are built on the log(-log S) scale: ``log H(t|x) = log H0(t) + lp`` with
standard error ``se = sqrt(var H) / H``, so ``S_lower = exp(-H e^{+1.96 se})`` and
``S_upper = exp(-H e^{-1.96 se})``. They stay inside (0, 1) and their coverage at
moderate sample sizes is checked by simulation in the tests. (R's default is the "log"
scale; log-log is the choice of Kalbfleisch and Prentice and of SAS and Stata.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from risk.i18n import N_
from risk.stats.baseline import Baseline
from risk.stats.normal import Z_95

if TYPE_CHECKING:
    from numpy.typing import NDArray

    #: Three (n, T) arrays: curves, lower and upper bands.
    CurveArrays = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]

#: How a patient's 95% intervals are computed, for the model card and the Model page.
INTERVAL_METHOD = N_(
    "95% intervals of a patient's survival combine the uncertainty of the baseline hazard "
    "and of the coefficients (Tsiatis 1981; the variance R's survfit.coxph reports, with "
    "Efron's increments at tied deaths), on the log(-log) scale of Kalbfleisch and "
    "Prentice; the coefficients' covariance is inflated by d/(d - p) (d deaths, p "
    "coefficients), a small-sample correction that vanishes in large cohorts. The "
    "median's interval is where the survival interval crosses 50%. Their coverage of the "
    "true survival is measured by simulation from known models of other hospitals "
    "(benchmarks/bench_coverage.py).")


def single_blas_thread(n: int) -> contextlib.AbstractContextManager[object]:
    """One BLAS thread for batches: these small products lose time to thread hand-offs
    (measured 2-4x slower with threads on the 2-core machine); nothing for one patient.
    The libraries are scanned once per process (:func:`risk.stats.cox_solver.one_blas_thread`;
    a scan per call was about 0.15 s of a 50,000-patient chunk)."""
    if n < 256:
        return contextlib.nullcontext()
    from risk.stats.cox_solver import one_blas_thread

    return one_blas_thread()


class BandCalculator:
    """Vectorised survival curves and 95% bands for many patients at once.

    Built once per model: the variance of every patient's log cumulative hazard at every
    month is then ONE matrix product ``[z, z'Vz, 1] @ [-2 V A(t)' H0(t); H0(t)^2;
    A(t)'V A(t) + V0(t)]`` and element-wise work, in cache-sized chunks of patients.
    """

    def __init__(self, baseline: Baseline, covariance: np.ndarray, level: float = 0.95):
        if level == 0.95:
            self.quantile = Z_95
        else:
            from statistics import NormalDist
            self.quantile = NormalDist().inv_cdf(0.5 + level / 2)
        self.h0 = baseline.cumulative_hazard
        self.v = covariance
        va = covariance @ baseline.a.T  # (p, T)
        ava = np.einsum("tp,pt->t", baseline.a, va)  # A' V A per month
        self.variance_rows = np.vstack([va * (-2.0 * self.h0), self.h0**2,
                                        ava + baseline.variance_term])
        positive = self.h0 > 0
        self.quantile_over_h0 = np.divide(self.quantile, self.h0,
                                          out=np.zeros_like(self.h0), where=positive)
        self.log_h0 = np.full_like(self.h0, -np.inf)
        np.log(self.h0, out=self.log_h0, where=positive)
        self.minus_h0 = -self.h0

    def _variance(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """(var H(t|x) / exp(2 lp), i.e. H0^2 var log H) for each patient and month."""
        zv = np.empty((len(z), z.shape[1] + 2))
        zv[:, :-2] = z
        zv[:, -2] = np.einsum("np,np->n", z @ self.v, z)
        zv[:, -1] = 1.0
        np.matmul(zv, self.variance_rows, out=out)
        np.maximum(out, 0.0, out=out)
        return out

    def _log_spread(self, z: np.ndarray, out: np.ndarray) -> np.ndarray:
        """quantile x se(log H(t|x)); 0 before the first death (H0 = 0)."""
        np.sqrt(self._variance(z, out), out=out)
        out *= self.quantile_over_h0
        return out

    def cumulative_hazard_se(self, lp: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Standard error of H(t|x), shape (n, T) (R's ``survfit`` ``std.err`` scale)."""
        var = self._variance(z, np.empty((len(lp), len(self.h0))))
        se: NDArray[np.float64] = np.exp(lp)[:, None] * np.sqrt(var)
        return se

    def bands(self, lp: np.ndarray, z: np.ndarray, out: CurveArrays | None = None,
              rows: NDArray[np.intp] | None = None,
              chunk: int = 2048) -> CurveArrays:
        """(curves, lower, upper), each (n, T); ``z`` = centred covariates (n, p).

        With ``out`` (three arrays) and ``rows``, patient i is written to row ``rows[i]``.
        """
        n, T = len(lp), len(self.h0)
        if out is None:
            out, rows = (np.empty((n, T)), np.empty((n, T)), np.empty((n, T))), None
        buffers = [np.empty((min(chunk, n), T)) for _ in range(4)]
        with single_blas_thread(n):
            for start in range(0, n, chunk):
                stop = min(start + chunk, n)
                parts = [b[: stop - start] for b in buffers]
                self._bands_into(lp[start:stop], z[start:stop], *parts)
                target = slice(start, stop) if rows is None else rows[start:stop]
                for dest, part in zip(out, parts[:3], strict=True):
                    dest[target] = part
        return out

    def _bands_into(self, lp: NDArray[np.float64], z: NDArray[np.float64],
                    curves: NDArray[np.float64], lower: NDArray[np.float64],
                    upper: NDArray[np.float64], work: NDArray[np.float64]) -> None:
        spread = np.exp(self._log_spread(z, work), out=work)  # on the hazard scale
        np.outer(np.exp(lp), self.minus_h0, out=upper)  # -H(t|x)
        np.exp(upper, out=curves)
        np.multiply(upper, spread, out=lower)
        np.exp(lower, out=lower)
        np.divide(upper, spread, out=upper)
        np.exp(upper, out=upper)

    def summarise(self, lp: np.ndarray, z: np.ndarray, columns: Sequence[int] | NDArray[np.intp],
                  chunk: int = 2048, medians: bool = True) -> dict[str, np.ndarray]:
        """What the prediction table needs, without keeping (n, T) arrays.

        ``surv``/``lower``/``upper`` at the grid ``columns`` (n, k); ``median``,
        ``median_lower``, ``median_upper`` (only with ``medians``): first grid index where
        the curve / lower band / upper band is <= 0.5 (-1 if never). The bands' crossings
        are found on the log scale (``lp + log H0 +- quantile x se >= log log 2``), with no
        exponentials. The spread is computed on the whole grid even for a few ``columns``
        (the same arithmetic, so the same bits, whichever columns are asked).
        """
        n, T, k = len(lp), len(self.h0), len(columns)
        out: dict[str, np.ndarray] = {}
        threshold = np.log(np.log(2.0)) - lp
        relative_hazard = np.exp(lp)
        hazard_at = np.outer(relative_hazard, self.minus_h0[columns])
        spread = np.empty((n, k))
        if medians:
            out["median"] = self._median_index(relative_hazard)
            out["median_lower"] = np.empty(n, dtype=np.int64)
            out["median_upper"] = np.empty(n, dtype=np.int64)
        work, bound = np.empty((min(chunk, n), T)), np.empty((min(chunk, n), T))
        reached = np.empty((min(chunk, n), T), dtype=bool)
        with single_blas_thread(n):
            for start in range(0, n, chunk):
                rows = slice(start, min(start + chunk, n))
                m = rows.stop - start
                zse = self._log_spread(z[rows], work[:m])
                spread[rows] = zse[:, columns]
                if medians:
                    limit = threshold[rows, None]
                    np.greater_equal(np.add(self.log_h0, zse, out=bound[:m]), limit,
                                     out=reached[:m])
                    out["median_lower"][rows] = _first_true(reached[:m])
                    np.greater_equal(np.subtract(self.log_h0, zse, out=bound[:m]), limit,
                                     out=reached[:m])
                    out["median_upper"][rows] = _first_true(reached[:m])
        np.exp(spread, out=spread)
        out["surv"] = np.exp(hazard_at)
        out["lower"] = np.exp(hazard_at * spread)
        out["upper"] = np.exp(hazard_at / spread)
        return out

    def _median_index(self, relative_hazard: np.ndarray) -> np.ndarray:
        """First grid index where S = exp(-H0 e^lp) <= 0.5, -1 if never.

        The rule is the grid's: the first whole month at or below 50%, so a curve that
        stays at exactly 50% gives the flat's first month, not its middle (the
        Kaplan-Meier rule); :data:`risk.model.patient_estimate.PREDICTED_MEDIAN_RULE` says so where it
        is shown.

        A binary search on H0 (non-decreasing), then one step each way checked with the
        curve's own arithmetic so that it agrees with the (n, T) curves to the last bit.
        """
        T = len(self.h0)
        idx = np.searchsorted(self.h0, np.log(2.0) / relative_hazard, side="left")

        def at_or_below(i: NDArray[np.intp]) -> NDArray[np.bool_]:
            below: NDArray[np.bool_] = np.exp(
                relative_hazard * self.minus_h0[np.clip(i, 0, T - 1)]) <= 0.5
            return below

        idx = np.where((idx < T) & ~at_or_below(idx), idx + 1, idx)
        idx = np.where((idx > 0) & at_or_below(idx - 1), idx - 1, idx)
        return np.where((idx < T) & at_or_below(idx), idx, -1)


def _first_true(mask: np.ndarray) -> np.ndarray:
    """Index of the first True in each row, -1 if none (one pass: argmax, then a look)."""
    first = np.argmax(mask, axis=1)
    return np.where(mask[np.arange(len(mask)), first], first, -1)
