"""The PFS pair inside the served model: fitted through the one fitting path on PFS and
its event, serialised under its own key, absent for OS-only models; conditional PFS.

References are independent: lifelines' CoxPHFitter on the PFS outcome built here by hand
(progression, or death with pfs_months == os_months), and the conditional survival
S(t)/S(s) computed from the unconditional curves.
"""

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter

from risk.data.validation import load_cohort
from risk.errors import ModelError
from risk.model import BiopsyRiskModel
from risk.model.prediction import MONTHS
from risk.synthetic.generator import cohort_csv_text, generate_cohort


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    text = cohort_csv_text(generate_cohort(500, 77))
    return load_cohort(text.encode(), "training").frame


@pytest.fixture(scope="module")
def fitted(cohort) -> BiopsyRiskModel:
    return BiopsyRiskModel(extra_terms=[]).fit(cohort)


def test_the_pfs_biopsy_model_is_lifelines_cox_on_pfs(cohort, fitted):
    biopsied = cohort[cohort["met_grade"].notna()].reset_index(drop=True)
    inner = fitted.pfs_model.biopsy_model_
    event = ((biopsied["progression"] == 1) |
             ((biopsied["death"] == 1) & (biopsied["pfs_months"] == biopsied["os_months"])))
    df = pd.DataFrame(inner.design(biopsied), columns=list(inner.coef_.index))
    df["T"], df["E"] = biopsied["pfs_months"].to_numpy(), event.to_numpy().astype(int)
    fitter = CoxPHFitter(penalizer=inner.penalizer_).fit(df, "T", "E")
    assert inner.coef_.to_numpy() == pytest.approx(fitter.params_.to_numpy(), abs=1e-4)
    assert inner.fit_statistics_["events"] == int(event.sum())


def test_os_predictions_are_those_of_an_os_only_model(cohort, fitted):
    os_only = BiopsyRiskModel(extra_terms=[]).fit(cohort.drop(columns=["pfs_months",
                                                                       "progression"]))
    assert os_only.pfs_model is None
    pd.testing.assert_frame_equal(fitted.predict(cohort.head(50)).table,
                                  os_only.predict(cohort.head(50)).table)
    with pytest.raises(ModelError, match="without progression-free survival"):
        os_only.predict_pfs(cohort.head(3))
    assert "pfs_model" not in os_only.to_dict()
    assert BiopsyRiskModel.from_dict(os_only.to_dict()).pfs_model is None


def test_pfs_is_below_os_and_round_trips(cohort, fitted):
    patients = cohort.head(40)
    pfs, os_ = fitted.predict_pfs(patients), fitted.predict(patients)
    assert (pfs.curves <= os_.curves + 1e-9).mean() > 0.99  # PFS ends at death at the latest
    loaded = BiopsyRiskModel.from_dict(fitted.to_dict())
    np.testing.assert_array_equal(loaded.predict_pfs(patients).curves, pfs.curves)
    assert (np.diff(pfs.curves, axis=1) <= 1e-12).all()


def test_conditional_pfs_is_the_ratio_of_the_unconditional_curve(cohort, fitted):
    patients = cohort.head(5)
    at_biopsy = fitted.predict_pfs(patients)
    given = fitted.predict_pfs(patients, alive_months=12)
    after = MONTHS >= 12
    expected = at_biopsy.curves[:, after] / at_biopsy.curves[:, [int(np.flatnonzero(after)[0])]]
    np.testing.assert_allclose(given.curves[:, after], expected, rtol=1e-9, atol=1e-12)
