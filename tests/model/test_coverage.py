"""Coverage of the served 95% intervals on cohorts from other hospitals (known truth),
and checks of the instrument itself (tests/support/coverage_sim.py).

The full measurement (200 cohorts at n = 300, 1,000, 5,000, with the diagnosis) is
``make coverage`` (benchmarks/bench_coverage.py).
"""

import dataclasses

import coverage_sim as sim
import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from risk.schema import COLUMN_NAMES, DERIVED_COLUMNS

#: Overall coverage of the true 1-, 3- and 5-year survival accepted by the CI check.
#: Measured on the current code (seeds 0-39, n = 500): 91.4% (2,400 cases); the
#: target is 95%, and intervals covering more than 99% are too wide.
COVERAGE_RANGE = (0.88, 0.99)
CI_COHORTS, CI_N = 40, 500


def _km_at(frame: pd.DataFrame, months) -> np.ndarray:
    km = KaplanMeierFitter().fit(frame["os_months"], frame["death"])
    return km.survival_function_at_times(months).to_numpy()


@pytest.mark.parametrize("seed", range(len(sim.HOSPITALS)))
def test_each_hospital_gives_valid_deterministic_training_cohorts(seed):
    hospital = sim.hospital_of(seed)
    frame = sim.simulate_cohort(hospital, 400, seed)
    assert list(frame.columns) == [*COLUMN_NAMES, *DERIVED_COLUMNS]
    assert len(frame) == 400 and frame["death"].sum() > 100
    without = frame["met_grade"].isna()
    assert 0 < without.sum() < 120
    assert frame.loc[without, "primary_grade"].notna().all()  # the validator's rule
    pd.testing.assert_frame_equal(frame, sim.simulate_cohort(hospital, 400, seed))
    assert hospital.shape != 1.1


def test_hospitals_differ_in_case_mix():
    g3 = {h.name: h.primary_p[2] for h in sim.HOSPITALS}
    assert g3["high_grade_referral"] >= 0.4 > g3["small_bowel_centre"]
    assert len({h.shape for h in sim.HOSPITALS}) == len(sim.HOSPITALS)


@pytest.mark.parametrize("hospital", sim.HOSPITALS, ids=lambda h: h.name)
def test_truth_is_the_survival_the_cohort_is_drawn_from(hospital):
    """Kaplan-Meier of 20,000 patients (censoring independent of the inputs) against the
    mean true survival of the same patients (SE of KM here < 0.005)."""
    frame = sim.simulate_cohort(hospital, 20_000, 77)
    truth = sim.true_survival(hospital, frame, sim.HORIZONS).mean(axis=0)
    np.testing.assert_allclose(_km_at(frame, sim.HORIZONS), truth, atol=0.015)


def test_truth_without_a_liver_grade_is_the_marginal_over_the_liver_grade():
    """Patients without a biopsy: the mixture truth over P(liver grade | primary grade)
    matches their Kaplan-Meier curve, while the truth at the commonest liver grade does
    not."""
    hospital = dataclasses.replace(sim.HOSPITALS[2], missing_biopsy=0.6)
    frame = sim.simulate_cohort(hospital, 30_000, 5)
    without = frame[frame["met_grade"].isna() & (frame["primary_grade"] == "G2")]
    assert len(without) > 5000
    km = _km_at(without, sim.HORIZONS)
    mixture = sim.true_survival(hospital, without, sim.HORIZONS).mean(axis=0)
    np.testing.assert_allclose(km, mixture, atol=0.02)
    one_grade = sim.true_survival(hospital, without.assign(met_grade="G2"), sim.HORIZONS)
    assert np.max(np.abs(km - one_grade.mean(axis=0))) > 0.05


def test_true_median_halves_the_true_survival():
    hospital = sim.HOSPITALS[3]
    panel = sim.evaluation_panel(hospital)
    medians = sim.true_median(hospital, panel)
    at_median = [sim.true_survival(hospital, panel.iloc[[i]], [m])[0, 0]
                 for i, m in enumerate(medians)]
    np.testing.assert_allclose(at_median, 0.5, atol=1e-9)
    assert panel["met_grade"].isna().sum() == sim.PANEL_WITHOUT_BIOPSY


def test_median_coverage_reads_not_reached_limits():
    truth = np.array([50.0, 50.0, 150.0, 150.0, 50.0, 130.0])
    lower = np.array([40.0, 55.0, 100.0, np.nan, np.nan, 100.0])
    upper = np.array([60.0, 70.0, np.nan, np.nan, np.nan, 120.0])
    assert sim.median_covered(truth, lower, upper).tolist() == [
        True, False, True, True, False, False]


@pytest.mark.slow
def test_intervals_cover_the_truth_about_95_percent():
    """40 cohorts of 500 (10 per hospital, seeds 0-39) trained as production trains
    (``BiopsyRiskModel()``), 20 panel patients each: the 95% intervals of the 1-, 3- and
    5-year survival (2,400 cases; cluster SE about 1 point) and of the median (800) must
    cover the truth in 88-99% of cases. About 20 s of one core (up to 40 s on a loaded
    machine)."""
    results = [sim.cohort_coverage(seed, CI_N) for seed in range(CI_COHORTS)]
    rows = pd.concat([r.rows for r in results], ignore_index=True)
    survival = rows[rows["quantity"] != "median"]
    low, high = COVERAGE_RANGE
    summary = sim.coverage_summary(rows).set_index("quantity")["coverage"].round(3).to_dict()
    assert low <= survival["covered"].mean() <= high, summary
    assert low <= rows.loc[rows["quantity"] == "median", "covered"].mean() <= high, summary
