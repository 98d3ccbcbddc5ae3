"""evaluate(): each number equals lifelines/scikit-survival on the served predictions,
known behaviour on simulated truths, bootstrap determinism, Dask equals local."""

import json

import numpy as np
import pandas as pd
import pytest
from evaluation_fixtures import cohort, fitted, outcomes_from_model
from lifelines import CoxPHFitter
from lifelines.utils import concordance_index
from sksurv.metrics import brier_score, concordance_index_ipcw, cumulative_dynamic_auc
from sksurv.util import Surv

from risk.evaluation import bootstrap as boot
from risk.evaluation import report as evaluation
from risk.evaluation.document import REPORT_FORMAT, EvaluationReport
from risk.evaluation.report import EvaluationError, evaluate
from risk.model import BiopsyRiskModel

REQUIRED_KEYS = (
    "n", "events", "harrell_c", "harrell_c_lower", "harrell_c_upper", "uno_c", "auc_12",
    "auc_36", "auc_60", "brier_12", "brier_36", "brier_60", "ibs", "calibration_slope_60",
    "calibration_in_the_large_60", "ici_60", "harrell_c_corrected",
    "calibration_slope_corrected", "comparator", "delta_c", "delta_c_lower", "delta_c_upper",
    "nri_60", "lr_test_p", "decision_curve", "calibration_curve",
)


@pytest.fixture(scope="module")
def model():
    return fitted()


@pytest.fixture(scope="module")
def frame():
    return cohort(300, 11)


@pytest.fixture(scope="module")
def report(model, frame):
    return evaluate(model, frame, bootstrap=8, seed=3, n_jobs=1)


def _served(model, frame):
    table = model.predict(frame).table
    comparator = model.predict_both(frame)["primary_only"].table
    return table, comparator


def test_report_has_every_key_and_is_strict_json(report):
    data = report.to_dict()
    missing = [k for k in REQUIRED_KEYS if k not in data]
    assert missing == []
    json.dumps(data, allow_nan=False)
    for key in ("harrell_c", "uno_c", "auc_60", "brier_60", "ici_60"):
        assert key in data["comparator"]
    assert data["n"] == 300 and data["events"] == 125


def test_the_json_report_reads_back_to_the_same_report(model, frame, report):
    """report.json is a product: what from_dict reads, to_dict writes again, key for key
    and in the same order; the typed headline holds the numbers of the JSON."""
    short = frame.assign(death=np.where(frame["os_months"] > 50, 0, frame["death"]),
                         os_months=np.minimum(frame["os_months"], 50.0))
    for each in (report, evaluate(model, short, bootstrap=0)):
        data = each.to_dict()
        again = EvaluationReport.from_dict(json.loads(json.dumps(data)))
        assert json.dumps(again.to_dict()) == json.dumps(data)
        assert again.headline == each.headline and again.comparator == each.comparator
    data = report.to_dict()
    assert report.headline.harrell_c == data["harrell_c"]
    assert report.headline.harrell_c_corrected == data["harrell_c_corrected"]
    assert report.comparator.uno_c_lower == data["comparator"]["uno_c_lower"]
    assert report.calibration["60"].groups[0].n == data["calibration"]["60"]["groups"][0]["n"]
    assert report.summary() == {k: data[k] for k in report.summary()}


def test_a_report_of_another_format_is_refused():
    with pytest.raises(EvaluationError, match=f"reads format {REPORT_FORMAT}"):
        EvaluationReport.from_dict({"report_format": REPORT_FORMAT + 1})
    with pytest.raises(EvaluationError, match="not an evaluation report"):
        EvaluationReport.from_dict({"harrell_c": "high", "subgroups": [1]})


def test_headline_metrics_equal_lifelines_and_scikit_survival(model, frame, report):
    table, comparator = _served(model, frame)
    t, e = frame["os_months"].to_numpy(), frame["death"].to_numpy().astype(bool)
    y = Surv.from_arrays(e, t)
    data = report.to_dict()
    for metrics, tab in ((data, table), (data["comparator"], comparator)):
        risk60 = 1 - tab["surv_60"].to_numpy()
        assert metrics["harrell_c"] == pytest.approx(concordance_index(t, -risk60, e), abs=1e-12)
        assert metrics["uno_c"] == pytest.approx(
            concordance_index_ipcw(y, y, risk60, tau=60)[0], abs=1e-12)
        surv = tab[["surv_12", "surv_36", "surv_60"]].to_numpy()
        auc = cumulative_dynamic_auc(y, y, 1 - surv[:, 0], [12])[0][0]
        assert metrics["auc_12"] == pytest.approx(auc, abs=1e-12)
        briers = brier_score(y, y, surv, [12, 36, 60])[1]
        np.testing.assert_allclose([metrics[f"brier_{h}"] for h in (12, 36, 60)], briers,
                                   atol=1e-12)


def test_intervals_bracket_the_estimates(report):
    data = report.to_dict()
    assert data["harrell_c_lower"] <= data["harrell_c"] <= data["harrell_c_upper"]
    assert data["uno_c_lower"] <= data["uno_c_upper"]
    assert data["delta_c_lower"] <= data["delta_c_upper"]
    assert data["calibration_slope_60_lower"] < data["calibration_slope_60"] \
        < data["calibration_slope_60_upper"]


def test_value_of_the_biopsy_on_patients_with_a_grade(model, frame, report):
    bio = report.biopsy_value
    biopsied = frame[frame["met_grade"].notna()]
    table, comparator = _served(model, biopsied)
    t, e = biopsied["os_months"].to_numpy(), biopsied["death"].to_numpy()
    c_bio = concordance_index(t, table["surv_60"].to_numpy(), e)
    c_comp = concordance_index(t, comparator["surv_60"].to_numpy(), e)
    assert bio.n == len(biopsied)
    assert bio.delta_c == pytest.approx(c_bio - c_comp, abs=1e-12)
    counts = sum(cell.n for cell in bio.reclassification)
    assert counts == len(biopsied)
    # LR test: the liver grade terms on top of the comparator's covariates, refitted
    nested = pd.DataFrame(model.comparator_model_.design(biopsied),
                          columns=list(model.comparator_model_.coef_.index))
    full = nested.assign(g2=biopsied["met_grade"].eq("G2").to_numpy(float),
                         g3=biopsied["met_grade"].eq("G3").to_numpy(float))
    nested = nested.loc[:, nested.std() > 0]
    full = full.loc[:, full.std() > 0]
    fits = [CoxPHFitter().fit(d.assign(t=t, e=e), "t", "e") for d in (nested, full)]
    stat = 2 * (fits[1].log_likelihood_ - fits[0].log_likelihood_)
    assert bio.lr_test.df == 2
    assert bio.lr_test.statistic == pytest.approx(stat, rel=1e-4)


def test_decision_curve_and_subgroups(report):
    data = report.to_dict()
    curve = data["decision_curve"]
    assert len(curve) == 46 and curve[0]["threshold"] == 0.05 and curve[-1]["threshold"] == 0.5
    assert all(p["treat_none"] == 0 for p in curve)
    for variable in ("primary_site", "primary_grade"):
        rows = [r for r in data["subgroups"] if r["variable"] == variable]
        assert sum(r["n"] for r in rows) == 300
        assert sum(r["deaths"] for r in rows) == 125
    assert {"biopsy", "primary_only"} <= set(data["proportional_hazards"])


def test_bootstrap_zero_skips_resampling(model, frame):
    data = evaluate(model, frame, bootstrap=0).to_dict()
    assert data["harrell_c_lower"] is None and data["harrell_c_corrected"] is None
    assert data["optimism"] is None and data["harrell_c"] is not None


def test_model_on_its_own_truth_is_calibrated(model):
    """Outcomes drawn from the model's own curves: slope ~1, tiny ICI and CITL."""
    own = outcomes_from_model(model, cohort(1000, 99), seed=1)
    data = evaluate(model, own, bootstrap=0).to_dict()
    assert data["calibration_slope_60"] == pytest.approx(1.0, abs=0.12)
    assert abs(data["calibration_in_the_large_60"]) < 0.03
    assert data["ici_60"] < 0.03


def test_overfit_model_slope_below_one_and_optimism_positive():
    small = cohort(120, 5)
    overfit = BiopsyRiskModel(penalizer=0.0, extra_terms=[]).fit(small)
    external = evaluate(overfit, cohort(1000, 99), bootstrap=0).to_dict()
    assert external["calibration_slope_60_upper"] < 1.0
    internal = evaluate(overfit, small, bootstrap=10, seed=0, n_jobs=1).to_dict()
    assert internal["harrell_c_corrected"] < internal["harrell_c"]
    assert internal["calibration_slope_corrected"] < internal["calibration_slope_60"]


def test_same_seed_same_report_and_seeds_differ(model, frame, report):
    again = evaluate(model, frame, bootstrap=8, seed=3, n_jobs=1).to_dict()
    first = report.to_dict()
    for key in ("harrell_c_lower", "delta_c_upper", "harrell_c_corrected"):
        assert again[key] == first[key]
    other = evaluate(model, frame, bootstrap=8, seed=4, n_jobs=1).to_dict()
    assert other["harrell_c_corrected"] != first["harrell_c_corrected"]


def test_resample_seeds_do_not_depend_on_order_or_count():
    few, many = boot.resample_indices(50, 3, seed=9), boot.resample_indices(50, 6, seed=9)
    np.testing.assert_array_equal(few, many[:3])


def test_parallel_equals_serial(model, frame):
    plan = boot.plan_refits(model, frame)
    indices = boot.resample_indices(len(frame), 4, seed=2)
    seen = []
    serial = boot.run_resamples(plan, indices, n_jobs=1)
    parallel = boot.run_resamples(plan, indices, n_jobs=2, min_per_worker=1,
                                  progress=lambda done, total: seen.append((done, total)))
    assert serial == parallel
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)


def test_fast_refit_agrees_with_refit_like(model, frame):
    idx = boot.resample_indices(len(frame), 1, seed=5)[0]
    fast = boot._one_resample(boot.plan_refits(model, frame, refit="design"), idx)
    slow = boot._one_resample(boot.plan_refits(model, frame, refit="model"), idx)
    for part in ("apparent", "test"):
        assert fast[part]["harrell_c"] == pytest.approx(slow[part]["harrell_c"], abs=0.003)
        assert fast[part]["brier_60"] == pytest.approx(slow[part]["brier_60"], abs=0.003)
        assert fast[part]["calibration_slope_60"] == pytest.approx(
            slow[part]["calibration_slope_60"], abs=0.03)


def test_dask_cluster_equals_local_run(model, frame):
    distributed = pytest.importorskip("distributed")
    local = evaluate(model, frame, bootstrap=4, seed=1, n_jobs=1).to_dict()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = evaluate(model, frame, bootstrap=4, seed=1,
                          dask_scheduler=cluster.scheduler_address).to_dict()
        ran_there = cluster.scheduler.transition_counter > 0
    assert ran_there
    assert remote["optimism"] == local["optimism"]
    assert remote["harrell_c_corrected"] == local["harrell_c_corrected"]


def test_unreachable_dask_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(evaluation, "DASK_CONNECT_TIMEOUT", "1s")
    with pytest.raises(EvaluationError, match="cannot reach the Dask scheduler"):
        evaluation.run_bootstrap(None, np.zeros((1, 3), int),
                                 dask_scheduler="tcp://127.0.0.1:9")


def test_short_follow_up_skips_late_horizons_with_a_note(model, frame):
    short = frame.assign(death=np.where(frame["os_months"] > 50, 0, frame["death"]),
                         os_months=np.minimum(frame["os_months"], 50.0))
    data = evaluate(model, short, bootstrap=0).to_dict()
    assert data["auc_60"] is None and data["brier_60"] is None and data["ici_60"] is None
    assert data["auc_36"] is not None
    assert any("60 months" in note for note in data["notes"])


@pytest.mark.parametrize("change, message", [
    (lambda f: f.drop(columns=["death"]), "death"),
    (lambda f: f.assign(death=0), "2 deaths"),
    (lambda f: f.iloc[:5], "at least 10 patients"),
])
def test_cohorts_that_cannot_be_evaluated(model, frame, change, message):
    with pytest.raises(EvaluationError, match=message):
        evaluate(model, change(frame), bootstrap=0)


def test_cohort_without_liver_biopsies_is_served_by_the_comparator(model, frame):
    no_biopsy = frame.assign(met_grade=None, met_ki67=np.nan, met_mitoses=np.nan)
    data = evaluate(model, no_biopsy, bootstrap=3, n_jobs=1).to_dict()
    assert data["harrell_c"] == data["comparator"]["harrell_c"]
    assert data["biopsy_value"] is None and data["delta_c"] is None
    assert data["optimism"]["failed"] == 0
    assert any("liver-biopsy grade" in note for note in data["notes"])


def test_biopsy_value_without_risk_cut_points_gives_the_continuous_nri_only():
    # cut-points are Optional on the model (None until fitted): risk_category once
    # unpacked None with a TypeError
    from risk.evaluation.sections import biopsy_value

    rng = np.random.default_rng(3)
    n = 200
    x, y = rng.normal(size=n), rng.normal(size=n)
    time = rng.exponential(60 * np.exp(-0.5 * x - 0.5 * y)) + 0.1
    event = rng.random(n) < 0.7
    comparator_60 = np.exp(-np.exp(0.5 * x) * 0.6)
    biopsy_60 = np.exp(-np.exp(0.5 * x + 0.5 * y) * 0.6)
    nested = pd.DataFrame({"x": x})
    full = pd.DataFrame({"x": x, "y": y})
    with_cuts = biopsy_value(time, event, biopsy_60, comparator_60, [0.4, 0.6], nested, full)
    without = biopsy_value(time, event, biopsy_60, comparator_60, None, nested, full)
    assert "categorical" in with_cuts["nri"] and with_cuts["reclassification"]
    assert "categorical" not in without["nri"] and "reclassification" not in without
    assert without["nri"]["continuous"] == with_cuts["nri"]["continuous"]
