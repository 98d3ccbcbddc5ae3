"""A chart's text alternative reads the figure's own data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk.present.figures import alternative
from risk.present.figures import patient as figures

MONTHS = np.arange(121, dtype=float)


def test_a_survival_curve_is_read_at_the_horizons():
    survival = np.exp(-MONTHS / 80)
    fig = figures.survival_curve(MONTHS, survival, survival * 0.9, np.minimum(1, survival * 1.1))
    table = alternative.figure_table(fig)
    assert list(table.iloc[:, 0]) == ["1 year", "3 years", "5 years", "10 years"]
    assert table["This patient"].tolist() == [f"{100 * np.exp(-m / 80):.1f}%"
                                              for m in (12, 36, 60, 120)]


def test_bars_and_marker_groups_are_rows():
    contributions = pd.Series({"age": 0.3, "met_grade": 0.9})
    table = alternative.figure_table(figures.contributions_chart(
        contributions, {"age": "Age", "met_grade": "Liver biopsy WHO grade"}))
    assert sorted(table.iloc[:, 1]) == ["+0.300", "+0.900"]
    icons = alternative.figure_table(figures.icon_array(0.35, horizon_years=5))
    assert icons["Count"].tolist() == [35, 65]
