"""Site summaries of three simulated hospitals (coverage_sim's populations), evaluated
separately with one small fitted model: shared by the pooling, CLI and page tests."""

from __future__ import annotations

import functools

from coverage_sim import hospital_of, simulate_cohort
from evaluation_fixtures import fitted

from risk.evaluation import build_site_summary, evaluate

MODEL_SHA = "ab" * 32
SEEDS = (0, 1, 2)


@functools.cache
def hospital_cohort(seed: int, n: int = 260):
    return simulate_cohort(hospital_of(seed), n, seed)


@functools.cache
def site_summary(seed: int, version: str = "v1", sha: str = MODEL_SHA):
    frame = hospital_cohort(seed)
    report = evaluate(fitted(), frame, bootstrap=0)
    return build_site_summary(report, frame["os_months"], frame["death"],
                              site=f"Hospital {seed}", model_version=version,
                              model_sha256=sha)


def site_files(seeds=SEEDS) -> list[tuple[str, bytes]]:
    return [(f"site{seed}.json", site_summary(seed).to_json().encode()) for seed in seeds]
