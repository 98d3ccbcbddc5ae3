"""Reproducers of the failures the fuzz tests (``test_fuzz_training.py``) found.

One test per distinct failure, each on a small cohort written out here and read through
the real upload path (:func:`cohort_strategies.load_rows`), each asserting the fuzz
property (:mod:`fuzz_checks`): the use case works, or raises the package's own error.
The failure each one reproduced when it was written is in its docstring.

The cohorts start from :func:`patient`, a fixed arbitrary pattern of valid patients
(every value cycles with the row number); :func:`test_the_plain_cohort_works_in_every_use_case`
shows the pattern alone fails nothing, so the change each reproducer makes is the cause.
"""

from __future__ import annotations

from cohort_strategies import load_rows
from fuzz_checks import evaluate_case, recalibrate_case, train_case

GRADES = ("G1", "G2", "G3")
SITES = ("pancreas", "small_intestine", "colon", "pancreas", "rectum", "small_intestine",
         "stomach")


def patient(i: int, **cells: str) -> dict[str, str]:
    """Patient ``i`` of the plain cohort as the cells of a file, with ``cells`` changed.

    Every patient has both grades entered, a liver biopsy, a follow-up of 3-99 months
    and died in 4 of 7 rows.
    """
    row = {
        "patient_id": f"R-{i:03d}", "age": str(35 + (i * 17) % 50),
        "sex": ("female", "male")[(i * 7) % 2 if i % 5 else 1],
        "primary_site": SITES[(i * 3) % 7], "primary_ki67": "", "primary_mitoses": "",
        "primary_grade": GRADES[(i * 5) % 3], "met_ki67": "", "met_mitoses": "",
        "met_grade": GRADES[(i * 5 + (i % 4 == 0)) % 3], "differentiation": "well",
        "met_timing": ("synchronous", "metachronous")[(i // 3) % 2],
        "liver_burden": ("lt25", "25to50", "gt50")[(i * 2) % 3 if i % 4 else 0],
        "extrahepatic_mets": str(int(i % 4 == 1)), "primary_resected": str((i // 2) % 2),
        "functional_syndrome": str(int(i % 3 == 2)), "ecog": str((i * 7) % 3),
        "sstr_status": ("positive", "negative", "unknown")[(i * 11) % 3 if i % 2 else 0],
        "biopsy_complication": "none",
        "os_months": str(3 + (i * 37) % 97), "death": str(int((i * 11) % 7 < 4)),
    }
    row.update(cells)
    return row


def plain_rows(n: int = 40) -> list[dict[str, str]]:
    return [patient(i) for i in range(n)]


#: Short names of :func:`table_rows`' columns (ex, rs, fs: extrahepatic_mets,
#: primary_resected, functional_syndrome; pg, mg: primary and liver-biopsy grade).
TABLE_COLUMNS = {"age": "age", "sex": "sex", "site": "primary_site", "pg": "primary_grade",
                 "mg": "met_grade", "timing": "met_timing", "burden": "liver_burden",
                 "ex": "extrahepatic_mets", "rs": "primary_resected",
                 "fs": "functional_syndrome", "ecog": "ecog", "sstr": "sstr_status",
                 "months": "os_months", "d": "death"}


def table_rows(table: str) -> list[dict[str, str]]:
    """Patients written as a table (a header of :data:`TABLE_COLUMNS`, then one line per
    patient, ``-`` for a blank cell); no Ki-67 or mitoses, well differentiated."""
    header, *lines = [line.split() for line in table.strip().splitlines()]
    rows = []
    for i, values in enumerate(lines):
        row = patient(i, met_ki67="", met_mitoses="")
        row.update({TABLE_COLUMNS[h]: "" if v == "-" else v
                    for h, v in zip(header, values, strict=True)})
        rows.append(row)
    return rows


def test_the_plain_cohort_works_in_every_use_case():
    frame = load_rows(plain_rows())
    train_case(frame)
    for internal in (False, True):
        evaluate_case(frame, internal)
    for slope in (False, True):
        recalibrate_case(frame, slope)


# -- training -------------------------------------------------------------------------------

def test_training_when_every_death_is_at_the_same_month():
    """26 of 30 patients die at month 24, 4 are censored at month 60: with 5 folds, one
    fold holds only deaths at month 24, whose held-out Harrell C has no usable pair.

    Found: ``ZeroDivisionError: No admissable pairs in the dataset.`` from lifelines'
    ``concordance_index`` in ``tuning.cv_concordance`` <- ``compare_terms`` <-
    ``select_terms`` <- ``CoxModel.fit`` (the choice of extra terms).
    """
    rows = [patient(i, os_months="24", death="1") if i >= 4 else
            patient(i, os_months="60", death="0") for i in range(30)]
    train_case(load_rows(rows))


#: 31 patients; functional_syndrome equals extrahepatic_mets in every row.
FLAG_ALIAS_COHORT = """
    age  sex    site            pg mg timing       burden ex rs fs ecog sstr     months d
    46   male   small_intestine G1 -  metachronous gt50   0  1  0  3    positive 23.2   1
    46.4 male   pancreas        -  G3 metachronous gt50   1  1  1  1    positive 9.4    1
    59.9 male   pancreas        G2 G2 synchronous  25to50 0  1  0  0    positive 6.8    1
    73.3 female pancreas        G1 G2 metachronous lt25   0  1  0  2    positive 2.7    1
    66.5 female pancreas        G2 G3 synchronous  25to50 0  0  0  1    positive 10.7   1
    70.9 male   rectum          G1 G3 metachronous lt25   0  0  0  0    unknown  11.7   1
    58.4 female small_intestine G2 G2 synchronous  25to50 0  1  0  0    negative 7.9    1
    56.1 female small_intestine G2 G2 synchronous  25to50 0  0  0  2    positive 28.6   0
    56.1 male   rectum          G1 G1 metachronous lt25   1  0  1  0    positive 19.2   1
    52.8 female pancreas        G2 G2 synchronous  25to50 1  1  1  0    positive 8.7    1
    63.1 female small_intestine G1 G1 synchronous  25to50 0  0  0  1    positive 8.8    1
    73.6 male   pancreas        G2 G1 metachronous 25to50 0  1  0  0    positive 28.4   0
    52.6 male   small_intestine G2 G2 synchronous  gt50   0  1  0  3    positive 19.8   1
    63.6 male   small_intestine G1 G1 synchronous  25to50 0  0  0  0    unknown  38     0
    78.5 male   pancreas        G2 -  synchronous  lt25   0  1  0  0    -        36.1   1
    68.5 female unknown         G1 G2 synchronous  lt25   0  0  0  0    positive 108.7  1
    54.3 female stomach         G2 G2 metachronous lt25   0  0  0  0    positive 16.9   1
    53.4 female pancreas        G2 -  synchronous  25to50 0  0  0  0    negative 37.8   0
    65.6 female small_intestine G1 G1 synchronous  25to50 0  1  0  1    positive 6.9    1
    62.1 female pancreas        G3 G2 synchronous  lt25   1  1  1  2    positive 0.8    1
    58.6 female pancreas        G3 G3 metachronous 25to50 0  1  0  2    positive 10.4   1
    72.1 female small_intestine G2 G2 synchronous  lt25   0  0  0  0    positive 17.5   1
    46.7 female colon           G2 G3 synchronous  lt25   1  1  1  1    unknown  6.9    1
    70.1 female unknown         G2 G1 synchronous  25to50 0  0  0  4    unknown  53.7   1
    78.7 female pancreas        G1 G1 synchronous  lt25   0  1  0  0    negative 103.9  1
    84.3 male   unknown         G3 G3 metachronous 25to50 0  1  0  0    positive 1.7    1
    70.4 female unknown         G2 G3 metachronous gt50   0  0  0  1    positive 1.9    1
    77.4 male   small_intestine G1 G1 metachronous 25to50 1  1  1  1    positive 36.4   1
    67.1 male   small_intestine -  G2 synchronous  25to50 0  1  0  0    positive 26.9   1
    67.4 male   unknown         G1 -  synchronous  lt25   0  1  0  0    positive 3.8    1
    60.2 female appendix        G2 G3 metachronous lt25   0  1  0  2    positive 1.8    1
"""

#: 37 patients; the primary site is unknown exactly when the primary grade is.
UNKNOWN_PRIMARY_COHORT = """
    age  sex    site            pg mg timing       burden ex rs fs ecog sstr     months d
    64.8 female unknown         -  G2 synchronous  25to50 0  0  1  3    unknown  6.9    1
    65   male   rectum          G3 G3 synchronous  lt25   0  1  0  1    positive 8.7    1
    42.2 male   pancreas        G2 G2 metachronous lt25   0  0  0  1    unknown  97.1   1
    63.6 female small_intestine G1 G2 synchronous  lt25   0  1  0  1    positive 52     1
    87   female unknown         -  G1 metachronous lt25   1  1  0  1    positive 0.8    1
    63.3 female unknown         -  G2 synchronous  gt50   0  1  1  1    positive 15.7   1
    37.6 male   small_intestine G2 G2 synchronous  lt25   1  1  0  1    positive 17.3   1
    56.9 female pancreas        G2 G2 synchronous  gt50   0  0  0  0    unknown  28.5   1
    55.5 male   pancreas        G1 -  metachronous lt25   0  1  0  0    positive 22.1   0
    83.3 female colon           G2 G1 synchronous  25to50 0  0  1  0    positive 0.7    1
    61.4 female small_intestine G2 G2 metachronous 25to50 0  0  0  0    positive 55.5   0
    48.6 male   stomach         G1 G1 metachronous lt25   0  0  0  1    positive 10.1   1
    68.6 female unknown         -  G2 metachronous 25to50 0  1  0  4    positive 6.9    0
    45.3 female pancreas        G2 G3 metachronous lt25   0  1  0  0    positive 0.5    1
    60.5 female stomach         G1 G1 synchronous  gt50   0  1  0  0    positive 28     1
    45.8 female unknown         -  G3 metachronous lt25   0  1  0  0    unknown  60.3   1
    61.1 male   pancreas        G3 -  synchronous  lt25   1  1  0  0    positive 3.8    1
    82.3 male   small_intestine G2 G2 metachronous 25to50 1  0  0  1    positive 43.5   1
    42.7 male   unknown         -  G1 metachronous lt25   0  0  0  0    positive 13     0
    57.7 female small_intestine G2 -  metachronous 25to50 1  0  0  0    positive 80.5   1
    66.6 female colon           G2 G2 synchronous  25to50 0  1  0  0    positive 0.9    1
    67.7 female small_intestine G2 G2 synchronous  lt25   1  1  1  0    positive 10.1   1
    63.3 male   pancreas        G1 G2 metachronous 25to50 0  0  0  0    positive 61.4   1
    81.5 male   small_intestine G1 G1 metachronous gt50   0  1  0  1    positive 28     0
    79.4 male   unknown         -  G2 metachronous 25to50 0  1  0  0    positive 20.1   0
    48.8 female small_intestine G2 G3 synchronous  lt25   0  0  1  0    positive 27.8   1
    68.3 male   small_intestine G2 -  metachronous 25to50 0  0  0  1    negative 118.2  1
    61.9 male   pancreas        G3 G3 metachronous lt25   0  1  1  0    positive 1.3    1
    51   female small_intestine G1 G1 synchronous  25to50 0  0  0  0    positive 102.4  1
    47.1 female small_intestine G3 -  synchronous  lt25   0  0  0  0    negative 9.2    1
    51.9 female colon           G1 G2 synchronous  25to50 0  0  1  0    -        4.7    1
    52.3 female pancreas        G2 -  synchronous  lt25   0  0  0  0    -        12.2   1
    73.4 male   unknown         -  G3 synchronous  lt25   0  0  0  0    positive 1.7    1
    76.1 male   unknown         -  G2 synchronous  lt25   1  0  0  1    positive 5.4    1
    48.8 male   colon           G1 G1 metachronous gt50   0  1  0  1    unknown  15.5   1
    56.4 male   small_intestine G1 G1 metachronous 25to50 0  1  1  0    negative 17.4   1
    70.2 male   small_intestine G1 G1 synchronous  lt25   1  1  1  1    negative 34.4   0
"""


def test_training_when_a_flag_always_equals_another_flag():
    """functional_syndrome = extrahepatic_mets for every patient: two identical design
    columns. The cross-validated choice of the penalizer refits the primary-only
    comparator without a penalty on 4/5 of the patients; this exact cohort (a cohort found by the
    fuzz test, no row can be left out) makes the refit converge to a singular
    information matrix instead of stopping with a CoxConvergenceError.

    Found: ``numpy.linalg.LinAlgError: Singular matrix`` from ``np.linalg.inv`` in
    ``cox_efron._newton`` <- ``fit_efron`` <- ``coxfit._breslow_coefficients`` <-
    ``coxfit.fit_coefficients`` <- ``tuning.cv_partial_likelihood`` <-
    ``tuning.choose_penalizer`` <- ``CoxModel.fit`` <- ``BiopsyRiskModel.fit``
    (the comparator).
    """
    rows = table_rows(FLAG_ALIAS_COHORT)
    extrahepatic = [r["extrahepatic_mets"] for r in rows]
    assert [r["functional_syndrome"] for r in rows] == extrahepatic
    train_case(load_rows(rows))


def test_training_when_unknown_primary_site_always_means_unknown_primary_grade():
    """primary_site = unknown exactly for the patients without a primary grade: the
    columns primary_site[unknown] and primary_grade[unknown] are the same. Same failure,
    same place, as the flag aliasing above (a cohort found by the fuzz test).

    Found: ``numpy.linalg.LinAlgError: Singular matrix`` from ``np.linalg.inv`` in
    ``cox_efron._newton`` <- ``coxfit.fit_coefficients`` <-
    ``tuning.cv_partial_likelihood`` (penalizer 0) <- ``CoxModel.fit``.
    """
    rows = table_rows(UNKNOWN_PRIMARY_COHORT)
    assert all((r["primary_site"] == "unknown") == (r["primary_grade"] == "") for r in rows)
    train_case(load_rows(rows))


# -- evaluation ------------------------------------------------------------------------------

def test_evaluation_when_no_pair_of_patients_can_be_compared():
    """Every death at month 24 and every censored patient followed for less: Harrell's C
    has no usable pair (it is undefined, not an error of the program).

    Found: ``ZeroDivisionError: No admissable pairs in the dataset.`` from lifelines'
    ``concordance_index`` in ``metrics.discrimination.harrell_c`` <-
    ``evaluation_sections.metric_set`` <- ``evaluation.evaluate``.
    """
    rows = [patient(i, os_months="24", death="1") if i >= 4 else
            patient(i, os_months=str(5 * (i + 1)), death="0") for i in range(30)]
    evaluate_case(load_rows(rows))


def test_evaluation_when_a_subgroup_has_no_comparable_pair():
    """The 12 pancreas patients (a subgroup large enough for its C to be shown) all die
    at month 24; the other patients make the cohort's own C well defined.

    Found: ``ZeroDivisionError: No admissable pairs in the dataset.`` in
    ``metrics.discrimination.harrell_c`` <- ``evaluation_sections._subgroup_row`` <-
    ``subgroups`` <- ``evaluation.evaluate``.
    """
    rows = [patient(i, os_months="24", death="1") if patient(i)["primary_site"] == "pancreas"
            else patient(i) for i in range(40)]
    evaluate_case(load_rows(rows))


def test_evaluation_when_the_longest_follow_up_ends_in_a_death_and_a_censoring():
    """The longest follow-up, 120 months, is shared by one death and one censored
    patient (whole-month follow-up makes such ties common): the censoring
    distribution's Kaplan-Meier estimate is 0 at that death.

    Found: ``ValueError: censoring survival function is zero at one or more time
    points`` from scikit-survival's ``cumulative_dynamic_auc`` in
    ``metrics.discrimination.time_dependent_auc`` <- ``evaluation_sections.metric_set``
    <- ``evaluation.evaluate``.
    """
    rows = plain_rows()
    rows[0].update(os_months="120", death="1")
    rows[1].update(os_months="120", death="0")
    evaluate_case(load_rows(rows))


def test_evaluation_when_follow_up_ends_before_5_years_in_a_death_and_a_censoring():
    """As above, with every follow-up within 48 months: Uno's C is then not truncated
    at 60 months and weights every death, the last one by 1 / 0.

    Found: ``ValueError: censoring survival function is zero at one or more time
    points`` from scikit-survival's ``concordance_index_ipcw`` in
    ``metrics.discrimination.uno_c`` <- ``evaluation_sections.metric_set`` <-
    ``evaluation.evaluate``.
    """
    rows = [patient(i, os_months=str(1 + (i * 37) % 47)) for i in range(40)]
    rows[0].update(os_months="48", death="1")
    rows[1].update(os_months="48", death="0")
    evaluate_case(load_rows(rows))
