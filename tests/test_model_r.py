"""The fitting path against R's published output, and prediction against lifelines.

R values are from R survival's saved example output (quality.md).
"""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_lung, load_rossi
from model_sim import simulate_cohort

from risk.cox_efron import log_partial_likelihood
from risk.coxfit import fit_coefficients, fit_design
from risk.model import CoxModel
from risk.prediction import MONTHS

#: lifelines' defaults stop penalised fits ~1e-4 short of the optimum: the reference
#: fits are run tighter.
FIT_OPTIONS = {"precision": 1e-10, "r_precision": 1e-13}


def test_lung_matches_r():
    """R: coxph(Surv(time, status) ~ age + sex, lung)
    coef age 0.017045, sex -0.513219; Concordance = 0.603;
    Likelihood ratio test = 14.12 on 2 df.
    lifelines ships status already as 0/1 (R codes 1 = censored, 2 = dead); sex is 1/2
    in both, and a 1/2 coding gives the same coefficient as 0/1.
    """
    lung = load_lung()
    assert set(lung["status"].unique()) == {0, 1}
    fit = fit_design(lung[["age", "sex"]], lung["time"], lung["status"], penalizer=0.0)
    assert fit.coef == pytest.approx([0.017045, -0.513219], abs=1e-5)
    assert fit.concordance == pytest.approx(0.603, abs=5e-4)
    assert fit.lr_statistic == pytest.approx(14.12, abs=5e-3)
    assert fit.penalizer == 0.0 and fit.notes == []


def test_rossi_matches_r_efron():
    """R: coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
    data = rossi) (ties = "efron", R's default); concordance 0.6403292."""
    rossi = load_rossi()
    names = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    fit = fit_design(rossi[names], rossi["week"], rossi["arrest"], penalizer=0.0)
    expected = [-0.3794222, -0.0574377, 0.3138998, -0.1497957, -0.4337039, -0.0848711,
                0.0914971]
    assert fit.columns == names
    assert fit.coef == pytest.approx(expected, abs=1e-5)
    assert fit.concordance == pytest.approx(0.6403292, abs=1e-6)


def _lifelines_on_design(model, frame):
    X = model.design(frame)
    df = pd.DataFrame(X, columns=list(model.coef_.index))
    df["T"], df["E"] = frame["os_months"].to_numpy(), frame["death"].to_numpy()
    fitter = CoxPHFitter(penalizer=model.penalizer_).fit(df, "T", "E",
                                                         fit_options=FIT_OPTIONS)
    return fitter, df.drop(columns=["T", "E"])


@pytest.mark.parametrize("penalizer", [0.0, 0.05])
def test_numpy_prediction_equals_lifelines(penalizer):
    frame = simulate_cohort(600, seed=11)
    frame = frame[frame["met_grade"].notna()].reset_index(drop=True)
    model = CoxModel("biopsy", penalizer=penalizer, extra_terms=()).fit(frame)
    fitter, X = _lifelines_on_design(model, frame)
    # a rare level leaves the likelihood flat: the two optimisers stop ~1e-6 apart there
    assert model.coef_.to_numpy() == pytest.approx(fitter.params_.to_numpy(), abs=1e-5)

    expected = fitter.predict_survival_function(X, times=MONTHS).to_numpy().T
    ours = model.survival_at(frame, MONTHS)
    # lifelines holds H0 flat before the first follow-up time; ours starts at S(0) = 1
    after_first = frame["os_months"].min() <= MONTHS
    np.testing.assert_allclose(ours[:, after_first], expected[:, after_first], rtol=0,
                               atol=1e-6)
    assert np.all(ours[:, 0] == 1.0)
    # the band calculator's curves are the same numbers
    curves, *_ = model.bands_from_design(model.design(frame))
    np.testing.assert_allclose(curves, ours, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.linear_predictor(frame),
                               fitter.predict_log_partial_hazard(X).to_numpy(), atol=1e-5)


def test_baseline_equals_lifelines_breslow():
    rossi = load_rossi()
    names = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    grid = np.arange(1.0, 53.0)
    fit = fit_design(rossi[names], rossi["week"], rossi["arrest"], 0.0, grid=grid)
    fitter = CoxPHFitter().fit(rossi, "week", "arrest", fit_options=FIT_OPTIONS)
    bch = fitter.baseline_cumulative_hazard_.iloc[:, 0]
    np.testing.assert_allclose(fit.baseline.cumulative_hazard,
                               np.interp(grid, bch.index, bch.to_numpy()), atol=1e-10)


@pytest.mark.parametrize("penalizer", [0.0, 0.05])
def test_cross_validation_solver_agrees_with_lifelines(penalizer):
    """The numpy refits of cross-validation and the bootstrap optimise the same objective
    as lifelines (no tied times here, so their Breslow ties equal lifelines' Efron)."""
    frame = simulate_cohort(500, seed=3)
    frame = frame[frame["met_grade"].notna()]
    model = CoxModel("biopsy", penalizer=penalizer, extra_terms=()).fit(frame)
    X = model.design(frame)
    ours, _ = fit_coefficients(X, frame["os_months"].to_numpy(),
                               frame["death"].to_numpy(float), penalizer)
    # a rare level leaves the likelihood flat: optimiser tolerances differ there
    assert ours == pytest.approx(model.coef_.to_numpy(), abs=2e-5)
    t, e = frame["os_months"].to_numpy(), frame["death"].to_numpy(float)
    assert log_partial_likelihood(X @ ours, t, e) == pytest.approx(
        log_partial_likelihood(X @ model.coef_.to_numpy(), t, e), abs=1e-6)
