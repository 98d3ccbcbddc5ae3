"""The fitting path against R's published output, and prediction against lifelines.

R values are from R survival's saved example output (printed in each test's docstring).
"""

import numpy as np
import pandas as pd
import pytest
from efron_by_hand import efron_baseline
from lifelines import CoxPHFitter
from lifelines.datasets import load_lung, load_rossi
from model_sim import simulate_cohort

from risk.model import CoxModel
from risk.model.fit import fit_coefficients, fit_design
from risk.model.prediction import MONTHS
from risk.stats.baseline import baseline_aggregates
from risk.stats.cox_solver import log_partial_likelihood

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


def test_rossi_baseline_matches_r_efron():
    """Rossi's weeks are heavily tied, so the baseline after the Efron fit is Efron's.
    R: fit <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
                    rossi)   # rossi as lifelines.datasets.load_rossi()
    b <- basehaz(fit, centered = FALSE); b[b$time %in% c(1, 10, 20, 30, 40, 52), ]
    hazard 0.00680323899413 0.10403841208501 0.29189820358729 0.45367543212127
           0.67441460639610 0.95649921906866 (weeks 1, 10, 20, 30, 40, 52).
    That is H0 at covariates 0; ours is centred on the column means:
    H0(t) = H0_R(t) exp(means . beta). The loop written out (tests/support/efron_by_hand.py)
    gives our numbers to rounding."""
    rossi = load_rossi()
    names = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    weeks = np.array([1.0, 10, 20, 30, 40, 52])
    fit = fit_design(rossi[names], rossi["week"], rossi["arrest"], 0.0, grid=weeks)
    r_uncentred = np.array([0.00680323899413, 0.10403841208501, 0.29189820358729,
                            0.45367543212127, 0.67441460639610, 0.95649921906866])
    np.testing.assert_allclose(fit.baseline.cumulative_hazard,
                               r_uncentred * np.exp(fit.means @ fit.coef), rtol=1e-5)
    X = rossi[names].to_numpy(float)
    by_hand = [efron_baseline(X - fit.means, rossi["week"], rossi["arrest"], fit.coef, w)[0]
               for w in weeks]
    np.testing.assert_allclose(fit.baseline.cumulative_hazard, by_hand, rtol=1e-12)


def test_breslow_baseline_equals_lifelines():
    """lifelines' ``baseline_cumulative_hazard_`` is Breslow's even after its Efron fit:
    ``ties="breslow"`` reproduces it on the same tied data."""
    rossi = load_rossi()
    names = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    grid = np.arange(1.0, 53.0)
    fit = fit_design(rossi[names], rossi["week"], rossi["arrest"], 0.0, grid=grid)
    fitter = CoxPHFitter().fit(rossi, "week", "arrest", fit_options=FIT_OPTIONS)
    bch = fitter.baseline_cumulative_hazard_.iloc[:, 0]
    breslow = baseline_aggregates(rossi[names].to_numpy(float), rossi["week"].to_numpy(float),
                                  rossi["arrest"].to_numpy(float), fit.coef, fit.means, grid,
                                  ties="breslow")
    np.testing.assert_allclose(breslow.cumulative_hazard,
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
