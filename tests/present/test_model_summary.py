"""The model page's tables: hazard ratios equal lifelines' summary on the same design,
baseline survival and the reference patient's curve equal the model's own predictions,
terms read in the clinic's words, stored evaluations are found, versions listed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cohort_frames import make_cohort

from risk.evaluation import EvaluationReport, Headline
from risk.model import BiopsyRiskModel, CoxModel
from risk.model.features import DesignColumn, patient_frame
from risk.present import model_summary as summary
from risk.present import version_history
from risk.registry import ModelCard
from risk.registry.card import build_card, data_fingerprint
from risk.registry.lineage import built_on
from risk.registry.store import Registry


@pytest.fixture(scope="module")
def frame():
    return make_cohort(500, seed=13)


@pytest.fixture(scope="module")
def pair(frame):
    return BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(frame)


def test_hazard_ratios_equal_lifelines_on_the_same_design(frame):
    """lifelines ``CoxPHFitter(penalizer=0.1)`` on the model's own design matrix gives the
    hazard ratios, 95% limits and p-values the page shows (to lifelines' convergence
    tolerance: the model solves the same penalised objective with its own Newton steps)."""
    from lifelines import CoxPHFitter

    biopsied = frame[frame["met_grade"].notna()]
    cox = CoxModel(covariates="biopsy", penalizer=0.1, extra_terms=[]).fit(biopsied)
    design = pd.DataFrame(cox.design(biopsied), columns=list(cox.coef_.index))
    fitted = CoxPHFitter(penalizer=0.1).fit(
        design.assign(T=biopsied["os_months"].to_numpy(), E=biopsied["death"].to_numpy()),
        "T", "E")
    ours = summary.hazard_ratios(cox, "biopsy").set_index("term")
    theirs = fitted.summary.loc[ours.index]
    np.testing.assert_allclose(ours["hazard_ratio"], theirs["exp(coef)"], rtol=1e-4)
    np.testing.assert_allclose(ours["lower_95"], theirs["exp(coef) lower 95%"], rtol=1e-4)
    np.testing.assert_allclose(ours["upper_95"], theirs["exp(coef) upper 95%"], rtol=1e-4)
    np.testing.assert_allclose(ours["p_value"], theirs["p"], rtol=2e-3, atol=1e-12)


def test_terms_in_the_clinics_words():
    assert summary.describe_term(DesignColumn("met_grade[G3]", "met_grade", "G3")) == (
        "Liver biopsy WHO grade", "G3 vs G1")
    assert summary.describe_term(DesignColumn("ecog[2+]", "ecog", "2+")) == (
        "ECOG performance status", "ECOG 2-4 vs ECOG 0")
    assert summary.describe_term(DesignColumn("age_per_10y", "age")) == (
        "Age", "per 10 years")
    assert summary.describe_term(DesignColumn("primary_resected", "primary_resected", "1")) \
        == ("Primary resected", "Yes vs No")
    site = summary.describe_term(DesignColumn("primary_site[pancreas]", "primary_site",
                                              "pancreas"))
    assert site == ("Primary site", "Pancreas vs Small intestine")
    grade = summary.describe_term(DesignColumn("primary_grade[unknown]", "primary_grade",
                                               "unknown"))
    assert grade[1] == "Not assessed vs G1"


def test_both_models_side_by_side(pair):
    table = summary.hazard_ratio_table(pair)
    assert list(dict.fromkeys(table["model"])) == ["biopsy", "primary_only"]
    wide = summary.hazard_ratios_side_by_side(table)
    assert len(wide) == len(table[["characteristic", "comparison"]].drop_duplicates())
    liver = wide[wide["Characteristic"] == "Liver biopsy WHO grade"]
    assert (liver.filter(like="Primary only").to_numpy() == "").all()  # not in the comparator
    g3 = pair.biopsy_model_.coef_["met_grade[G3]"]
    assert liver.iloc[-1, 2].startswith(f"{np.exp(g3):.2f} (")


def test_baseline_and_reference_curves_equal_the_models_predictions(pair):
    for cox in pair.models_.values():
        base = summary.baseline_survival(cox)
        np.testing.assert_allclose(base["survival"], np.exp(-cox.baseline_.cumulative_hazard))
        assert base["survival"].iloc[0] == pytest.approx(1.0)
        assert (np.diff(base["survival"]) <= 1e-15).all()
        ref = summary.reference_survival(cox, pair.reference_patient_)
        predicted = cox.predict(patient_frame(pair.reference_patient_)).curves[0]
        np.testing.assert_allclose(ref["survival"], predicted, rtol=1e-12)
    table = summary.baseline_table(pair)
    assert len(table) == 2 * 4 and set(table["months"]) == {12, 36, 60, 120}


def test_reference_patient_sentence(pair):
    text = summary.describe_reference_patient(pair.reference_patient_)
    assert text.startswith("Age: ") and "Liver biopsy WHO grade: G" in text


def test_stored_evaluation_kinds():
    def card(metrics: dict) -> ModelCard:
        return ModelCard.from_dict({"metrics": metrics})

    report = {"harrell_c": 0.7, "comparator": {"harrell_c": 0.65}}
    kind, stored = summary.stored_evaluation(card({"evaluation": report}))
    assert (kind, stored.to_dict()) == ("report", EvaluationReport.from_dict(report).to_dict())
    headline = {"harrell_c": 0.7, "measured_on": "x"}
    kind, stored = summary.stored_evaluation(card(headline))
    assert (kind, stored.to_dict()) == ("headline", headline)
    apparent = {"c_index_apparent_training": 0.77}
    assert summary.stored_evaluation(card(apparent)) == ("none", None)
    assert summary.stored_evaluation(ModelCard()) == ("none", None)


def test_headline_metrics_with_intervals():
    report = {"harrell_c": 0.71234, "harrell_c_lower": 0.69, "harrell_c_upper": 0.735,
              "brier_60": 0.16, "comparator": {"harrell_c": 0.68}}
    typed = EvaluationReport.from_dict(report)
    table = summary.headline_metrics(typed.headline, typed.comparator)
    assert table["Metric"].tolist() == ["Harrell's C",
                                        "Brier score at 60 months (lower is better)"]
    assert table.iloc[0, 1] == "0.712 (0.690 to 0.735)" and table.iloc[0, 2] == "0.680"
    assert table.iloc[1, 2] == ""
    lines = summary.biopsy_value_lines(Headline.from_dict(
        {"delta_c": 0.034, "delta_c_lower": 0.02, "delta_c_upper": 0.05, "lr_test_p": 1e-9}))
    assert "+0.034" in lines[0] and "p < 0.001" in lines[1]


def test_limitations_say_synthetic_only_when_it_applies(pair):
    blank = ModelCard()
    assert summary.limitations(pair, blank, synthetic=True)[0] == summary.SYNTHETIC_LIMITATION
    assert summary.SYNTHETIC_LIMITATION not in summary.limitations(pair, blank, synthetic=False)
    assert summary.limitations(pair, ModelCard(notes="hello"), False)[-1].endswith("hello")


def test_version_history_newest_first_with_parents(pair, frame, tmp_path):
    store = Registry(tmp_path)
    fingerprint = data_fingerprint(frame)
    store.save(pair.to_dict(), build_card(training_data=fingerprint), version="v1",
               activate=True)
    store.save(pair.to_dict(), build_card(training_data=fingerprint, kind="recalibrated",
                                          parent="v1"), version="v2", activate=True)
    store.rollback()
    versions = version_history.version_history(store)
    assert versions["Version"].tolist() == ["v2", "v1"]
    assert versions.set_index("Version").loc["v2", "Parent"] == "v1"
    assert versions.set_index("Version").loc["v1", "Active"] == "yes"
    history = version_history.activation_history(store)
    assert history["Action"].tolist()[0] == "rollback"
    assert history["Version"].tolist() == ["v1", "v2", "v1"]


def test_a_version_rests_on_its_file_and_on_its_recalibration_parents():
    """Trained: its own file. Recalibrated: its own file (the baseline) and, up the
    chain of recalibrations, the file its coefficients were trained on."""
    cards = {name: ModelCard.from_dict(card) for name, card in {
        "shipped": {"kind": "trained", "training_data": {"sha256": "SHIPPED"}},
        "local": {"kind": "trained", "parent": "shipped", "training_data": {"sha256": "A"}},
        "recal": {"kind": "recalibrated", "parent": "shipped",
                  "training_data": {"sha256": "B"}},
        "recal2": {"kind": "recalibrated", "parent": "recal", "training_data": {"sha256": "C"}},
        "loop": {"kind": "recalibrated", "parent": "loop", "training_data": {"sha256": "D"}},
        "orphan": {"kind": "recalibrated", "parent": "gone", "training_data": {"sha256": "E"}},
    }.items()}
    def rests(name, sha):
        return built_on(cards[name], sha, cards.get)

    assert rests("shipped", "SHIPPED") and not rests("shipped", "A")
    assert not rests("local", "SHIPPED")  # retrained: new coefficients, parent or not
    assert rests("recal", "SHIPPED") and rests("recal", "B")
    assert rests("recal2", "SHIPPED") and rests("recal2", "B") and rests("recal2", "C")
    assert not rests("loop", "SHIPPED") and rests("loop", "D")
    assert not rests("orphan", "SHIPPED") and rests("orphan", "E")
    assert not built_on(ModelCard(), "SHIPPED", cards.get)


def test_the_views_name_the_headline_metrics_from_one_list():
    """The Model page, the HTML report and the Retrain page read their words from
    METRIC_LABELS; each named metric is a field of the typed headline."""
    from risk.evaluation.headline import CORRECTED, METRIC_LABELS, Headline
    from risk.present import html
    from riskapp.retrain_report import COMPARISON_ROWS

    words = dict(METRIC_LABELS)
    assert set(words) <= set(Headline.model_fields)
    assert set(CORRECTED) | set(CORRECTED.values()) <= set(words)
    assert set(summary.HEADLINE) <= set(words) and set(COMPARISON_ROWS) <= set(words)
    assert all(words[key] == label for key, label in html._HEADLINE)
    assert html.OPTIMISM_LABELS["calibration_slope_60"] == words["calibration_slope_60"]
