"""AppTest flows of the cohort page: the shipped synthetic cohort by default, a valid
upload, bad uploads (problems listed with row numbers, identifier columns refused, a file
that is not a CSV), filters (and a filter that keeps nobody), each survival grouping, each
section, and the patient from the patient page placed in the risk distribution.

Expected numbers are computed independently of the page: counts with pandas on the file,
medians with lifelines' ``KaplanMeierFitter``, the patient's percentile with
``scipy.stats.percentileofscore`` over the model's full ``predict``.

A small model is fitted in memory and saved to a temporary registry, which
``RISK_MODEL_DIR`` points the app at (the risk groups need an active model).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from cohort_frames import make_cohort, save_active_model
from scipy import stats
from streamlit.testing.v1 import AppTest

from risk.present.figures.style import SYNTHETIC_MODEL_NOTE, SYNTHETIC_NOTE
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import MODEL_DIR_ENV, Registry
from risk.schema import COLUMN_NAMES

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
SHIPPED = REPO / "data" / "synthetic" / "cohort.csv"
VERSION = "apptest-cohort-v1"
TABS = ("Grade transitions", "Survival by group", "Hazard ratios", "Ki-67", "Table 1",
        "Biopsy safety", "Risk distribution")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A fitted model, saved and activated in a temporary registry the app reads."""
    folder = tmp_path_factory.mktemp("models")
    fitted = save_active_model(folder, VERSION)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(MODEL_DIR_ENV, str(folder))
        yield fitted


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    """The shipped file read plainly with pandas (not through the validator)."""
    return pd.read_csv(SHIPPED, dtype={"patient_id": str})


def valid_cohort(n: int, seed: int) -> pd.DataFrame:
    """``make_cohort`` without patients lacking both grades (the validator refuses them)."""
    frame = make_cohort(n + 40, seed=seed)
    graded = frame["primary_grade"].notna() | frame["met_grade"].notna()
    return frame[graded].head(n).reset_index(drop=True)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame[list(COLUMN_NAMES)].to_csv(index=False).encode()


def cohort_page(tab: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/cohort.py")
    if tab:
        at.session_state["cohort_tab"] = tab
    at.run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="cohort_file").set_value((name, data, "text/csv")).run()
    assert not at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def as_read(markdown: object) -> object:
    """A static table's cell as the reader sees it (cells are sent Markdown-escaped)."""
    if not isinstance(markdown, str):
        return markdown
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def tables(at: AppTest) -> list[pd.DataFrame]:
    """The static tables, as read on screen."""
    return [t.value.map(as_read) for t in at.get("table")]


def problems(at: AppTest) -> pd.DataFrame:
    """The problems of a refused file (a static table when short, else a grid)."""
    return (tables(at) or [d.value for d in at.dataframe])[0]


# --------------------------------------------------------------------------- default

def test_default_is_the_shipped_synthetic_cohort(model, shipped):
    at = cohort_page()
    assert "Synthetic cohort" in " ".join(w.value for w in at.warning)
    assert metric(at, "Patients shown") == f"{len(shipped):,}"
    deaths = int(shipped["death"].sum())
    assert metric(at, "Deaths") == f"{deaths:,}"
    assert f"{100 * deaths / len(shipped):.0f}% of shown" in " ".join(c.value for c in at.caption)
    specs = chart_specs(at)
    kinds = [trace["type"] for spec in specs for trace in spec["data"]]
    assert "sankey" in kinds and "heatmap" in kinds
    sankey = next(t for s in specs for t in s["data"] if t["type"] == "sankey")
    assert sum(sankey["link"]["value"]) == len(shipped)
    # every figure carries the synthetic-data mark
    assert all("Synthetic data" in json.dumps(s["layout"].get("annotations", []))
               for s in specs)


def test_each_chart_downloads_as_png_under_its_own_name(model):
    at = cohort_page()
    configs = [json.loads(c.proto.config) for c in at.get("plotly_chart")]
    assert {c["toImageButtonOptions"]["format"] for c in configs} == {"png"}
    names = [c["toImageButtonOptions"]["filename"] for c in configs]
    assert len(set(names)) == len(names) and all(re.fullmatch(r"[a-z0-9-]+", n) for n in names)


# --------------------------------------------------------------------------- uploads

def test_valid_upload_replaces_the_synthetic_cohort(model):
    frame = valid_cohort(300, seed=11)
    at = upload(cohort_page(), "board-cohort.csv", csv_bytes(frame))
    assert not at.error
    assert "board-cohort.csv" in as_read(" ".join(s.value for s in at.success))
    assert not any("Synthetic cohort" in w.value for w in at.warning)
    assert metric(at, "Patients shown") == "300"
    deaths = int(frame["death"].sum())
    assert metric(at, "Deaths") == f"{deaths}"
    specs = chart_specs(at)
    assert not any("Synthetic data" in json.dumps(s["layout"].get("annotations", []))
                   for s in specs)


def test_the_shipped_file_uploaded_is_still_labelled_synthetic(model):
    at = upload(cohort_page(), "cohort.csv", SHIPPED.read_bytes())
    assert "is the shipped synthetic cohort" in " ".join(w.value for w in at.warning)
    assert not at.success
    assert all("Synthetic data" in json.dumps(s["layout"].get("annotations", []))
               for s in chart_specs(at))


def test_file_names_are_shown_as_written(model):
    frame = valid_cohort(40, seed=3)
    name = "[centre](http://example.org) *b*.csv"
    at = upload(cohort_page(), name, csv_bytes(frame))
    shown = at.success[0].value
    assert name not in shown and as_read(shown.split("**")[1]) == name
    at = upload(cohort_page(), name, b"patient_id\n")
    assert as_read(at.error[0].value.split("**")[1]) == name


def test_ignored_column_names_are_shown_as_written(model):
    frame = valid_cohort(40, seed=3)
    data = frame[list(COLUMN_NAMES)].assign(**{"ward `x` [a](http://e.org)": 1})
    at = upload(cohort_page(), "extra.csv", data.to_csv(index=False).encode())
    note = next(m.value for e in at.expander for m in e.markdown if "ignored" in m.value)
    assert "ward `x` [a](http://e.org)" in as_read(note)
    assert "`" not in note.replace("\\`", "") and "](" not in note


def test_bad_upload_lists_every_problem_with_its_row(model):
    frame = valid_cohort(30, seed=2).astype(object)
    frame.loc[1, "age"] = "sixty"  # data row 2
    frame.loc[4, "ecog"] = 7  # data row 5
    frame.loc[6, "primary_grade"], frame.loc[6, "primary_ki67"] = "G1", 45.0  # row 7
    at = upload(cohort_page(), "bad.csv", csv_bytes(frame))
    assert "bad.csv" in as_read(at.error[0].value) and "3 problems" in at.error[0].value
    table = problems(at)
    assert list(table.columns) == ["Row", "Column", "Value", "Problem", "Allowed"]
    found = set(zip(table["Row"], table["Column"], strict=True))
    assert {("2", "age"), ("5", "ecog"), ("7", "primary_grade")} <= found
    assert table.loc[table["Column"] == "age", "Value"].iloc[0] == "sixty"
    assert not at.get("plotly_chart")  # nothing of the bad file is shown


def test_problem_values_are_shown_as_written_not_as_markdown(model):
    """st.table renders cells as Markdown: a value from the file must not become a link,
    a heading or bold text in the problems table."""
    frame = valid_cohort(30, seed=2).astype(object)
    frame.loc[1, "sex"] = "[see](http://example.org)"
    frame.loc[3, "primary_site"] = "# **pancreas**"
    at = upload(cohort_page(), "bad.csv", csv_bytes(frame))
    sent = at.get("table")[0].value
    for value in ("[see](http://example.org)", "# **pancreas**"):
        cell = sent.loc[tables(at)[0]["Value"] == value, "Value"].iloc[0]
        assert cell != value and as_read(cell) == value
        assert not re.search(r"(?<!\\)[\[\]()#*]", cell)  # every active character escaped
        assert "://" not in cell.replace("\\", "")


def test_many_problems_are_all_listed_in_a_grid(model):
    frame = valid_cohort(60, seed=9).astype(object)
    frame.loc[:44, "age"] = "old"  # data rows 1-45
    at = upload(cohort_page(), "many.csv", csv_bytes(frame))
    assert not at.get("table")
    table = at.dataframe[0].value
    assert table["Row"].tolist() == [str(r) for r in range(1, 46)]
    assert set(table["Column"]) == {"age"}


def test_identifier_column_is_refused(model):
    frame = valid_cohort(20, seed=4)
    data = frame[list(COLUMN_NAMES)].assign(patient_name="Jane Doe").to_csv(index=False)
    at = upload(cohort_page(), "with-names.csv", data.encode())
    table = problems(at)
    row = table[table["Column"] == "patient_name"]
    assert len(row) == 1 and row["Row"].iloc[0] == ""
    assert "direct identifier" in row["Problem"].iloc[0]
    assert not at.get("plotly_chart")


def nothing_but_the_message(at: AppTest) -> bool:
    """No problems table (static or grid), no download and no chart on the page."""
    return not (at.get("table") or at.dataframe or at.get("download_button")
                or at.get("plotly_chart"))


def test_a_file_that_is_not_a_csv_is_refused_on_the_server(model):
    at = upload(cohort_page(), "cohort.pdf", b"%PDF-1.7 not a table")
    error = as_read(at.error[0].value)
    assert "cohort.pdf" in error
    assert "neither a CSV file nor an Excel workbook" in error
    assert "allowed: a file ending in .csv or .xlsx" in error
    assert nothing_but_the_message(at)


def test_a_binary_file_named_csv_gets_the_readers_message(model):
    at = upload(cohort_page(), "cohort.csv", b"PK\x03\x04\x00\x00binary")
    assert "damaged zip archive" in as_read(at.error[0].value)
    assert nothing_but_the_message(at)


def test_an_empty_file_says_what_is_wrong_and_allowed_without_an_empty_table(model):
    """A problem of the whole file has no row, column or value: it is said in the
    message, not as a table of blank cells with downloads of it."""
    at = upload(cohort_page(), "empty.csv", b"")
    error = as_read(at.error[0].value)
    assert "the file is empty" in error and "a header line and one line per patient" in error
    assert nothing_but_the_message(at)


def test_row_problems_keep_their_table_and_its_downloads(model):
    frame = valid_cohort(30, seed=2).astype(object)
    frame.loc[1, "age"] = "sixty"
    at = upload(cohort_page(), "bad.csv", csv_bytes(frame))
    assert len(problems(at)) == 1
    assert {b.proto.label for b in at.get("download_button")} == {
        "Download the list of problems (CSV)", "Download the list of problems (Excel)"}


# --------------------------------------------------------------------------- filters

def test_filters_select_the_matching_patients(model, shipped):
    at = cohort_page()
    at.pills(key="filter_sites").set_value(["pancreas", "small_intestine"]).run()
    at.slider(key="filter_age").set_value((40, 70)).run()
    assert not at.exception
    keep = (shipped["primary_site"].isin(["pancreas", "small_intestine"])
            & shipped["age"].between(40, 70))
    assert metric(at, "Patients shown") == f"{int(keep.sum()):,}"
    sankey = next(t for s in chart_specs(at) for t in s["data"] if t["type"] == "sankey")
    assert sum(sankey["link"]["value"]) == int(keep.sum())


def test_grade_and_timing_filters(model, shipped):
    at = cohort_page()
    at.pills(key="filter_met_grade").set_value(["G3"]).run()
    at.pills(key="filter_timing").set_value(["metachronous"]).run()
    keep = (shipped["met_grade"] == "G3") & (shipped["met_timing"] == "metachronous")
    # blank liver grades derived from Ki-67 count as G3 when Ki-67 > 20%
    derived = shipped["met_grade"].isna() & (shipped["met_ki67"] > 20) \
        & (shipped["met_timing"] == "metachronous")
    assert metric(at, "Patients shown") == f"{int((keep | derived).sum()):,}"


def test_a_filter_that_keeps_nobody_says_so(model):
    at = cohort_page()
    at.pills(key="filter_primary_grade").set_value([]).run()
    assert not at.exception
    assert metric(at, "Patients shown") == "0"
    assert any("No patients match" in w.value for w in at.warning)
    assert not at.get("plotly_chart")
    at.button(key="filter_reset").click().run()
    assert metric(at, "Patients shown") == "1,000"


def test_filters_reset_when_another_cohort_is_shown(model):
    at = cohort_page()
    at.slider(key="filter_age").set_value((50, 60)).run()
    upload(at, "other.csv", csv_bytes(valid_cohort(120, seed=8)))
    assert metric(at, "Patients shown") == "120"


# --------------------------------------------------------------------------- sections

@pytest.mark.parametrize("grouping,column", [
    ("grade_change", "grade_change"), ("met_grade", "met_grade"),
    ("primary_grade", "primary_grade"), ("primary_site", "primary_site"),
    ("risk_group", None)])
def test_each_survival_grouping(model, shipped, grouping, column):
    at = cohort_page("Survival by group")
    at.selectbox(key="km_grouping").set_value(grouping).run()
    assert not at.exception
    km = chart_specs(at)[0]
    assert "Overall survival by" in km["layout"]["title"]["text"]
    assert "Log-rank test" in texts(at)
    medians = tables(at)[0]
    assert medians["Patients"].astype(int).sum() == len(shipped)
    if column == "met_grade":  # grades as written, or derived from Ki-67 where blank
        from lifelines import KaplanMeierFitter

        g3 = (shipped["met_grade"] == "G3") | (shipped["met_grade"].isna()
                                               & (shipped["met_ki67"] > 20))
        fit = KaplanMeierFitter().fit(shipped.loc[g3, "os_months"], shipped.loc[g3, "death"])
        row = medians[medians["Group"].str.startswith("G3")].iloc[0]
        assert int(row["Patients"]) == int(g3.sum())
        assert float(row["Median OS (months)"]) == pytest.approx(fit.median_survival_time_)
    if column == "primary_site":
        counts = shipped["primary_site"].value_counts()
        assert sorted(medians["Patients"].astype(int)) == sorted(counts.tolist())
        assert "Pairwise log-rank tests" in texts(at)


@pytest.mark.parametrize("tab", [t for t in TABS[2:] if t != "Table 1"])
def test_each_section_renders(model, tab):
    at = cohort_page(tab)
    assert at.get("plotly_chart"), f"no chart in {tab}"


def test_table_one_has_a_column_per_grade_change_group(model, shipped):
    at = cohort_page("Table 1")
    table = tables(at)[0]
    assert table.columns[0] == "Characteristic"
    assert any(c.startswith("Upgraded in the liver (n=") for c in table.columns)
    assert table.iloc[0]["All patients (n=1,000)"] == "1,000"


def test_table_one_shows_every_column_and_names_each_characteristic_once(model, shipped):
    """A static table (a scrolling grid hid the p-values off to the right at 1,400 px):
    every column is on screen, each characteristic is named on its first row only."""
    at = cohort_page("Table 1")
    assert not at.dataframe
    table = tables(at)[0]
    assert list(table.columns[-2:]) == ["p-value", "Test"]
    named = [c for c in table["Characteristic"] if c]
    assert len(named) == len(set(named)) and "Primary site" in named
    sites = shipped["primary_site"].nunique()
    first = table.index[table["Characteristic"] == "Primary site"][0]
    assert (table.loc[first + 1:first + sites - 1, "Characteristic"] == "").all()
    assert "<\u00a00.001" in set(table["p-value"])  # kept on one line in a narrow column


def test_biopsy_safety_table_speaks_the_clinics_words(model, shipped):
    at = cohort_page("Biopsy safety")
    table = tables(at)[0]
    assert list(table.columns) == ["Complication", "Patients", "Of (recorded outcome)", "%",
                                   "95% CI from (%)", "95% CI to (%)"]
    minor = int((shipped["biopsy_complication"] == "minor").sum())
    assert table.loc[table["Complication"] == "Minor", "Patients"].iloc[0] == f"{minor:,}"


def test_patient_from_the_patient_page_is_placed_in_the_risk_distribution(model, shipped):
    from risk.data.validation import load_cohort
    from risk.model.patient_estimate import estimate_patient

    patient = {"age": 63.0, "sex": "female", "primary_site": "pancreas",
               "primary_ki67": 12.0, "met_ki67": 25.0, "met_timing": "synchronous",
               "liver_burden": "25to50", "ecog": 1, "sstr_status": "positive",
               "extrahepatic_mets": False, "primary_resected": True,
               "functional_syndrome": False}
    estimate = estimate_patient(model, patient, model_version=VERSION, synthetic=True)
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/cohort.py")
    at.session_state["cohort_tab"] = "Risk distribution"
    at.session_state["patient_estimate"] = estimate
    at.run()
    assert not at.exception
    risk = 100 * (1 - estimate.estimate.summary["surv_60"])
    cohort_risk = 100 * (1 - model.predict(load_cohort(SHIPPED).frame).table["surv_60"])
    percentile = stats.percentileofscore(cohort_risk, risk, kind="mean")
    assert f"risk of death of **{risk:.0f}%**" in texts(at)
    assert f"higher than {percentile:.0f}% of the shown patients" in texts(at)
    groups = tables(at)[0]
    expected = model.predict(load_cohort(SHIPPED).frame).table["risk_group"].value_counts()
    assert groups["Patients"].tolist() == [f"{int(expected.get(g, 0)):,}"
                                           for g in ("low", "intermediate", "high")]


@pytest.fixture
def synthetic_model(model, tmp_path, monkeypatch):
    """The same model, its card fingerprinting the shipped synthetic cohort as its
    training data (as the shipped model's does)."""
    card = build_card(training_data=data_fingerprint(make_cohort(50, seed=1),
                                                     SHIPPED.read_bytes()))
    Registry(tmp_path).save(model.to_dict(), card, version="synthetic-test", activate=True)
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    return model


def test_real_patients_under_a_synthetic_model_are_marked_as_such(synthetic_model):
    """An uploaded cohort is not synthetic, but risk drawn with a model trained on
    synthetic data is an illustration: those figures say so (not "not real patients")."""
    at = upload(cohort_page(), "board-cohort.csv", csv_bytes(valid_cohort(300, seed=11)))
    at.session_state["cohort_tab"] = "Risk distribution"
    at.run()
    marks = json.dumps(chart_specs(at)[0]["layout"]["annotations"])
    assert SYNTHETIC_MODEL_NOTE in marks and SYNTHETIC_NOTE not in marks
    at.session_state["cohort_tab"] = "Survival by group"
    at.run()
    assert SYNTHETIC_MODEL_NOTE not in json.dumps(chart_specs(at)[0]["layout"])
    at.selectbox(key="km_grouping").set_value("risk_group").run()
    assert not at.exception
    assert SYNTHETIC_MODEL_NOTE in json.dumps(chart_specs(at)[0]["layout"]["annotations"])


def test_without_an_active_model_the_risk_views_say_so(tmp_path, monkeypatch):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path))
    at = cohort_page("Survival by group")
    assert "risk_group" not in at.selectbox(key="km_grouping").options
    at.session_state["cohort_tab"] = "Risk distribution"
    at.run()
    assert not at.exception
    assert "No model is active" in " ".join(i.value for i in at.info)


def test_a_cohort_without_outcomes_shows_transitions_but_no_survival(model):
    frame = valid_cohort(80, seed=6)
    data = frame[[c for c in COLUMN_NAMES if c not in ("os_months", "death")]]
    at = upload(cohort_page(), "no-outcomes.csv", data.to_csv(index=False).encode())
    assert metric(at, "Deaths") == "not given"
    assert at.get("plotly_chart")
    at.session_state["cohort_tab"] = "Survival by group"
    at.run()
    assert not at.exception
    assert "no outcome columns" in " ".join(i.value for i in at.info)


def test_tables_on_screen_write_counts_with_thousands_separators():
    from riskapp.cohort_sections import for_screen

    table = pd.DataFrame({"Group": ["Same grade"], "Patients": [48_282], "%": [34.44]})
    shown = for_screen(table)
    assert shown.iloc[0].tolist() == ["Same grade", "48,282", "34.4"]
    assert table["Patients"].iloc[0] == 48_282  # the CSV keeps the number


# --------------------------------------------------------------------------- grade changes

def grade_change_text(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "both grades" in m.value)


def test_the_grade_changes_name_the_missing_grade_and_add_up(model, shipped):
    at = cohort_page()
    text = grade_change_text(at)
    assert "lack a grade" not in text
    both = int(re.search(r"Of \*\*([\d,]+)\*\* patients with both grades", text)
               .group(1).replace(",", ""))
    no_primary = int(re.search(r"\*\*([\d,]+)\*\* patients have a liver-biopsy grade but no "
                               r"primary-tumor grade", text).group(1).replace(",", ""))
    no_liver = int(re.search(r"\*\*([\d,]+)\*\* patients have a primary-tumor grade but no "
                             r"liver-biopsy grade", text).group(1).replace(",", ""))
    assert both + no_primary + no_liver == len(shipped)
    assert metric(at, "With a liver-biopsy grade") == f"{both + no_primary:,}"
    assert f"of the {len(shipped):,} shown" in " ".join(c.value for c in at.caption)


def test_each_chart_has_its_finding_and_its_data_behind_a_toggle(model):
    """A text alternative for every chart of every tab: a caption of its main finding
    under it, and a toggle that shows its data as a table."""
    findings = {"sankey": "Widest flows from the primary grade",
                "transition_heatmap": "Share of each primary grade that kept the same grade",
                "km": "Median overall survival by group", "forest": "Highest hazard ratio",
                "ki67": "Ki-67 values, the liver biopsy's is higher in",
                "complications": "Complications of the liver biopsy, of the patients",
                "risk_distribution": "Predicted 5-year risk of death in the shown patients"}
    seen = set()
    for tab in TABS:
        at = cohort_page(tab)
        for chart in at.get("plotly_chart"):
            key = next(k for k in findings if chart.proto.id.endswith(f"-{k}"))
            seen.add(key)
            assert any(findings[key] in c.value for c in at.caption), key
            before = len(at.get("table"))
            at.toggle(key=f"{key}_as_table").set_value(True).run()
            assert not at.exception
            assert len(at.get("table")) == before + 1, key
            at.toggle(key=f"{key}_as_table").set_value(False).run()
    assert seen == set(findings)
