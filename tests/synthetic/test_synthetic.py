"""The synthetic cohort: file format, grades consistent with Ki-67, published targets
(literature.md), determinism, the shipped file, the CLI and the documented parameters.

Targets are the published figures typed from literature.md, never our own output. The
statistical checks run on one large cohort (n=20,000, fixed seed).
"""

import ast
import inspect
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import CoxPHFitter, KaplanMeierFitter

from risk import grading, schema
from risk.cli import main as cli_main
from risk.synthetic import docs as synthetic_docs
from risk.synthetic import generator as synthetic
from risk.synthetic import params as synthetic_params
from risk.synthetic.generator import cohort_csv_text, generate_cohort, write_cohort
from risk.synthetic.shipped import SHIPPED_N, SHIPPED_SEED

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "data" / "synthetic" / "cohort.csv"
README = REPO / "data" / "synthetic" / "README.md"
BIG_N, BIG_SEED = 20_000, 4242

# literature.md §1: the 92 patients, primary -> liver grade counts, primaries 35/45/12
# (the §1 ASSUMPTION), so P(liver | primary) is these counts over the row totals.
SOURCE_COUNTS = np.array([[20, 13, 2], [5, 26, 14], [1, 2, 9]])


def with_grades(frame: pd.DataFrame) -> pd.DataFrame:
    """The file's grades, blank ones derived from Ki-67/mitoses (data dictionary)."""
    out = frame.copy()
    for side, col in (("primary", "primary_grade"), ("met", "met_grade")):
        derived = grading.who_grades(frame[f"{side}_ki67"], frame[f"{side}_mitoses"])
        out[f"{side}_g"] = frame[col].where(frame[col].notna(), derived)
    return out


@pytest.fixture(scope="module")
def big() -> pd.DataFrame:
    return with_grades(generate_cohort(BIG_N, BIG_SEED))


@pytest.fixture(scope="module")
def graded(big) -> pd.DataFrame:
    """Patients with both grades known (the source study's denominator)."""
    return big[big.primary_g.notna() & big.met_g.notna()]


def km(frame: pd.DataFrame) -> KaplanMeierFitter:
    return KaplanMeierFitter().fit(frame.os_months, frame.death)


def survival_at(frame: pd.DataFrame, months: float) -> float:
    return float(km(frame).survival_function_at_times(months).iloc[0])


# --- file format --------------------------------------------------------------------

def test_columns_codes_and_bounds_follow_the_data_dictionary(big):
    frame = big[list(schema.GENERATED_COLUMNS)]
    assert list(generate_cohort(3, 1).columns) == list(schema.GENERATED_COLUMNS)
    assert frame.patient_id.is_unique
    assert frame.patient_id.str.fullmatch(schema.PATIENT_ID_PATTERN[1:-1]).all()
    for col in (*(c for c in schema.COLUMNS if c.since == 1), *schema.PFS_OUTCOMES):
        values = frame[col.name]
        if col.required or col.outcome or col.pfs:
            assert values.notna().all(), col.name
        present = values.dropna()
        if col.kind == "category":
            assert set(present) <= set(col.categories), col.name
        elif col.kind == "flag":
            assert set(present) <= {0, 1}, col.name
        elif col.kind in ("number", "integer"):
            assert present.min() >= col.minimum, col.name
            assert present.max() <= col.maximum, col.name
    assert (frame.os_months > 0).all()
    assert set(frame.differentiation) == {"well"}


def test_every_category_level_occurs(big):
    for name in ("sex", "primary_site", "met_timing", "liver_burden", "sstr_status",
                 "biopsy_complication", "primary_grade", "met_grade"):
        assert set(big[name].dropna()) == set(schema.column(name).categories), name
    assert set(big.ecog) == {0, 1, 2, 3, 4}


def test_every_patient_has_a_grade_the_validator_accepts(big):
    assert (big.primary_g.notna() | big.met_g.notna()).all()


# --- grades and their measurements ----------------------------------------------------

@pytest.mark.parametrize("side", ["primary", "met"])
def test_every_ki67_and_mitotic_count_rederives_the_files_grade(big, side):
    grade = big[f"{side}_grade"]
    ki67, mitoses = big[f"{side}_ki67"], big[f"{side}_mitoses"]
    from_ki67 = grading.grades_from_ki67(ki67)
    has_ki67 = ki67.notna() & grade.notna()
    assert has_ki67.sum() > 1000
    assert (from_ki67[has_ki67] == grade[has_ki67]).all()  # Ki-67 alone gives the grade
    both = grading.who_grades(ki67, mitoses)
    given = grade.notna() & both.notna()
    assert (both[given] == grade[given]).all()  # the higher of the two is the grade
    assert (mitoses.dropna() == mitoses.dropna().round()).all()  # counts are whole


def test_measurements_and_missing_grades_occur_at_plausible_rates(big):
    known_site = big.primary_site != "unknown"
    blank_primary = big.primary_grade.isna()
    derived = blank_primary & big.primary_ki67.notna()
    assert 0.03 < derived[known_site].mean() < 0.10  # not assessed, Ki-67 given
    assert 0.03 < (blank_primary & big.primary_ki67.isna())[known_site].mean() < 0.10
    assert blank_primary[~known_site].mean() > 0.8  # unknown primaries rarely graded
    assert 0.2 < big.primary_mitoses.notna().mean() < 0.4
    assert 0.05 < big.met_mitoses.notna().mean() < 0.25
    assert 0.05 < (big.primary_site == "unknown").mean() < 0.10
    assert 0.85 < big.primary_ki67.notna()[big.primary_grade.notna()].mean() <= 1.0


def test_ki67_values_spread_within_each_grade(big):
    ki67 = big.met_ki67.dropna()
    grade = grading.grades_from_ki67(ki67)
    for g, (low, high) in zip(schema.GRADES, [(0, 3), (3, 20), (20, 100)], strict=True):
        values = ki67[grade == g]
        assert values.nunique() > 15, g
        assert low <= values.median() <= high, g


# --- published targets: grades (literature.md §1, §2, §4) ------------------------------

def test_discordance_and_upgrade_match_the_source_study(graded):
    steps = graded.met_g.map(schema.GRADES.index) - graded.primary_g.map(schema.GRADES.index)
    assert abs((steps != 0).mean() - 37 / 92) < 0.05  # 40.2%
    assert abs((steps > 0).mean() - 29 / 92) < 0.05  # 31.5%
    assert abs((steps < 0).mean() - 8 / 92) < 0.03  # 8.7%


def test_primary_grade_mix_matches_the_assumed_35_45_12(graded):
    shares = graded.primary_g.value_counts(normalize=True)
    for grade, count in zip(schema.GRADES, (35, 45, 12), strict=True):
        assert abs(shares[grade] - count / 92) < 0.03, grade


@pytest.mark.parametrize("primary", range(3))
def test_transition_probabilities_match_the_source_study(graded, primary):
    rows = graded[graded.primary_g == schema.GRADES[primary]]
    observed = rows.met_g.value_counts(normalize=True).reindex(schema.GRADES, fill_value=0)
    expected = SOURCE_COUNTS[primary] / SOURCE_COUNTS[primary].sum()
    np.testing.assert_allclose(observed.to_numpy(), expected, atol=0.035)


def test_the_parameter_table_is_the_source_studys_table():
    table = np.array(synthetic_params.LIVER_GRADE_GIVEN_PRIMARY)
    np.testing.assert_allclose(table * SOURCE_COUNTS.sum(axis=1, keepdims=True),
                               SOURCE_COUNTS, atol=1e-9)


def test_synchronous_and_metachronous_tables_mix_back_to_the_source_table():
    tables = synthetic.liver_grade_tables()
    share = synthetic.metachronous_share_by_primary_grade()[:, None]
    mixed = share * tables["metachronous"] + (1 - share) * tables["synchronous"]
    np.testing.assert_allclose(mixed, SOURCE_COUNTS / SOURCE_COUNTS.sum(axis=1, keepdims=True))
    for table in tables.values():
        np.testing.assert_allclose(table.sum(axis=1), 1.0)
        assert (table >= 0).all()


def test_metachronous_metastases_are_more_often_discordant(graded):
    discordant = graded.met_g != graded.primary_g
    meta = discordant[graded.met_timing == "metachronous"].mean()
    sync = discordant[graded.met_timing == "synchronous"].mean()
    assert meta > sync + 0.3  # §2 Grillo et al.: 83% vs 23%


def test_non_diagnostic_biopsies_follow_the_published_yield(big):
    no_liver_grade = big.met_grade.isna() & big.met_ki67.isna() & big.met_mitoses.isna()
    graded_primary = big.primary_g.notna()
    assert abs(no_liver_grade[graded_primary].mean() - (1 - 0.925)) < 0.01  # §4 yield
    assert (big.met_g.isna() == no_liver_grade).all()


def test_biopsy_complications_follow_the_published_rates(big):
    shares = big.biopsy_complication.value_counts(normalize=True)
    assert abs(shares["minor"] + shares["major"] - 0.093) < 0.01  # §4 any 9.3%
    assert abs(shares["major"] - 0.0275) < 0.006  # §4 major 2.7-2.8%


# --- published targets: survival (literature.md §1, §3) -------------------------------

def test_stable_g2_five_year_survival(graded):
    stable = graded[(graded.primary_g == "G2") & (graded.met_g == "G2")]
    assert abs(survival_at(stable, 60) - 0.675) < 0.07


def test_upgraded_g2_five_year_survival_and_it_is_worse_than_stable(graded):
    upgraded = graded[(graded.primary_g == "G2") & (graded.met_g == "G3")]
    stable = graded[(graded.primary_g == "G2") & (graded.met_g == "G2")]
    five_year = survival_at(upgraded, 60)
    assert abs(five_year - 0.464) < 0.08
    assert five_year < survival_at(stable, 60) - 0.1


def test_liver_g3_median_survival_is_about_20_months(big):
    assert abs(km(big[big.met_g == "G3"]).median_survival_time_ - 20.0) < 8


def test_pancreas_does_worse_than_small_intestine(big):
    pancreas = big[big.primary_site == "pancreas"]
    small_intestine = big[big.primary_site == "small_intestine"]
    assert survival_at(pancreas, 60) < survival_at(small_intestine, 60) - 0.05
    assert km(pancreas).median_survival_time_ < km(small_intestine).median_survival_time_


def test_a_cox_fit_recovers_the_documented_hazard_ratios(graded):
    """The survival times follow the documented Weibull PH model: a Cox fit on the
    patients with both grades recovers each log hazard ratio within 4 standard errors."""
    p = synthetic_params
    design = pd.DataFrame({
        "pancreas": graded.primary_site == "pancreas",
        "small_intestine": graded.primary_site == "small_intestine",
        "age_over_50": graded.age > 50,
        "male": graded.sex == "male",
        "synchronous": graded.met_timing == "synchronous",
        "liver_g2": graded.met_g == "G2",
        "liver_g3": graded.met_g == "G3",
        "primary_g3": graded.primary_g == "G3",
        "burden_25to50": graded.liver_burden == "25to50",
        "burden_gt50": graded.liver_burden == "gt50",
        "extrahepatic": graded.extrahepatic_mets == 1,
        "functional": graded.functional_syndrome == 1,
        "not_resected": graded.primary_resected == 0,
        "ecog_2": graded.ecog == 2,
        "sstr_negative": graded.sstr_status == "negative",
    }).astype(float)
    # Other sites vs rectum are left in the baseline only through their own rows: keep
    # rectum, pancreas and small intestine patients so the site terms are against rectum.
    keep = graded.primary_site.isin(["rectum", "pancreas", "small_intestine"]).to_numpy()
    keep &= graded.ecog.isin([0, 2]).to_numpy()
    data = design[keep].assign(os_months=graded.os_months[keep], death=graded.death[keep])
    fit = CoxPHFitter().fit(data, "os_months", "death")
    truth = np.log(pd.Series({
        "pancreas": p.SITE_HR["pancreas"] / p.SITE_HR["rectum"],
        "small_intestine": p.SITE_HR["small_intestine"] / p.SITE_HR["rectum"],
        "age_over_50": p.AGE_OVER_50_HR, "male": p.MALE_HR, "synchronous": p.SYNCHRONOUS_HR,
        "liver_g2": p.LIVER_G2_HR, "liver_g3": p.LIVER_G2_HR * p.UPGRADE_G2_TO_G3_HR,
        "primary_g3": p.PRIMARY_G3_HR, "burden_25to50": p.LIVER_BURDEN_HR["25to50"],
        "burden_gt50": p.LIVER_BURDEN_HR["gt50"], "extrahepatic": p.EXTRAHEPATIC_HR,
        "not_resected": p.NOT_RESECTED_HR, "ecog_2": p.ECOG_HR[2],
        "functional": p.FUNCTIONAL_SYNDROME_HR,
        "sstr_negative": p.SSTR_NEGATIVE_HR,
    }))
    z = (fit.params_[truth.index] - truth) / fit.standard_errors_[truth.index]
    assert (z.abs() < 4).all(), z.round(2).to_dict()
    upgrade_hr = np.exp(fit.params_["liver_g3"] - fit.params_["liver_g2"])
    assert 1.5 <= upgrade_hr <= 3.9  # §2 range of the HR of an upgrade


def test_follow_up_has_staggered_administrative_censoring_and_losses(big):
    censored = big[big.death == 0]
    low, high = synthetic_params.FOLLOW_UP_RANGE_MONTHS
    assert big.os_months.max() <= high
    assert censored.os_months.quantile(0.9) > 100  # administrative ends spread to 150
    lost_early = (censored.os_months < low).sum() / len(big)  # only losses end before 24
    assert 0.01 < lost_early < 0.06
    assert 0.3 < big.death.mean() < 0.6
    tenths = big.os_months * 10
    assert np.allclose(tenths, tenths.round())


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(0, 2**63 - 1))
def test_any_seed_gives_consistent_grades_and_a_grade_for_everyone(n, seed):
    frame = with_grades(generate_cohort(n, seed))
    assert len(frame) == n
    for side in ("primary", "met"):
        given_grade = frame[f"{side}_grade"]
        derived = grading.who_grades(frame[f"{side}_ki67"], frame[f"{side}_mitoses"])
        both = given_grade.notna() & derived.notna()
        assert (given_grade[both] == derived[both]).all()
    assert (frame.primary_g.notna() | frame.met_g.notna()).all()
    assert ((frame.os_months > 0) & (frame.os_months <= 150)).all()


# --- determinism and the written file -------------------------------------------------

def test_same_seed_same_bytes_different_seed_different_file(tmp_path):
    first = write_cohort(generate_cohort(300, 11), tmp_path / "a.csv").read_bytes()
    again = write_cohort(generate_cohort(300, 11), tmp_path / "b.csv").read_bytes()
    other = write_cohort(generate_cohort(300, 12), tmp_path / "c.csv").read_bytes()
    assert first == again
    assert first != other
    assert b"\r" not in first and first.endswith(b"\n")
    # the version-1 columns, then the PFS pair (no cells counted: read as the default)
    assert first.decode("utf-8").splitlines()[0] == ",".join(schema.GENERATED_COLUMNS)


def test_written_numbers_have_fixed_decimals(tmp_path):
    frame = generate_cohort(200, 3)
    text = write_cohort(frame, tmp_path / "c.csv").read_text()
    table = pd.read_csv(tmp_path / "c.csv", dtype=str, keep_default_na=False)
    assert table.os_months.str.fullmatch(r"\d+\.\d").all()
    assert table.age.str.fullmatch(r"\d+").all()
    ki67 = table.met_ki67[table.met_ki67 != ""]
    assert ki67.str.fullmatch(r"\d+\.\d").all()
    assert "nan" not in text.lower() and "None" not in text
    pd.testing.assert_series_equal(table.os_months.astype(float), frame.os_months)


def test_a_failed_write_leaves_no_file_behind(tmp_path, monkeypatch):
    target = tmp_path / "c.csv"

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(synthetic.os, "replace", fail)
    with pytest.raises(OSError):
        write_cohort(generate_cohort(5, 1), target)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("n", "seed"), [(0, 1), (-3, 1), (2.5, 1), (True, 1), (10, -1),
                                          (10, 1.5), (10**7, 1)])
def test_bad_arguments_are_refused(n, seed):
    with pytest.raises(ValueError, match="n must|seed must"):
        generate_cohort(n, seed)


def test_one_patient_is_a_cohort():
    frame = generate_cohort(1, 0)
    assert len(frame) == 1 and frame.patient_id.iloc[0] == "SYN-00001"


# --- the shipped file ---------------------------------------------------------------

def test_shipped_cohort_is_the_documented_command_output():
    assert SHIPPED.read_bytes() == cohort_csv_text(generate_cohort(SHIPPED_N, SHIPPED_SEED)).encode()


def test_shipped_cohort_passes_the_cohort_validator():
    validation = pytest.importorskip("risk.data.validation")
    result = validation.load_cohort(SHIPPED, purpose="training")
    assert result.n_patients == SHIPPED_N
    assert result.ignored_columns == []
    assert 300 < result.n_deaths < 600


# --- the command line -----------------------------------------------------------------

def test_cli_writes_the_same_file_as_the_library(tmp_path, capsys):
    out = tmp_path / "cohort.csv"
    assert cli_main(["generate", "--n", "40", "--seed", "9", "--out", str(out)]) == 0
    assert out.read_text() == cohort_csv_text(generate_cohort(40, 9))
    assert "40 synthetic patients" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "words"), [
    (["--n", "0"], "--n must be a whole number from 1"),
    (["--n", "ten"], "--n must be a whole number"),
    (["--n", "5", "--seed", "-4"], "--seed must be a whole number from 0"),
    (["--n", "5", "--seed", "1.5"], "--seed must be a whole number"),
])
def test_cli_refuses_bad_numbers_in_one_line(tmp_path, capsys, args, words):
    out = tmp_path / "c.csv"
    assert cli_main(["generate", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not out.exists()


def test_cli_refuses_an_unwritable_path_in_one_line(tmp_path, capsys):
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    for out, words in ((tmp_path / "missing" / "c.csv", "does not exist"),
                       (tmp_path, "must name a file"),
                       (a_file / "c.csv", "does not exist")):
        assert cli_main(["generate", "--n", "5", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert words in err and len(err.strip().splitlines()) == 1, err


# --- every parameter documented -----------------------------------------------------

def test_every_parameter_names_its_source_or_is_an_assumption():
    docs = synthetic_docs.parameter_docs()
    tree = ast.parse(inspect.getsource(synthetic_params))
    constants = {t.id for node in tree.body if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name) and t.id.isupper()}
    assert {d.name for d in docs} == constants
    for doc in docs:
        assert re.search(r"§[1-6]|ASSUMPTION|CALIBRATED", doc.statement), doc.name
        if "CALIBRATED" in doc.statement:
            assert "§" in doc.statement, doc.name  # calibrated to a named figure


def test_readme_carries_the_parameters_the_data_dictionary_and_the_command():
    text = README.read_text(encoding="utf-8")
    assert synthetic_docs.parameter_table() in text
    assert synthetic_docs.data_dictionary_table() in text
    command = (f"python -m risk generate --n {SHIPPED_N} --seed {SHIPPED_SEED} "
               "--out data/synthetic/cohort.csv")
    assert command in text


def test_the_shipped_cohort_is_the_file_whose_models_are_called_synthetic():
    """risk.registry.lineage calls a model synthetic by this fingerprint: regenerating the
    shipped cohort must update it."""
    import hashlib
    from pathlib import Path

    from risk.synthetic.shipped import SHIPPED_SHA256

    shipped = Path(__file__).resolve().parents[2] / "data" / "synthetic" / "cohort.csv"
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == SHIPPED_SHA256
