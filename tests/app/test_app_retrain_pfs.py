"""AppTest of the retrain page with a cohort that has progression-free survival: the new
model's PFS model is validated beside OS (container ``retrain_pfs``: its C with a 95%
interval, the counts it was measured on) against an OS-only active model, whose column
stays blank; the saved card counts the PFS training data."""

from __future__ import annotations

import pytest
from test_app_retrain import (  # noqa: F401 (the fixtures)
    base_registry,
    registry,
    retrain_page,
    train,
    upload,
)

from risk.data.validation import load_cohort
from risk.stats.outcome import pfs_event
from risk.synthetic.generator import cohort_csv_text, generate_cohort


@pytest.fixture(scope="module")
def pfs_cohort() -> bytes:
    return cohort_csv_text(generate_cohort(240, 21)).encode()


def test_the_new_pfs_model_is_validated_beside_os(registry, pfs_cohort):  # noqa: F811
    at = upload(retrain_page(), pfs_cohort)
    train(at)
    held = at.session_state["retrain_candidate"][1]
    pfs = held.report.pfs
    assert held.active_report.pfs is None  # the active model has no PFS model
    frame = load_cohort(pfs_cohort, "training").frame
    events = int(pfs_event(frame["progression"], frame["death"], frame["pfs_months"],
                           frame["os_months"]).sum())
    assert (pfs.n, pfs.events) == (240, events)
    captions = " ".join(c.value for c in at.caption)
    assert f"New model: Measured on 240 patients with progression-free survival recorded: " \
           f"{events} PFS events" in captions
    table = next(t.value for t in at.table if "Metric" in t.value.columns
                 and t.value["Metric"].iloc[0] == "Harrell's C"
                 and "New model, optimism-corrected" not in t.value.columns)
    c = pfs.served
    assert table["New model"].iloc[0] == \
        f"{c.harrell_c:.3f} ({c.harrell_c_lower:.3f}-{c.harrell_c_upper:.3f})"
    assert (table["Active model base"] == "").all()
    assert table["New model, primary only"].iloc[0].startswith(f"{pfs.comparator.harrell_c:.3f}")
    at.text_input(key="trained_version_name").set_value("with-pfs")
    at.button(key="trained_save").click().run()
    card = registry.read("with-pfs")[1]
    assert card.training_data.pfs_events == events
    assert card.metrics.stored_report().pfs.served.harrell_c == c.harrell_c
