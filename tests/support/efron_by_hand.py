"""Efron's baseline after a Cox fit, written out one death time at a time (as in R's
``agsurv``/``agsurv5`` for ``survfit.coxph``): the independent check of
:func:`risk.stats.baseline.baseline_aggregates`."""

from __future__ import annotations

import numpy as np


def efron_baseline(z, time, death, coef, until) -> tuple[float, float, np.ndarray]:
    """(H0, V0, A) at ``until`` for centred covariates ``z`` (n, p).

    At each death time u with d deaths: phi_k = S0 - (k/d) D0 for k = 0..d-1, and
    dH0 = sum 1/phi_k, dV0 = sum 1/phi_k^2, dA = sum (S1 - (k/d) D1) / phi_k^2.
    """
    z = np.asarray(z, dtype=float).reshape(len(time), -1)
    time, death = np.asarray(time, dtype=float), np.asarray(death, dtype=float)
    w = np.exp(z @ np.asarray(coef, dtype=float))
    h0, v0, a = 0.0, 0.0, np.zeros(z.shape[1])
    for u in sorted(set(time[(death == 1) & (time <= until)])):
        at_risk, dead = time >= u, (time == u) & (death == 1)
        d = int(dead.sum())
        s0, d0 = w[at_risk].sum(), w[dead].sum()
        s1, d1 = (w[at_risk, None] * z[at_risk]).sum(axis=0), (w[dead, None] * z[dead]).sum(axis=0)
        for k in range(d):
            phi = s0 - k / d * d0
            h0 += 1 / phi
            v0 += 1 / phi**2
            a += (s1 - k / d * d1) / phi**2
    return h0, v0, a
