"""Harrell's C at 100,000 patients: :func:`risk.evaluation.metrics.harrell_c` (scikit-survival's
tie rule, array-only counting) against lifelines' ``concordance_index`` (the reference,
a balanced tree; it ties only exactly equal scores) and scikit-survival's
``concordance_index_censored`` (the rule's source, a loop over deaths; on fewer patients).

Goal: no slower than lifelines.
"""

from __future__ import annotations

import time

PATIENTS = 100_000
SKSURV_PATIENTS = 10_000


def _timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def _cohort(n: int, seed: int, rounded: bool):
    import numpy as np

    rng = np.random.default_rng(seed)
    score = rng.normal(size=n)
    follow_up = rng.exponential(40 * np.exp(-score))
    event = rng.random(n) < 0.7
    if rounded:  # months to 0.1 and scores to 0.01: heavy ties, as in the shipped cohort
        follow_up, score = np.round(follow_up, 1) + 0.1, np.round(score, 2)
    return follow_up, event, score


def main() -> None:
    from lifelines.utils import concordance_index
    from sksurv.metrics import concordance_index_censored

    from risk.evaluation.metrics import harrell_c

    for rounded in (False, True):
        t, e, s = _cohort(PATIENTS, 1, rounded)
        label = "tied times and scores" if rounded else "continuous"
        ref, c_ref = _timed(lambda t=t, e=e, s=s: concordance_index(t, -s, e))
        ours, c_ours = _timed(lambda t=t, e=e, s=s: harrell_c(t, e, s))
        verdict = "meets" if ours <= ref else "MISSES"
        print(f"{label}, {PATIENTS:,} patients: lifelines {ref:.2f} s (C {c_ref:.6f}); "
              f"harrell_c {ours:.2f} s (C {c_ours:.6f}) = {ours / ref:.2f} x reference "
              f"({verdict} the goal)")
        ts, es, ss = t[:SKSURV_PATIENTS], e[:SKSURV_PATIENTS], s[:SKSURV_PATIENTS]
        sk, c_sk = _timed(lambda t=ts, e=es, s=ss: concordance_index_censored(e, t, s)[0],
                          repeat=1)
        ours_small, c_small = _timed(lambda t=ts, e=es, s=ss: harrell_c(t, e, s))
        print(f"  {SKSURV_PATIENTS:,} patients: scikit-survival {sk:.2f} s (C {c_sk:.6f}); "
              f"harrell_c {ours_small:.3f} s (C {c_small:.6f})")
    t, e, s = _cohort(1000, 2, True)
    one, _ = _timed(lambda: harrell_c(t, e, s), repeat=20)
    ll, _ = _timed(lambda: concordance_index(t, -s, e), repeat=20)
    print(f"1,000 patients (a bootstrap score): harrell_c {one * 1000:.2f} ms, "
          f"lifelines {ll * 1000:.2f} ms")


if __name__ == "__main__":
    main()
