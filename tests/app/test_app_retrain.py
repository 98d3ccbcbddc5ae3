"""AppTest flows of the retrain page: upload (good, bad, with column matching), train with
a progress bar, the comparison with the active model, save, activate with confirmation,
roll back, recalibrate, and who may change the registry.

Each test gets its own temporary registry (``RISK_MODEL_DIR``) holding one active version
``base``: the shipped ``models/`` folder is never touched.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest
from cohort_frames import make_cohort
from fault_injection import failing_at
from streamlit.testing.v1 import AppTest

from risk.cohort import THRESHOLD_ENV
from risk.model import BiopsyRiskModel
from risk.registry.card import build_card, data_fingerprint
from risk.registry.store import MODEL_DIR_ENV, Registry
from risk.schema import COLUMN_NAMES
from riskapp.retrain_job import JOB_KEY, wait

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 180
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s",
        "client_id": "id", "client_secret": "x",
        "server_metadata_url": "https://id.example.org/.well-known/openid-configuration"}


def csv_bytes(frame) -> bytes:
    columns = [c for c in COLUMN_NAMES if c in frame.columns] + \
        [c for c in frame.columns if c not in COLUMN_NAMES and c not in
         ("grade_change", "grade_change_steps")]
    return frame[columns].to_csv(index=False, na_rep="", lineterminator="\n").encode()


@pytest.fixture(scope="module")
def base_registry(tmp_path_factory) -> Path:
    frame = make_cohort(300, seed=3)
    model = BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(frame)
    folder = tmp_path_factory.mktemp("retrain") / "models"
    Registry(folder).save(model.to_dict(), build_card(training_data=data_fingerprint(frame)),
                          version="base", activate=True)
    return folder


@pytest.fixture
def registry(base_registry, tmp_path, monkeypatch) -> Registry:
    folder = tmp_path / "models"
    shutil.copytree(base_registry, folder)
    monkeypatch.setenv(MODEL_DIR_ENV, str(folder))
    return Registry(folder)


def centre_cohort(n: int = 220, seed: int = 5):
    """Another centre: shorter survival, follow-up closed at 80 months (many patients
    censored there, as a study's end of follow-up leaves them)."""
    frame = make_cohort(n, seed=seed)
    months = (frame["os_months"] / 1.5).round(1).clip(lower=0.1)
    frame["death"] = frame["death"].where(months <= 80, 0)
    frame["os_months"] = months.clip(upper=80.0)
    return frame


@pytest.fixture(scope="module")
def cohort() -> bytes:
    return csv_bytes(centre_cohort())


def retrain_page(**settings) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for name, value in settings.items():
        setattr(at, name, value)
    at.run()
    at.switch_page("pages/retrain.py").run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, data: bytes, name: str = "cohort.csv") -> AppTest:
    at.file_uploader(key="cohort_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest, kind: str) -> str:
    return "\n".join(str(e.value) for e in getattr(at, kind))


#: A column that only this table of the page has (AppTest does not expose a dataframe's key).
TABLES = {"versions_table": "status", "upload_problems": "Problem",
          "comparison_table": "New model", "recalibration_check": "predicted after"}


def shown_table(at: AppTest, key: str):
    for frame in [*at.dataframe, *at.table]:
        value = frame.value
        if value.index.name in ("Row", "Sheet"):  # a static table keeps its first column as index
            value = value.reset_index()
        if TABLES[key] in value.columns:
            return value
    raise KeyError(key)


def train(at: AppTest, bootstrap: int = 5) -> AppTest:
    at.radio(key="penalizer_mode").set_value("fixed").run()
    at.number_input(key="penalizer_value").set_value(0.1)
    at.number_input(key="bootstrap").set_value(bootstrap)
    at.button(key="train").click().run()
    assert not at.exception, at.exception
    return finish_training(at)


def finish_training(at: AppTest) -> AppTest:
    """Wait for the background training, then rerun: the page takes its result."""
    job = at.session_state.get(JOB_KEY)
    if job is not None:
        wait(job, TIMEOUT)
        at.run()
        assert not at.exception, at.exception
    return at


# ------------------------------------------------------------------ page and upload
def test_the_page_opens_in_local_mode_with_its_notice_and_the_versions(registry):
    at = retrain_page()
    assert "Retrain" in at.title[0].value
    assert "Local single-user mode" in texts(at, "info")
    assert "`base`" in texts(at, "markdown")
    table = shown_table(at, "versions_table")
    assert list(table["version"]) == ["base"] and table["active"].iloc[0] == "●"
    assert not [b for b in at.button if b.key == "train"]


def test_the_data_dictionary_shows_each_columns_meaning_in_words(registry):
    at = retrain_page()
    table = next(d.value for d in at.table if "meaning" in d.value.columns)
    meanings = dict(zip(table["column"].str.strip("`"), table["meaning"], strict=True))
    assert "blank = 500" in meanings["met_cells_counted"]
    assert not [m for m in meanings.values() if "{" in m]  # no placeholder left unfilled


@pytest.mark.parametrize("name, data, words", [
    ("cohort.pdf", b"%PDF-1.7", "neither a CSV file nor an Excel workbook"),
    ("cohort.csv", b"PK\x03\x04 an excel file renamed", "damaged zip archive"),
    ("cohort.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel 97-2003"),
    ("cohort.csv", b"", "empty"),
])
def test_a_file_that_is_not_a_csv_is_refused_on_the_server(registry, name, data, words):
    at = upload(retrain_page(), data, name)
    assert "nothing was trained" in texts(at, "error")
    problems = shown_table(at, "upload_problems")
    assert words in " ".join(problems["Problem"])
    assert not [b for b in at.button if b.key == "train"]


def test_every_problem_is_listed_with_row_column_and_value(registry, cohort):
    frame = make_cohort(60, seed=1)
    frame["age"] = frame["age"].astype(object)
    frame.loc[2, "age"] = "sixty"
    frame.loc[7, "ecog"] = 9
    at = upload(retrain_page(), csv_bytes(frame))
    problems = shown_table(at, "upload_problems")
    found = {(r.Row, r.Column, r.Value) for r in problems.itertuples()}
    assert ("3", "age", "sixty") in found and ("8", "ecog", "9") in found


def test_identifier_columns_are_refused(registry):
    frame = make_cohort(40, seed=1)
    frame["patient_name"] = "Jane Doe"
    at = upload(retrain_page(), csv_bytes(frame))
    problems = shown_table(at, "upload_problems")
    assert "patient_name" in set(problems["Column"])
    assert "direct identifier" in " ".join(problems["Problem"])


def test_an_all_censored_file_is_refused_with_a_clear_message(registry):
    frame = make_cohort(60, seed=1)
    frame["death"] = 0
    at = upload(retrain_page(), csv_bytes(frame))
    assert "every patient is censored" in " ".join(shown_table(at, "upload_problems")["Problem"])


def test_columns_with_other_names_can_be_matched_to_the_data_dictionary(registry):
    theirs = {"age": "Age at biopsy", "os_months": "OS (months)", "death": "Died"}
    frame = make_cohort(220, seed=5).rename(columns=theirs)
    data = frame[[theirs.get(c, c) for c in COLUMN_NAMES]].to_csv(
        index=False, na_rep="").encode()
    at = upload(retrain_page(), data)
    assert shown_table(at, "upload_problems")["Column"].str.contains("death").any()
    assert at.selectbox(key="map_os_months").value == "os (months)"  # suggested
    assert at.selectbox(key="map_age").value == "age at biopsy"  # ours and a qualifier
    at.selectbox(key="map_death").set_value("died").run()
    assert not at.exception
    assert "is valid: 220 patients" in texts(at, "success")
    assert "columns matched" in " ".join(c.value for c in at.caption)
    assert [b for b in at.button if b.key == "train"]


# ------------------------------------------------------------------ train and compare
def test_the_notes_on_the_upload_suppress_small_counts(registry, monkeypatch):
    """The Cohort page's small-cell rule: a note of 3 derived grades reads "<5 rows"."""
    frame = centre_cohort()
    frame.loc[frame.index[frame["primary_ki67"].notna()][:3], "primary_grade"] = None
    frame.loc[frame.index[frame["met_ki67"].notna() & frame["met_grade"].notna()][:6],
              "met_grade"] = None
    at = upload(retrain_page(), csv_bytes(frame))
    notes = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "primary_grade derived from Ki-67/mitoses in <5 rows" in notes
    assert "met_grade derived from Ki-67/mitoses in 6 rows" in notes
    monkeypatch.setenv(THRESHOLD_ENV, "10")
    at = upload(retrain_page(), csv_bytes(frame))
    assert "in <10 rows" in " ".join(c.value for c in at.caption).replace("\\", "")


def test_a_cohort_small_for_the_models_is_warned_about_before_training(registry, cohort):
    at = upload(retrain_page(), cohort)
    shown = texts(at, "warning")
    assert "Small cohort for these models" in shown
    deaths = int(centre_cohort()["death"].sum())
    assert f"the primary-only comparator (all patients): {deaths} deaths for 22 candidate " \
           "parameters" in shown
    assert "overfits" in shown and "Training is allowed" in shown
    assert [b for b in at.button if b.key == "train"]  # still allowed


def test_a_cohort_large_enough_gets_no_size_warning(registry):
    shipped = (Path(__file__).resolve().parents[2] / "data/synthetic/cohort.csv").read_bytes()
    at = upload(retrain_page(), shipped)
    assert "is valid" in texts(at, "success")
    assert "Small cohort" not in texts(at, "warning")


def test_train_compare_save_activate_and_roll_back(registry, cohort, monkeypatch):
    import riskapp.retrain_report as page_report

    built = []  # the 5 MB HTML reports are built when downloaded, not on every rerun
    monkeypatch.setattr(page_report, "render_report_html",
                        lambda *a, **k: built.append(a) or "<!DOCTYPE html>")
    at = upload(retrain_page(), cohort)
    assert "is valid: 220 patients" in texts(at, "success")
    train(at)
    at.run()
    assert built == []
    held = at.session_state["retrain_candidate"][1]
    assert held.report.source.validation == "internal"
    assert held.active_report.source.to_dict() == {
        "file": "cohort.csv", "sha256": held.report.source.sha256, "validation": "external"}
    table = shown_table(at, "comparison_table")
    assert {"New model", "New model, optimism-corrected", "Active model base"} <= set(table)
    c_row = table[table["Metric"].str.startswith("Harrell")].iloc[0]
    assert c_row["New model"] != "n/a" and c_row["Active model base"] != "n/a"
    charts = at.get("plotly_chart")
    assert len(charts) >= 8  # both models' figures, side by side
    assert registry.versions() == ["base"]  # nothing saved by training
    # the details read in words, as in the HTML report (not raw report keys)
    static = [t.value for t in at.table]
    terms = {term for t in static if "Term" in t.columns for term in t["Term"]}
    assert "Liver biopsy WHO grade: G3 (Ki-67 > 20%)" in terms
    assert not [term for term in terms if "[" in term]
    metrics = {m for t in static if "Resamples used" in t.columns for m in t["Metric"]}
    assert "Harrell's C, primary-only comparator" in metrics
    assert any(s.startswith("Primary site: ") for t in static if "Subgroup" in t.columns
               for s in t["Subgroup"])
    assert {"New model: subgroups", "Active model base: subgroups",
            "New model: bootstrap optimism (internal validation)"} <= {
        e.label for e in at.expander}
    assert {"New model: full report (HTML)", "Active model: full report (HTML)"} <= {
        b.label for b in at.get("download_button")}

    # save: a new immutable version, not served yet
    at.text_input(key="trained_version_name").set_value("centre-b")
    at.button(key="trained_save").click().run()
    assert not at.exception
    assert registry.versions() == ["base", "centre-b"]
    assert registry.active_version() == "base"
    card = registry.read("centre-b")[1]
    assert card.kind == "trained" and card.training_data.patients == 220
    assert card.metrics.compared_with.version == "base"
    assert card.metrics.stored_report().calibration  # the Model page draws it
    assert "Saved as version centre-b" in texts(at, "success")

    # activation needs the confirmation
    assert at.button(key="trained_activate").disabled
    at.checkbox(key="trained_confirm").check().run()
    assert not at.button(key="trained_activate").disabled
    at.button(key="trained_activate").click().run()
    assert not at.exception
    assert registry.active_version() == "centre-b"
    assert "now the active model" in texts(at, "success")

    # the patient side now serves the new version
    home = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert "`centre-b`" in texts(home, "markdown")

    # roll back, with its own confirmation
    assert at.button(key="rollback").disabled
    at.checkbox(key="rollback_confirm").check().run()
    at.button(key="rollback").click().run()
    assert not at.exception
    assert registry.active_version() == "base"
    assert [e["action"] for e in registry.history()][-1] == "rollback"

    # or activate any version from the list
    at.selectbox(key="choose_version").set_value("centre-b").run()
    at.checkbox(key="choose_confirm").check().run()
    at.button(key="activate_chosen").click().run()
    assert registry.active_version() == "centre-b"
    table = shown_table(at, "versions_table")
    assert list(table["version"]) == ["base", "centre-b"]
    row = table[table["version"] == "centre-b"].iloc[0]
    assert row["Harrell's C"] == f"{card.metrics.harrell_c_corrected:.3f} " \
                                 "(optimism-corrected)"


@pytest.mark.parametrize("metrics, shown", [
    ({"evaluation": {"harrell_c": 0.77, "harrell_c_corrected": 0.7512}},
     "0.751 (optimism-corrected)"),
    ({"harrell_c": 0.7347, "compared_with": {"harrell_c_corrected": 0.9}}, "0.735"),
    ({"c_index_apparent_training": 0.768}, "0.768 (apparent, training data)"),
    ({}, ""),
])
def test_the_version_list_gives_each_card_s_best_founded_c_index(metrics, shown):
    from risk.registry import ModelCard
    from riskapp.retrain_versions import stored_c_index

    assert stored_c_index(ModelCard.from_dict({"metrics": metrics})) == shown


def test_recalibrate_the_active_model_and_save_it_as_a_child_version(registry, cohort):
    at = upload(retrain_page(), cohort)
    at.checkbox(key="slope").check()
    at.button(key="recalibrate").click().run()
    assert not at.exception
    check = shown_table(at, "recalibration_check")
    assert set(check["model"]) == {"Biopsy model", "Primary-only comparator"}
    assert "predicted after" in check
    at.button(key="recalibrated_save").click().run()
    new = [v for v in registry.versions() if v != "base"]
    assert len(new) == 1
    card = registry.read(new[0])[1]
    assert card.kind == "recalibrated" and card.parent == "base"
    assert card.settings["recalibration"] == "baseline and slope"
    assert card.training_data.sha256
    assert registry.active_version() == "base"
    assert "reviewed the observed and predicted survival above" in \
        at.checkbox(key="recalibrated_confirm").label
    at.checkbox(key="recalibrated_confirm").check().run()
    at.button(key="recalibrated_activate").click().run()
    assert registry.active_version() == new[0]


# ------------------------------------------------------------------ access
def test_with_sign_in_configured_a_signed_out_user_cannot_change_anything(registry):
    params, card = registry.read("base")
    registry.save(params, card, version="other")  # something to activate
    at = retrain_page(secrets={"auth": AUTH, "access": {"allowed": ["ana@clinic.org"]}})
    assert "Sign in to save" in texts(at, "warning")
    assert [b for b in at.button if b.key == "login_default"]
    assert at.selectbox(key="choose_version").options == ["other"]
    assert at.checkbox(key="choose_confirm").disabled
    assert at.button(key="activate_chosen").disabled
    assert registry.active_version() == "base"


def test_a_user_not_on_the_allow_list_can_train_but_not_save(registry, cohort):
    at = retrain_page(secrets={"auth": AUTH, "access": {"allowed": ["ana@clinic.org"]}},
                      user={"is_logged_in": True, "email": "eve@clinic.org"})
    assert "not on the allow-list" in texts(at, "warning")
    upload(at, cohort)
    at.checkbox(key="slope").check()
    at.button(key="recalibrate").click().run()
    assert at.button(key="recalibrated_save").disabled
    assert registry.versions() == ["base"]


def test_a_listed_user_may_save(registry, cohort):
    at = retrain_page(secrets={"auth": AUTH, "access": {"allowed": ["Ana@Clinic.org"]}},
                      user={"is_logged_in": True, "email": "ana@clinic.org",
                            "email_verified": True})
    assert "Signed in as ana@clinic.org" in texts(at, "success")
    upload(at, cohort)
    at.button(key="recalibrate").click().run()
    at.button(key="recalibrated_save").click().run()
    assert len(registry.versions()) == 2


def test_a_cohort_too_small_to_train_on_is_refused_with_the_reason(registry):
    frame = centre_cohort(60, seed=9)
    frame = frame[frame["primary_grade"].notna()].reset_index(drop=True)
    frame.loc[frame.index[15:], ["met_grade", "met_ki67"]] = None  # 15 biopsied patients
    at = upload(retrain_page(), csv_bytes(frame))
    train(at, bootstrap=0)
    assert "Training failed: The biopsy model needs at least 20 patients" in texts(at, "error")
    assert not [t for t in at.dataframe if "New model" in t.value.columns]


def test_many_problems_are_all_listed_in_a_scrolling_table(registry):
    frame = make_cohort(60, seed=1)
    frame["ecog"] = 7
    at = upload(retrain_page(), csv_bytes(frame))
    problems = shown_table(at, "upload_problems")
    ecog = problems[problems["Column"] == "ecog"]
    assert [str(r) for r in ecog["Row"]] == [str(i) for i in range(1, 61)]
    assert set(ecog["Value"]) == {"7"}


def test_with_no_active_model_a_first_model_can_be_trained_and_activated(tmp_path,
                                                                          monkeypatch, cohort):
    monkeypatch.setenv(MODEL_DIR_ENV, str(tmp_path / "empty"))
    at = upload(retrain_page(), cohort)
    assert "No model is active" in texts(at, "markdown")
    assert "nothing to recalibrate" in texts(at, "info")
    train(at, bootstrap=0)
    table = shown_table(at, "comparison_table")
    assert not [c for c in table.columns if c.startswith("Active model")]
    at.button(key="trained_save").click().run()
    at.checkbox(key="trained_confirm").check().run()
    at.button(key="trained_activate").click().run()
    registry = Registry(tmp_path / "empty")
    assert registry.active_version() == registry.versions()[0]


def test_what_the_fit_left_out_is_shown_before_saving(registry):
    """Unknown primary site exactly when the primary grade is unknown: the page says,
    before any save, that one effect is estimated for both. Both models here rest on
    real-looking patients: one context, without a synthetic caveat."""
    frame = centre_cohort(400, seed=13)
    frame = frame[frame["met_grade"].notna() | frame["met_ki67"].notna()
                  | frame["met_mitoses"].notna() | frame["primary_grade"].notna()
                  | frame["primary_ki67"].notna()].reset_index(drop=True)  # a grade each
    ungraded = frame["primary_grade"].isna() & frame["primary_ki67"].isna() \
        & frame["primary_mitoses"].isna()
    frame.loc[ungraded, "primary_site"] = "unknown"
    frame.loc[~ungraded & (frame["primary_site"] == "unknown"), "primary_site"] = "colon"
    assert ungraded.sum() >= 10
    at = train(upload(retrain_page(), csv_bytes(frame)), bootstrap=0)
    shown = texts(at, "markdown")
    assert "Notes from the fit" in shown
    assert ("'Primary WHO grade = Not assessed' is the same patients as 'Primary site = "
            "Unknown primary'") in shown
    contexts = [w.value for w in at.warning if "Published prognostic" in str(w.value)]
    assert len(contexts) == 1 and "synthetic" not in contexts[0]


@pytest.mark.parametrize("error, words", [(errno.ENOSPC, "No space left on device"),
                                          (errno.EACCES, "Permission denied")])
def test_a_disk_full_or_forbidden_save_leaves_the_registry_and_the_served_model(
        registry, cohort, error, words):
    at = upload(retrain_page(), cohort)
    train(at, bootstrap=0)
    at.text_input(key="trained_version_name").set_value("centre-b")
    with failing_at("mid-write", error):
        at.button(key="trained_save").click().run()
    assert not at.exception
    shown = texts(at, "error")
    assert "Not saved: could not save model version 'centre-b'" in shown
    assert words in shown and "the registry is unchanged" in shown
    assert registry.versions() == ["base"] and registry.active_version() == "base"
    assert not list(registry.root.glob(".tmp-*"))
    patient = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    patient.switch_page("pages/patient.py").run()
    assert not patient.exception and not patient.error and not patient.warning
    at.button(key="trained_save").click().run()  # the disk has room again
    assert registry.versions() == ["base", "centre-b"]
    assert "Signed with the site's key" in texts(at, "success")
