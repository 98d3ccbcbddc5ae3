"""Fuzzing the whole training path: train, evaluate and recalibrate on generated cohorts.

Each cohort is a valid upload (:mod:`cohort_strategies`: rare and empty levels, perfect
aliasing, a single grade, heavy ties, very few deaths, few biopsies), read and validated
by the real upload path. On every one of them each use case either works or says why
with the package's own error (:mod:`fuzz_checks` states what "works" means); anything
else (a numpy ``LinAlgError``, a ``ZeroDivisionError``, a non-finite coefficient, an
interval that misses its estimate) fails the test. A failure found here gets a small
explicit reproducer in ``test_fuzz_regressions.py``.

300 examples per use case, derandomized (the same examples on every run), no deadline
and no example database. Most cohorts are small (30-80 patients), so the three tests
together take about 3 minutes of one core.
"""

from __future__ import annotations

from cohort_strategies import load_scenario, scenarios
from fuzz_checks import evaluate_case, recalibrate_case, train_case
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: On top of the loaded profile (tests/conftest.py: derandomized, no deadline), stated
#: here too so that the fuzz tests stay deterministic whatever profile is loaded.
FUZZ = settings(max_examples=300, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(scenario=scenarios())
def test_training_gives_a_usable_model_or_a_model_error(scenario):
    train_case(load_scenario(scenario))


@FUZZ
@given(scenario=scenarios(), internal=st.booleans())
def test_evaluation_gives_a_sound_report_or_says_why(scenario, internal):
    evaluate_case(load_scenario(scenario), internal)


@FUZZ
@given(scenario=scenarios(), slope=st.booleans())
def test_recalibration_gives_a_usable_model_or_a_model_error(scenario, slope):
    recalibrate_case(load_scenario(scenario), slope)
