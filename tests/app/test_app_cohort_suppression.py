"""Small-cell suppression on the cohort page (AppTest): an uploaded 60-patient cohort
shows no count from 1 to 4 anywhere rendered (metrics, Markdown, captions, notices,
tables, chart texts and sizes) nor in any download, in every tab and survival grouping;
the rule is stated in words; the shipped synthetic cohort is shown in full; the threshold
is a site setting with a clear message when it is wrong.

The checks (``small_cells``) read what a person reads and are written independently of
the rule. Downloads are caught where the page hands a table to the CSV writer.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from cohort_frames import make_cohort, save_active_model
from small_cells import (
    frame_text,
    small_counts_in_chart,
    small_counts_in_download,
    small_counts_in_text,
)
from streamlit.testing.v1 import AppTest

from risk.cohort import THRESHOLD_ENV
from risk.registry.store import MODEL_DIR_ENV
from risk.schema import COLUMN_NAMES
from riskapp import charts

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
TABS = ("Grade transitions", "Survival by group", "Hazard ratios", "Ki-67", "Table 1",
        "Biopsy safety", "Risk distribution")
COUNT_COLUMNS = {"Patients", "Deaths", "Progressions or deaths", "Of (recorded outcome)",
                 "patients"}
GROUPINGS = ("grade_change", "met_grade", "primary_grade", "primary_site", "risk_group")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    fitted = save_active_model(folder, "apptest-suppression")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(MODEL_DIR_ENV, str(folder))
        yield fitted


def cohort_page(tab: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/cohort.py")
    if tab:
        at.session_state["cohort_tab"] = tab
    at.run()
    assert not at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def sixty_patients(seed: int = 5) -> bytes:
    """60 patients with at least one grade (the validator refuses none), as a CSV."""
    frame = make_cohort(100, seed=seed)
    frame = frame[frame["primary_grade"].notna() | frame["met_grade"].notna()].head(60)
    assert len(frame) == 60
    return frame[list(COLUMN_NAMES)].to_csv(index=False).encode()


@pytest.fixture
def downloads(monkeypatch):
    """Every CSV and Excel workbook the page offers, as the bytes written."""
    written: list[bytes] = []
    for name in ("to_csv_bytes", "to_xlsx_bytes"):
        real = getattr(charts, name)

        def catch(frame, _real=real, **kwargs):
            data = _real(frame, **kwargs)
            written.append(data)
            return data

        monkeypatch.setattr(charts, name, catch)
    return written


def rendered_text(at: AppTest) -> str:
    parts = [f"{m.label}: {m.value}" for m in at.metric]
    for kind in (at.markdown, at.caption, at.info, at.warning, at.success, at.error):
        parts += [e.value for e in kind]
    parts += [frame_text(t.value) for t in at.get("table")]
    parts += [frame_text(d.value) for d in at.dataframe]
    # Markdown escapes ("\<5", "1\.5") read as the person sees them
    return " \n ".join(parts).replace("\\", "")


def small_counts_on_page(at: AppTest) -> list[str]:
    found = small_counts_in_text(rendered_text(at))
    for chart in at.get("plotly_chart"):
        found += small_counts_in_chart(json.loads(chart.proto.spec))
    return found


def visit_every_view(at: AppTest, downloads: list[bytes]) -> list[str]:
    """Open every tab (and every survival grouping); the small counts found on the way."""
    found = []
    for tab in TABS:
        at.session_state["cohort_tab"] = tab
        at.run()
        assert not at.exception, tab
        groupings = GROUPINGS if tab == "Survival by group" else (None,)
        for grouping in groupings:
            if grouping:
                at.selectbox(key="km_grouping").set_value(grouping).run()
                assert not at.exception, grouping
            found += [f"{tab} {grouping or ''}: {hit}" for hit in small_counts_on_page(at)]
    found += [f"download: {hit}" for data in downloads
              for hit in small_counts_in_download(data, COUNT_COLUMNS)]
    return found


def upload(at: AppTest, data: bytes) -> AppTest:
    at.file_uploader(key="cohort_file").set_value(("board.csv", data, "text/csv")).run()
    assert not at.exception
    return at


def test_an_uploaded_60_patient_cohort_shows_no_count_below_5(model, downloads):
    at = upload(cohort_page(), sixty_patients())
    downloads.clear()  # the shipped cohort's, before the upload
    at.run()
    assert metric(at, "Patients shown") == "60"
    words = " ".join(i.value for i in at.info)
    assert "Small numbers are suppressed" in words and "'<5'" in words
    found = visit_every_view(at, downloads)
    assert found == [], "\n".join(found)
    # the rule did act: small cells exist in this cohort and read "<5"
    csvs = [d for d in downloads if d[:2] != b"PK"]
    assert "<5" in " ".join(d.decode("utf-8-sig") for d in csvs)
    assert len(csvs) >= 8 and len(downloads) == 2 * len(csvs)  # an Excel beside each


def test_small_groups_are_not_drawn_and_the_page_says_so(model):
    at = upload(cohort_page("Survival by group"), sixty_patients())
    at.selectbox(key="km_grouping").set_value("primary_site").run()
    frame = pd.read_csv(io.BytesIO(sixty_patients()))
    small = [s for s, n in frame["primary_site"].value_counts().items() if n < 5]
    assert small, "the test needs a primary site with fewer than 5 patients"
    km = json.loads(at.get("plotly_chart")[0].proto.spec)
    drawn = [t["name"] for t in km["data"] if t.get("mode") == "lines" and t.get("name")]
    notice = " ".join(i.value for i in at.info)
    assert "Not drawn, fewer than 5 patients" in notice
    assert len(drawn) == frame["primary_site"].nunique() - len(small)


def test_the_shipped_cohort_is_not_suppressed(model):
    at = cohort_page("Table 1")
    assert not any("Small numbers are suppressed" in i.value for i in at.info)
    assert "<5" not in rendered_text(at)


def test_the_threshold_is_a_site_setting(model, monkeypatch, downloads):
    monkeypatch.setenv(THRESHOLD_ENV, "10")
    at = upload(cohort_page("Biopsy safety"), sixty_patients())
    assert "'<10'" in " ".join(i.value for i in at.info)
    table = at.get("table")[0].value.map(lambda v: str(v).replace("\\", ""))
    assert "<10" in set(table["Patients"])
    monkeypatch.setenv(THRESHOLD_ENV, "five")
    at = upload(cohort_page(), sixty_patients())
    assert not at.exception
    error = " ".join(e.value for e in at.error)
    assert THRESHOLD_ENV in error and "'five'" in error and "2 to 100" in error


def test_a_filter_leaving_fewer_than_5_patients_shows_nothing_of_them(model):
    at = upload(cohort_page(), sixty_patients())
    at.slider(key="filter_age").set_value((36, 40)).run()
    frame = pd.read_csv(io.BytesIO(sixty_patients()))
    assert 1 <= int(frame["age"].between(36, 40).sum()) < 5, "the test needs such a filter"
    assert not at.exception
    assert any("Fewer than 5 patients match" in w.value for w in at.warning)
    assert not at.get("plotly_chart") and not at.metric



def test_the_notes_on_how_the_file_was_read_suppress_small_counts(model, monkeypatch):
    """"primary_grade derived ... in 3 rows" would single out three patients."""
    frame = pd.read_csv(io.BytesIO(sixty_patients()))
    derivable = frame.index[frame["primary_grade"].notna() & frame["primary_ki67"].notna()]
    frame.loc[derivable[:3], "primary_grade"] = None
    frame.loc[frame.index[frame["met_grade"].notna() & frame["met_ki67"].notna()][:6],
              "met_grade"] = None
    data = frame.to_csv(index=False).encode()
    notes = " ".join(m.value for m in upload(cohort_page(), data).markdown)
    assert "primary_grade derived from Ki-67/mitoses in <5 rows" in notes.replace("\\", "")
    assert "met_grade derived from Ki-67/mitoses in 6 rows" in notes
    monkeypatch.setenv(THRESHOLD_ENV, "10")
    notes = " ".join(m.value for m in upload(cohort_page(), data).markdown)
    assert "met_grade derived from Ki-67/mitoses in <10 rows" in notes.replace("\\", "")


def test_the_checks_find_small_counts_when_they_are_shown(model, monkeypatch, downloads):
    """The same views with a threshold of 2 show counts 2 to 4: the checks must see them
    (else the test above could not fail)."""
    monkeypatch.setenv(THRESHOLD_ENV, "2")
    at = upload(cohort_page(), sixty_patients())
    downloads.clear()
    at.run()
    found = visit_every_view(at, downloads)
    assert any(hit.startswith("download") for hit in found)
    assert len([h for h in found if h.startswith("download")]) % 2 == 0  # CSV and Excel
    assert any(hit.startswith("Table 1") for hit in found)
    assert any(hit.startswith("Grade transitions") for hit in found)


def test_the_grade_change_sentence_reads_clearly_when_counts_are_suppressed(model):
    """A suppressed count is said in words ("the number upgraded ... is not shown",
    "fewer than 5 ..."), never as the subject of a verb ("hidden were upgraded"), and the
    patients left out are named by the grade they lack."""
    at = upload(cohort_page(), sixty_patients(seed=1))
    text = next(m.value for m in at.markdown if "both grades" in m.value).replace("\\", "")
    assert not re.search(r"\b(hidden|<5)\**\s+(were|was|kept|lack)", text), text
    assert "lack a grade" not in text
    assert "primary-tumor grade" in text and "liver-biopsy grade" in text
