"""Model behaviour: invariants over both models, direction of effect, contributions,
flags, serving rules, persistence without patient data, errors."""

import json

import numpy as np
import pandas as pd
import pytest
from model_checks import check_survival_curves
from model_sim import fitted_pair, reference_like_patient, simulate_cohort

from risk.errors import ModelError
from risk.model import BiopsyRiskModel, CoxModel, NotFittedError
from risk.model.features import HASH_FROM, candidate_columns, encode, reference_patient
from risk.model.prediction import MONTHS, TABLE_COLUMNS, Predictions


@pytest.fixture(scope="module")
def pair():
    return fitted_pair()


@pytest.fixture(scope="module")
def new_patients():
    return simulate_cohort(300, seed=99).drop(columns=["os_months", "death"])


@pytest.mark.parametrize("name", ["biopsy", "primary_only"])
def test_curves_are_valid_survival_functions(pair, new_patients, name):
    model, _ = pair
    frame = new_patients if name == "primary_only" else \
        new_patients[new_patients["met_grade"].notna()]
    pred = model.models_[name].predict(frame)
    check_survival_curves(pred.curves, pred.lower, pred.upper)
    assert pred.curves.shape == (len(frame), 121)
    assert (pred.lower < pred.curves)[:, 1:].all() and (pred.upper > pred.curves)[:, 1:].all()


def test_invariant_check_catches_broken_curves():
    good = np.array([[1.0, 0.9, 0.8]])
    check_survival_curves(good, good - 0.05 * np.array([[0, 1, 1]]), good)
    for bad, lower, upper in ((np.array([[1.0, 0.9, 0.95]]), None, None),
                              (np.array([[0.99, 0.9, 0.8]]), None, None),
                              (np.array([[1.0, 1.1, 0.8]]), None, None),
                              (good, good + 0.01, None), (good, None, good - 0.01)):
        with pytest.raises(AssertionError):
            check_survival_curves(bad, lower, upper)


def test_served_table_columns_and_model_choice(pair, new_patients):
    model, _ = pair
    pred = model.predict(new_patients)
    assert list(pred.table.columns) == TABLE_COLUMNS
    assert list(pred.table["patient_id"]) == list(new_patients["patient_id"])
    has_biopsy = new_patients["met_grade"].notna().to_numpy()
    assert 0 < (~has_biopsy).sum() < len(new_patients)
    assert list(pred.table["model_used"]) == \
        list(np.where(has_biopsy, "biopsy", "primary_only"))
    check_survival_curves(pred.curves, pred.lower, pred.upper)
    t = pred.table
    for h in (12, 36, 60, 120):
        assert np.allclose(t[f"surv_{h}"], pred.curves[:, h])
        assert (t[f"surv_{h}_lower"] <= t[f"surv_{h}"]).all()
        assert (t[f"surv_{h}"] <= t[f"surv_{h}_upper"]).all()
    assert set(t["risk_group"]) <= {"low", "intermediate", "high"}
    both = model.predict_both(new_patients)
    served = np.where(has_biopsy[:, None], both["biopsy"].curves, both["primary_only"].curves)
    np.testing.assert_allclose(pred.curves, served, rtol=0, atol=1e-14)
    assert np.isnan(both["biopsy"].curves[~has_biopsy]).all()
    assert not np.isnan(both["primary_only"].curves).any()


def test_median_and_its_interval(pair, new_patients):
    model, _ = pair
    pred = model.predict(new_patients)
    t = pred.table
    reached = t["median_os_months"].notna().to_numpy()
    assert reached.any() and (~reached).any()
    idx = t["median_os_months"][reached].to_numpy(int)
    rows = np.flatnonzero(reached)
    assert np.all(pred.curves[rows, idx] <= 0.5) and np.all(pred.curves[rows, idx - 1] > 0.5)
    assert np.all(pred.curves[~reached, -1] > 0.5)
    both = t[t["median_os_upper"].notna()]
    assert (both["median_os_lower"] <= both["median_os_months"]).all()
    assert (both["median_os_months"] <= both["median_os_upper"]).all()
    # the table's limits are where the (n, 121) bands first reach 0.5
    for column, band in (("median_os_lower", pred.lower), ("median_os_upper", pred.upper)):
        below = band <= 0.5
        expected = np.where(below.any(axis=1), np.argmax(below, axis=1), np.nan)
        np.testing.assert_array_equal(t[column].to_numpy(), expected)


def test_table_agrees_with_the_arrays_and_take(pair, new_patients):
    model, _ = pair
    pred = model.predict(new_patients)
    rows = np.array([5, 0, 17, 3])
    early = pred.take(rows)  # before the arrays exist
    for h in (12, 36, 60, 120):
        np.testing.assert_allclose(pred.table[f"surv_{h}"], pred.curves[:, h], rtol=1e-14)
        np.testing.assert_allclose(pred.table[f"surv_{h}_lower"], pred.lower[:, h],
                                   rtol=1e-12)
        np.testing.assert_allclose(pred.table[f"surv_{h}_upper"], pred.upper[:, h],
                                   rtol=1e-12)
    late = pred.take(rows)
    for part in (early, late):
        assert list(part.table["patient_id"]) == list(new_patients["patient_id"].iloc[rows])
        np.testing.assert_array_equal(part.curves, pred.curves[rows])
        np.testing.assert_array_equal(part.lower, pred.lower[rows])
        np.testing.assert_array_equal(part.upper, pred.upper[rows])
    mask = np.zeros(len(pred), bool)
    mask[[2, 4]] = True
    assert len(pred.take(mask)) == 2
    twice = model.predict(new_patients).take([1, 1])
    np.testing.assert_array_equal(twice.lower, pred.lower[[1, 1]])
    assert len(pred.take([])) == 0 and pred.take([]).curves.shape == (0, 121)


def test_empty_batch(pair, new_patients):
    model, _ = pair
    pred = model.predict(new_patients.iloc[:0])
    assert len(pred) == 0 and list(pred.table.columns) == TABLE_COLUMNS
    assert pred.curves.shape == (0, 121)


def test_risk_groups_follow_cutpoints(pair):
    model, frame = pair
    low_cut, high_cut = model.risk_cutpoints_
    assert 0 < low_cut < high_cut < 1
    t = model.predict(frame).table
    shares = t["risk_group"].value_counts(normalize=True)
    assert shares.to_dict() == pytest.approx({"low": 1 / 3, "intermediate": 1 / 3,
                                              "high": 1 / 3}, abs=0.01)
    assert (t.loc[t["risk_group"] == "high", "surv_60"] < low_cut).all()
    assert (t.loc[t["risk_group"] == "low", "surv_60"] >= high_cut).all()


@pytest.mark.parametrize("change, worse", [
    ({"met_grade": "G2"}, {"met_grade": "G3"}),
    ({"ecog": 0}, {"ecog": 2}),
    ({"liver_burden": "lt25"}, {"liver_burden": "gt50"}),
    ({"extrahepatic_mets": 0}, {"extrahepatic_mets": 1}),
    ({"primary_resected": 1}, {"primary_resected": 0}),
    ({"age": 50.0}, {"age": 75.0}),
])
def test_direction_of_effect(pair, change, worse):
    """Raising a harmful factor lowers survival, the rest of the patient unchanged."""
    model, _ = pair
    better = model.predict(reference_like_patient(**change))
    poorer = model.predict(reference_like_patient(**worse))
    assert (poorer.curves[0, 1:] < better.curves[0, 1:]).all()
    assert poorer.table["surv_60"].iloc[0] < better.table["surv_60"].iloc[0]


def test_contributions_add_up_to_the_linear_predictor(pair, new_patients):
    model, _ = pair
    pred = model.predict(new_patients)
    used = pred.table["model_used"].to_numpy()
    ref_lp = {name: m.reference_linear_predictor() for name, m in model.models_.items()}
    total = pred.contributions.sum(axis=1, skipna=True).to_numpy() + \
        np.array([ref_lp[u] for u in used])
    np.testing.assert_allclose(total, pred.table["linear_predictor"], atol=1e-10)
    assert pred.contributions.loc[used == "primary_only", "met_grade"].isna().all()
    assert pred.contributions.loc[used == "biopsy"].notna().all().all()
    # the reference patient itself contributes nothing
    ref = model.predict(pd.DataFrame([model.reference_patient_]))
    assert np.allclose(ref.contributions.fillna(0).to_numpy(), 0.0)


def test_reference_patient_is_median_age_and_commonest_levels(pair):
    model, frame = pair
    ref = model.reference_patient_
    assert ref["age"] == np.round(frame["age"].median())
    assert ref["primary_site"] == frame["primary_site"].mode()[0]
    assert ref["met_grade"] == frame["met_grade"].dropna().mode()[0]
    assert ref["liver_burden"] == frame["liver_burden"].mode()[0]


def test_flags(pair):
    model, _ = pair
    patients = pd.concat([
        reference_like_patient(patient_id="OLD", age=99.0),
        reference_like_patient(patient_id="NOBIOPSY", met_grade=None),
        reference_like_patient(patient_id="NOGRADE", primary_grade=None),
        reference_like_patient(patient_id="PLAIN"),
    ], ignore_index=True)
    flags = dict(zip(patients["patient_id"], model.predict(patients).table["flags"],
                     strict=True))
    assert "age outside the training range" in flags["OLD"]
    assert flags["NOBIOPSY"].startswith("no liver-biopsy grade")
    assert "primary grade unknown" in flags["NOGRADE"]
    assert flags["PLAIN"] == ""


def test_rare_and_absent_categories():
    frame = simulate_cohort(600, seed=5)
    frame = frame[frame["primary_site"] != "appendix"]  # a level nobody has in training
    model = BiopsyRiskModel(penalizer=0.0, extra_terms=()).fit(frame)
    bio = model.biopsy_model_
    assert "primary_site[appendix]" in bio.dropped_columns_
    assert any("'Primary site = Appendix': the same for every training patient" in note
               for note in map(str, bio.notes_))
    appendix = reference_like_patient(primary_site="appendix")
    small = reference_like_patient(primary_site="small_intestine")
    a, s = model.predict(appendix), model.predict(small)
    np.testing.assert_allclose(a.curves, s.curves)  # predicted as the reference level
    assert "few training patients with Primary site = Appendix (n=0)" in a.table["flags"][0]


def test_aliased_unknown_site_and_grade_get_one_effect_as_r_does():
    """Unknown primary site always with unknown primary grade: R's coxph reports the
    second column's coefficient as NA; so do we (left out, one effect for both), without
    any penalty, and patients with only one of the two are flagged."""
    frame = simulate_cohort(600, seed=8, missing_primary_grade=0.0)
    frame.loc[frame["primary_site"] == "unknown", "primary_grade"] = None
    biopsied = frame[frame["met_grade"].notna()]
    model = CoxModel("biopsy", penalizer=0.0, extra_terms=()).fit(biopsied)
    assert model.penalizer_ == 0.0
    assert "primary_grade[unknown]" in model.dropped_columns_
    assert "primary_site[unknown]" in model.coef_.index
    assert ("'Primary WHO grade = Not assessed' is the same patients as 'Primary site = Unknown "
            "primary' in the training data: one effect is estimated for both") in [str(note) for note in model.notes_]
    pred = model.predict(biopsied)
    check_survival_curves(pred.curves, pred.lower, pred.upper)
    assert not any("estimated only together" in f for f in pred.table["flags"])
    known_site = reference_like_patient(primary_grade=None, met_grade="G2")
    flags = model.predict(known_site).table["flags"][0]
    assert "'Primary WHO grade = Not assessed' was estimated only together with" in flags


def test_vectorised_predict_equals_one_by_one(pair, new_patients):
    model, _ = pair
    some = new_patients.iloc[:25]
    batch = model.predict(some)
    for i in range(len(some)):
        one = model.predict(some.iloc[[i]])
        np.testing.assert_allclose(one.curves[0], batch.curves[i], rtol=0, atol=1e-14)
        np.testing.assert_allclose(one.lower[0], batch.lower[i], rtol=0, atol=1e-14)
        np.testing.assert_allclose(one.upper[0], batch.upper[i], rtol=0, atol=1e-14)
        pd.testing.assert_frame_equal(one.table, batch.table.iloc[[i]].reset_index(drop=True))


@pytest.mark.parametrize("covariates", ["biopsy", "primary_only"])
def test_large_and_small_batches_encode_alike(covariates):
    """Batches from HASH_FROM patients up take pandas' hashing path, smaller ones plain
    comparisons: same design matrix, same problems found."""
    frame = simulate_cohort(3 * HASH_FROM, seed=12)
    frame = frame[frame["met_grade"].notna()] if covariates == "biopsy" else frame
    terms = ("grade_change", "ki67") if covariates == "biopsy" else ("ki67",)
    columns = candidate_columns(covariates, terms)
    whole = encode(frame, columns, covariates, terms)
    pieces = [encode(frame.iloc[i:i + 50], columns, covariates, terms)
              for i in range(0, len(frame), 50)]
    np.testing.assert_array_equal(whole, np.vstack(pieces))
    bad = frame.assign(primary_site=frame["primary_site"].where(
        np.arange(len(frame)) != 7, "liver"))
    for rows in (bad, bad.iloc[:20]):
        with pytest.raises(ModelError, match=r"primary_site has value\(s\) \['liver'\]"):
            encode(rows, columns, covariates, terms)


def test_round_trip_is_json_and_gives_identical_predictions(pair, new_patients):
    model, _ = pair
    text = json.dumps(model.to_dict(), allow_nan=False)
    loaded = BiopsyRiskModel.from_dict(json.loads(text))
    a, b = model.predict(new_patients), loaded.predict(new_patients)
    np.testing.assert_array_equal(a.curves, b.curves)
    np.testing.assert_array_equal(a.lower, b.lower)
    np.testing.assert_array_equal(a.upper, b.upper)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.contributions, b.contributions)
    one = CoxModel.from_dict(json.loads(json.dumps(model.comparator_model_.to_dict())))
    np.testing.assert_array_equal(one.survival_at(new_patients, [60]),
                                  model.comparator_model_.survival_at(new_patients, [60]))


def _numbers_and_lists(node, numbers, lengths):
    if isinstance(node, dict):
        for value in node.values():
            _numbers_and_lists(value, numbers, lengths)
    elif isinstance(node, list):
        lengths.add(len(node))
        for value in node:
            _numbers_and_lists(value, numbers, lengths)
    elif isinstance(node, float | int) and not isinstance(node, bool):
        numbers.add(float(node))


def test_saved_model_holds_no_patient_rows(pair):
    model, frame = pair
    text = json.dumps(model.to_dict())
    assert not [pid for pid in frame["patient_id"] if pid in text]
    numbers, lengths = set(), set()
    _numbers_and_lists(json.loads(text), numbers, lengths)
    assert not numbers & set(frame["os_months"].astype(float))
    n_biopsy = int(frame["met_grade"].notna().sum())
    assert not lengths & {len(frame), n_biopsy}  # no per-patient arrays


def test_not_fitted_errors_are_clear(new_patients):
    for model, call in ((CoxModel(), lambda m: m.linear_predictor(new_patients)),
                        (CoxModel(), lambda m: m.to_dict()),
                        (BiopsyRiskModel(), lambda m: m.predict(new_patients))):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            call(model)
    assert issubclass(NotFittedError, ModelError)


@pytest.mark.parametrize("settings, message", [
    ({"penalizer": -1}, "penalizer"),
    ({"penalizer": "lots"}, "penalizer"),
    ({"covariates": "everything"}, "covariates"),
    ({"extra_terms": ["shoe_size"]}, "extra term"),
    ({"cv_folds": 1}, "cv_folds"),
])
def test_bad_settings_are_named(settings, message):
    frame = simulate_cohort(100, seed=1)
    frame = frame[frame["met_grade"].notna()]
    with pytest.raises(ModelError, match=message):
        CoxModel(**settings).fit(frame)


def test_per_model_settings_and_refit_like(pair):
    model, frame = pair
    with pytest.raises(ModelError, match="per-model setting"):
        BiopsyRiskModel(penalizer={"biopsy": 0.0}).fit(frame)
    refit = model.refit_like(frame.iloc[:600])
    assert refit is not model and not hasattr(BiopsyRiskModel(), "biopsy_model_")
    for name, m in refit.models_.items():
        assert m.penalizer_ == model.models_[name].penalizer_
        assert m.terms_ == model.models_[name].terms_
        assert m.fit_statistics_["n"] < model.models_[name].fit_statistics_["n"]


def test_bad_training_data_is_refused():
    frame = simulate_cohort(100, seed=1)
    with pytest.raises(ModelError, match="liver-biopsy grade"):
        CoxModel("biopsy", penalizer=0.0).fit(frame)  # some met_grade blank
    with pytest.raises(ModelError, match="censored"):
        CoxModel("primary_only", penalizer=0.0).fit(frame.assign(death=0))
    with pytest.raises(ModelError, match="positive"):
        CoxModel("primary_only", penalizer=0.0).fit(frame.assign(os_months=0.0))
    with pytest.raises(ModelError, match="primary_site"):
        CoxModel("primary_only", penalizer=0.0).fit(frame.assign(primary_site="liver"))


def test_survival_at_months_outside_grid_is_refused(pair, new_patients):
    model, _ = pair
    with pytest.raises(ModelError, match="month 0 to 120"):
        model.comparator_model_.survival_at(new_patients, [150])


def test_predict_before_biopsy(pair):
    model, _ = pair
    patients = pd.concat([reference_like_patient(patient_id=f"P{g}", primary_grade=g,
                                                 met_grade=None) for g in ("G1", "G3")]
                         + [reference_like_patient(patient_id="PU", primary_grade=None,
                                                   met_grade=None)], ignore_index=True)
    result = model.predict_before_biopsy(patients)
    counts = model.transition_counts_
    for i, g in enumerate(("G1", "G3")):
        row = np.array([counts[g][lv] for lv in ("G1", "G2", "G3")], float)
        np.testing.assert_allclose(result.probabilities.iloc[i], row / row.sum())
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1.0)
    by = np.stack([result.by_liver_grade[g].curves for g in ("G1", "G2", "G3")])
    assert np.all(result.expected_curves <= by.max(axis=0) + 1e-12)
    assert np.all(result.expected_curves >= by.min(axis=0) - 1e-12)
    # a liver G3 is the worst outcome for every patient
    assert np.all(by[2][:, 1:] < by[0][:, 1:])
    assert list(result.table["patient_id"]) == ["PG1", "PG3", "PU"]
    # primary G1 patients are expected to fare better before the biopsy than primary G3
    assert result.table["surv_60"][0] > result.table["surv_60"][1]
    assert (result.comparator.table["model_used"] == "primary_only").all()


def test_transition_counts_are_counts_of_the_training_cohort(pair):
    model, frame = pair
    bio = frame[frame["met_grade"].notna()]
    primary = bio["primary_grade"].fillna("unknown")
    expected = pd.crosstab(primary, bio["met_grade"])
    for p, row in model.transition_counts_.items():
        for g, count in row.items():
            assert count == expected.loc[p, g] if p in expected.index else count == 0


def test_reference_patient_function_ties_go_to_reference_level():
    frame = simulate_cohort(40, seed=2).assign(sex=["male", "female"] * 20)
    assert reference_patient(frame)["sex"] == "female"


@pytest.mark.parametrize("name, value", [
    ("penalizer", -0.1), ("penalizer", float("inf")), ("penalizer", "lots"), ("penalizer", True),
    ("seed", -1), ("seed", 1.5), ("seed", True), ("cv_folds", 1), ("bootstrap", 1001),
    ("bootstrap", -1),
])
def test_one_settings_rule_everywhere(name, value):
    """The model, the training use case and the command line refuse a setting with the
    same sentence (risk.model.settings)."""
    import argparse

    from risk.model import TrainingSettings, argument_type, check_setting

    with pytest.raises(ModelError) as direct:
        check_setting(name, value)
    message = str(direct.value)
    assert message.startswith(f"The '{name}' setting (") and f"got {value!r}" in message
    if name in ("penalizer", "seed"):
        with pytest.raises(ModelError) as trained:
            TrainingSettings(**{name: value}).check()
        assert str(trained.value) == message
    if name == "penalizer" and not isinstance(value, bool):
        with pytest.raises(argparse.ArgumentTypeError, match="must be 'auto' or a number"):
            argument_type(name)(str(value))
    for good in ({"penalizer": "auto"}, {"penalizer": 0}, {"seed": 7}, {"cv_folds": 5}):
        key, ok = next(iter(good.items()))
        assert check_setting(key, ok) == ok


def test_predictions_without_curves_or_a_source_are_refused_when_built():
    # once built, and failed only at .curves with "'NoneType' object has no attribute"
    with pytest.raises(ValueError, match="source"):
        Predictions(MONTHS, pd.DataFrame(columns=TABLE_COLUMNS), pd.DataFrame())
