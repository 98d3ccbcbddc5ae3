"""The model page's figures as pure functions: one marker per term and model at the
stored hazard ratio and limits, the comparator's row empty where it lacks a term, and
survival curves drawn from the tables given."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cohort_frames import make_cohort

from risk.model import BiopsyRiskModel
from risk.present import model_summary as summary
from risk.present.figures.model import baseline_survival_figure, hazard_ratio_figure


@pytest.fixture(scope="module")
def pair():
    return BiopsyRiskModel(penalizer=0.1, extra_terms=[]).fit(make_cohort(400, seed=3))


def test_hazard_ratio_figure_draws_every_term_of_each_model(pair):
    table = summary.hazard_ratio_table(pair)
    fig = hazard_ratio_figure(table, synthetic=True)
    served, comparator = fig.data
    biopsy = table[table["model"] == "biopsy"]
    np.testing.assert_allclose(served.x, biopsy["hazard_ratio"])
    np.testing.assert_allclose(np.asarray(served.x) + np.asarray(served.error_x.array),
                               biopsy["upper_95"])
    np.testing.assert_allclose(np.asarray(served.x) - np.asarray(served.error_x.arrayminus),
                               biopsy["lower_95"])
    rows = list(fig.layout.yaxis.ticktext)
    assert len(rows) == len(table[["characteristic", "comparison"]].drop_duplicates())
    liver_rows = {i for i, r in enumerate(rows) if r.startswith("Liver biopsy WHO grade")}
    comparator_rows = {int(round(y)) for y in comparator.y}
    assert liver_rows and not liver_rows & comparator_rows  # the comparator has no liver grade
    assert fig.layout.xaxis.type == "log"
    assert any("Synthetic data" in (a.text or "") for a in fig.layout.annotations)
    # readable ticks on a shared screen: level, and never closer than 1.5x on the log axis
    ticks = np.asarray(fig.layout.xaxis.tickvals, dtype=float)
    assert fig.layout.xaxis.tickangle == 0 and 1.0 in ticks
    assert (ticks[1:] / ticks[:-1] >= 1.5).all()


def test_baseline_figure_draws_the_given_curves(pair):
    curves = {name: {"reference": summary.reference_survival(cox, pair.reference_patient_),
                     "baseline": summary.baseline_survival(cox)}
              for name, cox in pair.models_.items()}
    fig = baseline_survival_figure(curves)
    assert len(fig.data) == 4
    np.testing.assert_allclose(fig.data[1].y, curves["biopsy"]["baseline"]["survival"])
    assert not any("Synthetic data" in (a.text or "") for a in fig.layout.annotations)
    only = baseline_survival_figure({"biopsy": {"reference": pd.DataFrame(
        {"months": [0.0, 60.0], "survival": [1.0, 0.5]})}})
    assert len(only.data) == 1 and list(only.data[0].y) == [1.0, 0.5]
