"""Validation of the progression-free survival model beside overall survival.

References are independent of the code under test: lifelines' ``concordance_index`` on
the PFS outcome built here by hand (progression, or death with pfs_months == os_months),
and the counts of that outcome. An OS-only model's report must be exactly the report of
every earlier version (no ``pfs`` key; the OS numbers of a model with PFS are the same).
"""

import json

import numpy as np
import pandas as pd
import pytest
from lifelines.utils import concordance_index

from risk.data.validation import load_cohort
from risk.evaluation import EvaluationReport, evaluate
from risk.evaluation.progression import MIN_PFS_PATIENTS
from risk.model import BiopsyRiskModel
from risk.present.html import render_report_html
from risk.registry.card import ModelCard, build_card, data_fingerprint
from risk.synthetic.generator import cohort_csv_text, generate_cohort

pytestmark = pytest.mark.xdist_group("pfs_evaluation")


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    text = cohort_csv_text(generate_cohort(400, 31))
    return load_cohort(text.encode(), "training").frame


@pytest.fixture(scope="module")
def fitted(cohort) -> BiopsyRiskModel:
    return BiopsyRiskModel(extra_terms=[]).fit(cohort)


@pytest.fixture(scope="module")
def report(fitted, cohort) -> EvaluationReport:
    return evaluate(fitted, cohort, bootstrap=30, seed=3, n_jobs=1)


def _pfs_by_hand(frame: pd.DataFrame):
    event = (frame["progression"] == 1) | ((frame["death"] == 1) &
                                           (frame["pfs_months"] == frame["os_months"]))
    return frame["pfs_months"].to_numpy(float), event.to_numpy()


def test_the_pfs_section_counts_and_ranks_as_lifelines_does(report, fitted, cohort):
    pfs = report.pfs
    months, event = _pfs_by_hand(cohort)
    assert (pfs.n, pfs.events) == (len(cohort), int(event.sum()))
    assert pfs.progressions == int((cohort["progression"] == 1).sum())
    assert 0 < pfs.progressions < pfs.events  # some deaths came first
    surv_60 = fitted.predict_pfs(cohort).table["surv_60"].to_numpy()
    assert pfs.served.harrell_c == pytest.approx(concordance_index(months, surv_60, event),
                                                 abs=1e-9)
    assert pfs.served.harrell_c != pytest.approx(report.headline.harrell_c, abs=1e-3)
    assert pfs.served.harrell_c_lower < pfs.served.harrell_c < pfs.served.harrell_c_upper
    assert pfs.comparator.harrell_c_lower < pfs.comparator.harrell_c_upper
    for months_ in (12, 36, 60):
        assert 0 < getattr(pfs.served, f"brier_{months_}") < 0.25
    assert set(pfs.calibration) == {"36", "60"}
    assert pfs.calibration["60"].groups and pfs.served.calibration_slope_60 > 0


def test_a_report_with_pfs_reads_back_to_the_same_json(report):
    data = report.to_dict()
    assert list(data)[-1] == "pfs"
    again = EvaluationReport.from_dict(json.loads(json.dumps(data))).to_dict()
    assert json.dumps(again) == json.dumps(data)


def test_an_os_only_model_writes_the_report_of_earlier_versions(fitted, cohort):
    os_only = BiopsyRiskModel(extra_terms=[]).fit(cohort.drop(columns=["pfs_months",
                                                                       "progression"]))
    plain = evaluate(os_only, cohort, bootstrap=0)
    assert plain.pfs is None and "pfs" not in plain.to_dict()
    with_pfs = evaluate(fitted, cohort, bootstrap=0).to_dict()
    assert with_pfs.pop("pfs")["n"] == len(cohort)
    assert with_pfs == plain.to_dict()  # the OS numbers do not move
    assert "Progression-free survival" not in render_report_html(plain)


def test_a_cohort_without_enough_pfs_says_the_pfs_model_is_not_validated(fitted, cohort):
    without = evaluate(fitted, cohort.drop(columns=["pfs_months", "progression"]), bootstrap=0)
    assert without.pfs is None
    assert any("progression-free survival model is not validated" in n and "got 0 and 0" in n
               for n in without.notes)
    few = cohort.copy()
    few.loc[few.index[MIN_PFS_PATIENTS - 1:], ["pfs_months", "progression"]] = np.nan
    assert evaluate(fitted, few, bootstrap=0).pfs is None


def test_the_html_report_shows_the_pfs_model(report):
    page = render_report_html(report)
    section = page[page.index("<h2>Progression-free survival</h2>"):]
    pfs = report.pfs
    assert (f"{pfs.events:,} PFS events ({pfs.progressions:,} progressions, "
            f"{pfs.events - pfs.progressions:,} deaths without progression)") in section
    c = pfs.served
    assert f"{c.harrell_c:.3f} ({c.harrell_c_lower:.3f} to {c.harrell_c_upper:.3f})" in section
    assert "Predicted risk of progression or death by 60 months" in section


def test_the_card_counts_what_the_pfs_model_was_fitted_on(cohort):
    _, event = _pfs_by_hand(cohort)
    data = data_fingerprint(cohort)
    assert (data.pfs_patients, data.pfs_events, data.progressions) == (
        len(cohort), int(event.sum()), int((cohort["progression"] == 1).sum()))
    card = build_card(training_data=data)
    assert ModelCard.from_json(card.to_json()).training_data == data
    os_only = data_fingerprint(cohort.drop(columns=["pfs_months", "progression"])).to_dict()
    assert not {"pfs_patients", "pfs_events", "progressions"} & set(os_only)
