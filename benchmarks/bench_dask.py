"""Site evaluation on a Dask cluster: bootstrap refits on one process against a
``distributed.LocalCluster`` of 2 worker processes (1 thread each), same seeds.

What `python -m risk evaluate --dask-scheduler ADDRESS` does for a large site cohort: the
refits (the slow part) go to the cluster through joblib's Dask backend. Reference measured
in the same run: the same refits in this one process (``n_jobs=1``). The results must be
equal (resample b's rows come from its own spawned seed, whatever runs it); the benchmark
says so and prints the largest difference. Workers are warmed up first (their imports are
not the refits' cost); the cold first run is printed too.
"""

from __future__ import annotations

import time

PATIENTS = 2000
RESAMPLES = 200
WORKERS = 2
SEED = 20250517


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def largest_difference(a: list[dict], b: list[dict]) -> float:
    """The largest absolute difference between two runs' scores (inf if shaped apart)."""
    import numpy as np

    def values(results):
        return np.array([[r[part][k] for part in ("apparent", "test") for k in sorted(r[part])]
                         for r in results], float)

    x, y = values(a), values(b)
    if x.shape != y.shape:
        return float("inf")
    both_nan = np.isnan(x) & np.isnan(y)
    return float(np.max(np.where(both_nan, 0.0, np.abs(x - y)), initial=0.0))


def main() -> None:
    import os

    import distributed

    from risk.data.validation import canonicalise
    from risk.evaluation import bootstrap as boot
    from risk.evaluation.report import run_bootstrap
    from risk.model import BiopsyRiskModel
    from risk.synthetic.generator import generate_cohort

    frame = canonicalise(generate_cohort(PATIENTS, SEED))
    model = BiopsyRiskModel(extra_terms=[]).fit(frame)
    plan = boot.plan_refits(model, frame)
    indices = boot.resample_indices(len(frame), RESAMPLES, seed=0)

    run_bootstrap(plan, indices[:2], n_jobs=1)  # warm up this process
    local_s, local = _timed(lambda: run_bootstrap(plan, indices, n_jobs=1))
    print(f"reference: {RESAMPLES} bootstrap refits of the pair on {PATIENTS} patients, "
          f"one process: {local_s:.2f} s ({local_s / RESAMPLES * 1000:.1f} ms per refit)")

    with distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", protocol="tcp",
                                  dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        cold_s, _ = _timed(lambda: run_bootstrap(plan, indices[:2 * WORKERS],
                                                 dask_scheduler=address))
        dask_s, remote = _timed(lambda: run_bootstrap(plan, indices, dask_scheduler=address))
    gap = largest_difference(local, remote)
    print(f"Dask LocalCluster, {WORKERS} worker processes x 1 thread: {dask_s:.2f} s "
          f"= {local_s / dask_s:.2f}x speed-up against one process "
          f"(cold start with {2 * WORKERS} refits: {cold_s:.2f} s)")
    same = "equal" if gap == 0.0 else ("equal to 1e-12" if gap <= 1e-12 else "DIFFERENT")
    print(f"  results of the {RESAMPLES} refits: {same} (largest difference {gap:.3g}); "
          f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(other work on the machine lowers the speed-up)")


if __name__ == "__main__":
    main()
