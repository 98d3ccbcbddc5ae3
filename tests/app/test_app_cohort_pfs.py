"""AppTest of the cohort page's progression-free survival tab: present for the shipped
cohort (which has PFS), absent for an OS-only upload; the curves' groups and the
log-rank p-value equal lifelines' on the file read plainly with pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from cohort_frames import make_cohort
from lifelines.statistics import multivariate_logrank_test
from streamlit.testing.v1 import AppTest

from risk.present import format_p
from risk.schema import COLUMN_NAMES

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
SHIPPED = REPO / "data" / "synthetic" / "cohort.csv"
TAB = "Progression-free survival"


def cohort_page(tab: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/cohort.py")
    if tab:
        at.session_state["cohort_tab"] = tab
    at.run()
    assert not at.exception
    return at


def test_the_shipped_cohort_has_a_pfs_tab_with_km_and_logrank():
    at = cohort_page(TAB)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = [json.dumps(s["layout"].get("title")) for s in specs]
    assert any("Progression-free survival by" in t for t in titles)
    at.selectbox(key="pfs_grouping").set_value("met_grade").run()
    assert not at.exception
    shipped = pd.read_csv(SHIPPED, dtype={"patient_id": str})
    # the file's grades: blank met_grade derived from Ki-67 (WHO 2019 cut-offs 3% / 20%)
    by_ki67 = pd.cut(shipped["met_ki67"], [-1, 2.999, 20, 100], labels=False)
    by_mitoses = pd.cut(shipped["met_mitoses"], [-1, 1.999, 20, 1000], labels=False)
    best = pd.concat([by_ki67, by_mitoses], axis=1).max(axis=1).map({0: "G1", 1: "G2",
                                                                    2: "G3"})
    grade = shipped["met_grade"].where(shipped["met_grade"].notna(), best)
    event = ((shipped["progression"] == 1) |
             ((shipped["death"] == 1) & (shipped["pfs_months"] == shipped["os_months"])))
    known = grade.notna()
    reference = multivariate_logrank_test(shipped["pfs_months"][known], grade[known],
                                          event[known].astype(int))
    line = at.get_by_key("pfs_logrank").markdown[0].value
    assert f"chi-square {reference.test_statistic:.2f}" in line
    assert format_p(reference.p_value) in line


def test_an_os_only_upload_has_no_pfs_tab():
    at = cohort_page()
    frame = make_cohort(200, seed=4)
    frame = frame[frame["primary_grade"].notna() | frame["met_grade"].notna()]
    data = frame[list(COLUMN_NAMES)].to_csv(index=False).encode()
    at.file_uploader(key="cohort_file").set_value(("os.csv", data, "text/csv")).run()
    assert not at.exception
    labels = [t.label for t in at.tabs]
    assert "Survival by group" in labels and TAB not in labels


def test_the_shipped_cohorts_tabs_include_pfs():
    assert TAB in [t.label for t in cohort_page().tabs]
