"""One patient's grades as entered: derived from Ki-67/mitoses where blank, checked
against them where given, and said in words at the form's field and in the report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import SupportsFloat

from risk import grading, schema
from risk.errors import Problem
from risk.i18n import _


def _count(values: Mapping[str, object], name: str) -> float | None:
    """A Ki-67 or mitotic count as a number; None when blank or not a number (the patient
    validator then names it, instead of the grade derivation failing on it)."""
    value = values.get(name)
    if not isinstance(value, str | SupportsFloat):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _grade(values: Mapping[str, object], name: str) -> str | None:
    """A grade as entered; None when blank or not text (the validator names it)."""
    value = values.get(name)
    return value if isinstance(value, str) else None


def grades_as_entered(values: Mapping[str, object]) -> dict[str, grading.GradeCheck]:
    """The primary and liver grades as entered or derived, with any contradiction."""
    return {
        "primary_grade": grading.check_grade(_grade(values, "primary_grade"),
                                             _count(values, "primary_ki67"),
                                             _count(values, "primary_mitoses")),
        "met_grade": grading.check_grade(_grade(values, "met_grade"), _count(values, "met_ki67"),
                                         _count(values, "met_mitoses")),
    }


def describe_grade(name: str, check: grading.GradeCheck, values: Mapping[str, object]) -> str:
    """How a grade was reached, in one sentence (the derivation shown at the field)."""
    ki67, mitoses = (_count(values, name.replace("grade", "ki67")),
                     _count(values, name.replace("grade", "mitoses")))
    basis = grading.describe_basis(ki67, mitoses)
    if check.source == "derived":
        return _("{not_assessed}: {grade} derived from {basis} (WHO 2019; the higher of the "
                 "Ki-67 and mitotic grades).").format(
            not_assessed=schema.missing_label(name), grade=check.grade, basis=basis)
    if check.source == "entered and consistent":
        return _("{grade} as entered, consistent with {basis}.").format(grade=check.grade, basis=basis)
    if check.source == "entered":
        return _("{grade} as entered.").format(grade=check.grade)
    if name == "met_grade":
        return _("No liver-biopsy grade: the estimate uses the primary-only model.")
    return _("{not_assessed} and no Ki-67 or mitotic count.").format(
        not_assessed=schema.missing_label(name))


def describe_grade_comparison(primary: str | None, liver: str | None) -> str:
    """The liver grade against the primary's, e.g. 'primary G2: upgraded'."""
    change = grading.grade_change(primary, liver)
    if change != "unknown":
        return _("primary {primary}: {change}").format(
            primary=primary, change=schema.label("grade_change", change).lower())
    if grading.grade_change_steps(primary, "G1") is None:  # the primary is the missing one
        return _("the primary was not graded, so no grade change can be stated")
    return _("no liver-biopsy grade")


def grade_problems(grades: Mapping[str, grading.GradeCheck]) -> list[Problem]:
    """A problem at the grade field for each grade that contradicts its Ki-67/mitoses."""
    return [Problem(_("{label}: {contradiction}. Correct the grade or the count, or leave "
                      "the grade '{not_assessed}' to derive it.").format(
                        label=schema.column_label(name), contradiction=check.contradiction,
                        not_assessed=schema.missing_label(name)),
                    column=name, value=check.grade, allowed=f"{check.derived}")
            for name, check in grades.items() if check.contradiction]
