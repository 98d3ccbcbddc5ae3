"""Site summaries of three simulated hospitals (coverage_sim's populations), evaluated
separately with one small fitted model: shared by the pooling, CLI and page tests."""

from __future__ import annotations

import functools

from coverage_sim import hospital_of, simulate_cohort
from evaluation_fixtures import fitted

from risk.evaluation import build_site_summary, evaluate

MODEL_SHA = "0123456789abcdef" * 4  # a sha256 (hex digits, as a real one reads)
SEEDS = (0, 1, 2)
#: The sites' names (and, with ``.json``, their files'), from their seed.
NAMES = "Hospital {seed}"


@functools.cache
def hospital_cohort(seed: int, n: int = 260):
    return simulate_cohort(hospital_of(seed), n, seed)


@functools.cache
def _evaluated(seed: int):
    return evaluate(fitted(), hospital_cohort(seed), bootstrap=0)


@functools.cache
def site_summary(seed: int, version: str = "v1", sha: str = MODEL_SHA, names: str = NAMES):
    frame = hospital_cohort(seed)
    return build_site_summary(_evaluated(seed), frame["os_months"], frame["death"],
                              site=names.format(seed=seed), model_version=version,
                              model_sha256=sha)


def site_files(seeds=SEEDS, names: str = NAMES) -> list[tuple[str, bytes]]:
    """The summaries' files: ``site{seed}.json``, or the site's name with ``.json``
    when ``names`` is given."""
    file = "site{seed}.json" if names == NAMES else names + ".json"
    return [(file.format(seed=seed), site_summary(seed, names=names).to_json().encode())
            for seed in seeds]


def counts_only_file(name: str = "small") -> tuple[str, bytes]:
    """A centre with too few deaths for metrics: its summary has counts and a note only."""
    frame = hospital_cohort(0).head(40)
    died = (frame["death"] > 0).cumsum() <= 3
    summary = build_site_summary(None, frame["os_months"], frame["death"].where(died, 0),
                                 site=name, model_version="v1", model_sha256=MODEL_SHA)
    return f"{name}.json", summary.to_json().encode()
