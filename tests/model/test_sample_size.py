"""The sample-size rule (Riley et al., BMJ 2020): at least 10 deaths per candidate
parameter of each model, the biopsy model counted on its biopsied patients."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from risk.model import MIN_EVENTS_PER_PARAMETER, sample_sizes, small_cohort_warning
from risk.model.features import candidate_columns
from risk.model.sample_size import candidate_parameters


def cohort(biopsied_deaths: int, other_deaths: int, survivors: int = 50) -> pd.DataFrame:
    """Deaths with and without a liver-biopsy grade, and survivors with one."""
    grades = ["G2"] * biopsied_deaths + [None] * other_deaths + ["G1"] * survivors
    deaths = [1] * (biopsied_deaths + other_deaths) + [0] * survivors
    return pd.DataFrame({"met_grade": grades, "death": deaths})


def test_the_parameters_are_every_candidate_column_the_optional_terms_included():
    assert candidate_parameters("biopsy") == len(candidate_columns("biopsy")) + 3
    assert candidate_parameters("primary_only") == len(candidate_columns("primary_only")) + 1


def test_the_biopsy_model_counts_only_the_deaths_of_biopsied_patients():
    biopsy, comparator = sample_sizes(cohort(30, 12))
    assert (biopsy.model, biopsy.deaths) == ("biopsy", 30)
    assert (comparator.model, comparator.deaths) == ("primary_only", 42)


@pytest.mark.parametrize("short", [1, 0])
def test_the_warning_starts_one_death_below_ten_per_parameter(short):
    needed = MIN_EVENTS_PER_PARAMETER * candidate_parameters("biopsy")
    frame = cohort(needed - short, 0)  # the comparator has 22 parameters: enough deaths
    warning = small_cohort_warning(frame)
    if short:
        assert warning is not None
        assert f"{needed - short} deaths for {candidate_parameters('biopsy')} candidate " \
               "parameters" in warning
        assert "overfits" in warning and "Riley" in warning
        assert "primary-only" not in warning
    else:
        assert warning is None


def test_a_small_cohort_names_both_models_and_the_risk():
    warning = small_cohort_warning(cohort(40, 20))
    assert "the biopsy model" in warning and "the primary-only comparator" in warning
    assert "40 deaths" in warning and "60 deaths" in warning
    assert "unstable" in warning and "Training is allowed" in warning


def test_the_shipped_cohort_is_large_enough():
    frame = pd.read_csv(Path(__file__).resolve().parents[2] / "data/synthetic/cohort.csv")
    assert small_cohort_warning(frame) is None
