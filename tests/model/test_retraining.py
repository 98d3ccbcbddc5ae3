"""Training on a researcher's cohort and comparing with the active model (risk.model.training)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cohort_frames import make_cohort

from risk.errors import ModelError
from risk.model import BiopsyRiskModel
from risk.model.training import COMPARED_ON, TrainingSettings, candidate_card, train_and_evaluate
from risk.registry.card import data_fingerprint


@pytest.fixture(scope="module")
def trained():
    """A candidate trained on one cohort and compared with a model from another."""
    frame = make_cohort(220, seed=5)
    frame["death"] = frame["death"].where(frame["os_months"] <= 100, 0)
    frame["os_months"] = frame["os_months"].clip(upper=100.0)  # end of the study
    active = BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(make_cohort(300, seed=3))
    active.snapshot = json.dumps(active.to_dict(), sort_keys=True)
    steps = []
    candidate = train_and_evaluate(
        frame, TrainingSettings(penalizer=0.1, bootstrap=3, seed=2), data_fingerprint(frame),
        active=active, active_version="base", n_jobs=1,
        progress=lambda fraction, text: steps.append((fraction, text)),
        column_mapping={"age": "age at biopsy"})
    return frame, active, candidate, steps


def test_the_candidate_is_fitted_on_the_cohort_with_the_chosen_settings(trained):
    frame, _, candidate, _ = trained
    reference = BiopsyRiskModel(penalizer=0.1, seed=2).fit(frame)
    np.testing.assert_allclose(candidate.model.biopsy_model_.coef_,
                               reference.biopsy_model_.coef_)
    assert candidate.report.headline.n == len(frame)
    assert candidate.active_version == "base"
    assert candidate.active_report.model_version == "base"


def test_both_reports_measure_the_same_patients_and_the_active_model_is_unchanged(trained):
    frame, active, candidate, _ = trained
    new, old = candidate.report.headline, candidate.active_report.headline
    assert new.n == old.n == len(frame)
    assert new.events == old.events
    from lifelines.utils import concordance_index

    # the served predictions (either model) are ranked by their 5-year survival
    served = active.predict(frame).table["surv_60"].to_numpy()
    expected = concordance_index(frame["os_months"], served, frame["death"])
    assert candidate.active_report.headline.harrell_c == pytest.approx(expected, abs=1e-9)
    assert json.dumps(active.to_dict(), sort_keys=True) == active.snapshot


def test_progress_rises_to_one_through_every_stage(trained):
    *_, steps = trained
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and fractions[0] < 0.1
    texts = " ".join(t for _, t in steps)
    for words in ("Fitting", "Bootstrap of the new model", "active model base"):
        assert words in texts


def test_the_card_has_the_fingerprint_settings_mapping_and_both_models_metrics(trained):
    frame, _, candidate, _ = trained
    card = candidate_card(candidate, notes="centre B")
    assert card.kind == "trained" and card.parent is None and card.notes == "centre B"
    assert card.training_data.patients == len(frame)
    assert card.settings["penalizer"] == 0.1 and card.settings["bootstrap"] == 3
    assert card.settings["column_mapping"] == {"age": "age at biopsy"}
    metrics = card.metrics
    assert metrics.harrell_c == pytest.approx(candidate.report.headline.harrell_c, abs=1e-4)
    assert "harrell_c_corrected" in metrics.to_dict() and "internal" in metrics.measured_on
    compared = metrics.compared_with
    assert compared.version == "base" and compared.measured_on == COMPARED_ON
    assert not [k for k in compared.to_dict() if k.endswith("_corrected")]
    assert card.intended_use.startswith("Research and decision-support prototype")
    assert "shipped model" not in card.intended_use  # this is a researcher's model
    text = card.to_json().decode()
    assert "P000001" not in text  # no patient identifiers


def test_the_card_keeps_the_whole_report_so_the_model_page_can_draw_it(trained):
    from risk.present.model_summary import stored_evaluation

    *_, candidate, _ = trained
    card = candidate_card(candidate)
    assert card.metrics.evaluation == candidate.report.to_dict()
    kind, report = stored_evaluation(card)
    assert kind == "report" and report.calibration and report.decision_curve
    assert json.loads(card.to_json()) == card.to_dict()  # JSON safe as stored


@pytest.mark.parametrize("settings, words", [
    (TrainingSettings(penalizer=-1), "penalty"),
    (TrainingSettings(penalizer="high"), "penalty"),
    (TrainingSettings(bootstrap=-5), "Bootstrap"),
    (TrainingSettings(bootstrap=5000), "Bootstrap"),
    (TrainingSettings(seed=-1), "seed"),
])
def test_bad_settings_are_refused_before_any_fitting(settings, words):
    with pytest.raises(ModelError, match=words):
        train_and_evaluate(make_cohort(20, seed=1), settings, {})
