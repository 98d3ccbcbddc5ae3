"""The vectorised Efron Cox fit against R and lifelines (risk.cox_efron)."""

import numpy as np
import pytest
from cohort_frames import make_cohort
from lifelines import CoxPHFitter
from lifelines.datasets import load_lung, load_rossi

from risk.cohort_cox import design
from risk.cox_efron import CoxConvergenceError, fit_efron


def test_rossi_matches_r_efron():
    """R: coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, rossi)
    (Efron ties): -0.3794222, -0.0574377, 0.3138998, -0.1497957, -0.4337039, -0.0848711,
    0.0914971; se(fin) = 0.1913795."""
    rossi = load_rossi()
    x = rossi[["fin", "age", "race", "wexp", "mar", "paro", "prio"]]
    fit = fit_efron(x.to_numpy(float), rossi["week"], rossi["arrest"])
    assert np.allclose(fit.coef, [-0.3794222, -0.0574377, 0.3138998, -0.1497957, -0.4337039,
                                  -0.0848711, 0.0914971], atol=5e-7)
    assert np.sqrt(fit.covariance[0, 0]) == pytest.approx(0.1913795, abs=5e-7)


def test_lung_matches_r():
    """R: coxph(Surv(time, status) ~ age + sex, lung): age 0.017045, sex -0.513219."""
    lung = load_lung()
    fit = fit_efron(lung[["age", "sex"]].to_numpy(float), lung["time"], lung["status"])
    assert np.allclose(fit.coef, [0.017045, -0.513219], atol=5e-7)


@pytest.mark.parametrize("penalizer", [0.0, 1e-4, 1e-2])
def test_equals_lifelines_on_heavily_tied_cohort_data(penalizer):
    frame = make_cohort(1500, seed=9)
    frame["os_months"] = np.ceil(frame["os_months"])  # whole months: many ties
    x, _ = design(frame)
    ours = fit_efron(x.to_numpy(float), frame["os_months"], frame["death"], penalizer)
    ref = CoxPHFitter(penalizer=penalizer).fit(
        x.assign(T=frame["os_months"], E=frame["death"]), "T", "E",
        fit_options={"precision": 1e-10, "r_precision": 1e-13})
    assert np.allclose(ours.coef, ref.params_.to_numpy(), atol=1e-6)
    assert np.allclose(np.sqrt(np.diag(ours.covariance)), ref.standard_errors_.to_numpy(),
                       rtol=1e-5)
    if penalizer == 0:
        assert ours.log_likelihood == pytest.approx(ref.log_likelihood_, abs=1e-6)


def test_failures_are_reported_not_hidden():
    rng = np.random.default_rng(0)
    t = rng.exponential(10, 100)
    with pytest.raises(CoxConvergenceError, match="no deaths"):
        fit_efron(rng.normal(size=(100, 1)), t, np.zeros(100))
    died = (rng.random(100) < 0.5).astype(float)
    separated = died.copy()  # perfectly predicts who dies: the coefficient runs away
    with pytest.raises(CoxConvergenceError):
        fit_efron(separated[:, None], t, died)
    twins = rng.normal(size=100)
    with pytest.raises(CoxConvergenceError):
        fit_efron(np.column_stack([twins, twins]), t, died)
    ridge = fit_efron(np.column_stack([twins, twins]), t, died, penalizer=1e-3)
    assert np.isclose(ridge.coef[0], ridge.coef[1])
    with pytest.raises(ValueError, match="one duration"):
        fit_efron(np.ones((3, 1)), [1.0, 2.0], [1, 1])
