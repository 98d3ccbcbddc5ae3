"""The Cohort page in Simplified Chinese (AppTest): every tab, survival grouping and
chart's data table, for the shipped cohort and for an uploaded one (small numbers
suppressed, the file's notes shown), and a refused file: no English word left (the
scanner of :mod:`visible_text`), and no exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from cohort_frames import make_cohort, save_active_model
from streamlit.testing.v1 import AppTest
from visible_text import english_words, visible_texts

from risk.i18n import _, using_language
from risk.registry.store import MODEL_DIR_ENV
from risk.schema import COLUMN_NAMES

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TABS = ("Grade transitions", "Survival by group", "Progression-free survival",
        "Hazard ratios", "Ki-67", "Table 1", "Biopsy safety", "Risk distribution")
GROUPINGS = ("grade_change", "met_grade", "primary_grade", "primary_site", "risk_group")
CHARTS = ("sankey", "transition_heatmap", "km", "pfs_km", "forest", "ki67",
          "complications", "risk_distribution")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    fitted = save_active_model(folder, "apptest-v1")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(MODEL_DIR_ENV, str(folder))
        yield fitted


def chinese_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["language"] = "zh_Hans"
    at.run()
    at.switch_page("pages/cohort.py").run()
    assert not at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="cohort_file").set_value((name, data, "text/csv")).run()
    assert not at.exception
    return at


def sixty_patients() -> bytes:
    """60 patients (some grades blank, derived from Ki-67 where it is given)."""
    frame = make_cohort(100, seed=5)
    frame = frame[frame["primary_grade"].notna() | frame["met_grade"].notna()].head(60)
    return frame[list(COLUMN_NAMES)].to_csv(index=False).encode()


def english_in_every_view(at: AppTest, file_name: str = "") -> list[str]:
    """Open every tab the page offers (each survival grouping, each chart's data table)
    and return the English words shown on the way, with where (the uploaded file's name
    is the user's, shown as written: left out)."""
    shown_name = file_name.replace(".", "\\.")
    found = []
    for tab in TABS:
        with using_language("zh_Hans"):
            title = _(tab) if tab != "Ki-67" else tab
        at.session_state["cohort_tab"] = title
        at.run()
        assert not at.exception, tab
        groupings = GROUPINGS if tab in ("Survival by group", "Progression-free survival") \
            else (None,)
        for grouping in groupings:
            if grouping:
                key = "km_grouping" if tab == "Survival by group" else "pfs_grouping"
                try:
                    box = at.selectbox(key=key)
                except KeyError:  # no such tab for this cohort (no PFS recorded)
                    break
                box.set_value(grouping).run()
                assert not at.exception, (tab, grouping)
            for chart in CHARTS:
                toggles = [t for t in at.toggle if t.key == f"{chart}_as_table"]
                if toggles:
                    toggles[0].set_value(True).run()
                    assert not at.exception, (tab, chart)
            found += [f"{tab} {grouping or ''}: {text}"
                      for text in english_words([t.replace(shown_name, "") if shown_name
                                                 else t for t in visible_texts(at)])]
    return sorted(set(found))


def test_the_shipped_cohort_in_chinese_has_no_english_in_any_view(model):
    left = english_in_every_view(chinese_page())
    assert left == [], "\n".join(left)


def test_an_uploaded_cohort_in_chinese_has_no_english_in_any_view(model):
    at = upload(chinese_page(), "board.csv", sixty_patients())
    assert at.success and not at.error
    assert at.get_by_key("small_cells")  # the small-cell rule applies to an upload
    left = english_in_every_view(at, "board.csv")
    assert left == [], "\n".join(left)


def test_a_refused_file_in_chinese_is_explained_in_chinese(model):
    at = upload(chinese_page(), "empty.csv", b"")
    assert "无法使用" in at.error[0].value
    frame = make_cohort(30, seed=2)
    frame = frame[frame["primary_grade"].notna() | frame["met_grade"].notna()].copy()
    frame.loc[frame.index[1], "age"] = 999.0
    at = upload(chinese_page(), "bad.csv", frame[list(COLUMN_NAMES)].to_csv(index=False).encode())
    assert at.error and at.get("table")
    # the file's own column names are identifiers, shown as written
    texts = [t.replace("bad\\.csv", "") for t in visible_texts(at) if t not in COLUMN_NAMES]
    left = english_words(texts)
    assert left == [], "\n".join(left)


def test_the_scanner_finds_english_on_the_english_page(model):
    """The checks above can fail: the same views in English are full of English."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/cohort.py").run()
    assert len(english_words(visible_texts(at))) > 20
