"""The patients of a model version's reference test pack: every input level and edge.

Four blocks, all deterministic (same model, same patients), every row a valid prediction
input of the data dictionary (:mod:`risk.schema`, read here column by column):

- ``pair-P-M-COLUMN-VALUE``: each pair of primary and liver-biopsy grade (G1, G2, G3 or
  blank; both blank has no grade and is not a valid input), crossed with a patient that
  differs from a base patient in one input at a time: every level each category and flag
  allows (blank too where the schema allows it), every ECOG score, and ages at the
  schema's bounds, the training cohort's range ends and its median. A blank liver grade is
  a patient without a biopsy (the primary-only model).
- ``count-...``: grades derived from Ki-67 and mitotic counts at and beside the WHO
  cut-offs, with the fewest, the default and the most cells counted, alone or beside an
  entered grade the count agrees with (grades in doubt: the grade-sensitivity columns).
- ``random-NNNN``: full profiles drawn from a fixed seed over every level.
- ``alive-NNNN``: random profiles known alive at months from 0 to just below the model's
  limit (estimates conditional on time survived).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from risk.schema import (
    CELLS_COUNTED_RANGE,
    COLUMNS,
    CURVE_MAX_MONTHS,
    GRADES,
    PREDICTION_COLUMNS,
    column,
)

__all__ = ["INPUT_COLUMNS", "pack_patients"]

#: Seed of the random and conditional blocks.
PACK_SEED = 20261202
RANDOM_PATIENTS = 400
CONDITIONAL_PATIENTS = 120
#: Levels the validator refuses for prediction (neuroendocrine carcinoma: outside the
#: intended use), so no pack patient has them.
REFUSED_LEVELS = {"differentiation": ("poor",)}
GRADE_COLUMNS = ("primary_grade", "met_grade")
#: Per site: its grade, Ki-67, mitoses and cells-counted columns.
COUNT_COLUMNS = {"primary": ("primary_grade", "primary_ki67", "primary_mitoses",
                             "primary_cells_counted"),
                 "met": ("met_grade", "met_ki67", "met_mitoses", "met_cells_counted")}
#: Ki-67 (%) and mitoses (per 2 mm2) at and beside the WHO cut-offs (3% / 20%; 2 / 20).
KI67_EDGES = (0.0, 2.9, 3.0, 19.0, 20.0, 20.1, 21.0, 100.0)
MITOSES_EDGES = (0.0, 1.0, 2.0, 19.0, 20.0, 21.0, 500.0)
#: Ki-67 ranges per grade for the random block (WHO 2019: < 3, 3-20, > 20).
KI67_RANGES = {"G1": (0.0, 2.9), "G2": (3.0, 20.0), "G3": (20.1, 100.0)}
ALIVE_EDGES = (0.0, 0.5, 1.0, 6.0, 12.0, 24.0, 36.0, 60.0, 96.0, 119.0)
#: The columns of the pack's inputs: the prediction file's columns, outcomes left out.
INPUT_COLUMNS = tuple(c.name for c in COLUMNS if not c.outcome) + PREDICTION_COLUMNS
GRADE_PAIRS = tuple((p, m) for p in (*GRADES, None) for m in (*GRADES, None)
                    if (p, m) != (None, None))


def _code(value: Any) -> str:
    """A value as a piece of a patient id (letters, digits, '-', '_')."""
    if value is None:
        return "blank"
    if isinstance(value, float):
        return f"{value:g}".replace(".", "p")
    return str(value)


def _levels(name: str) -> list[Any]:
    """Every value the schema allows for a category, flag or integer input."""
    col = column(name)
    if col.kind == "flag":
        return [0, 1]
    if col.kind == "integer":
        assert col.minimum is not None and col.maximum is not None  # integers are bounded
        return list(range(int(col.minimum), int(col.maximum) + 1))
    allowed = [c for c in col.categories if c not in REFUSED_LEVELS.get(name, ())]
    return allowed + ([] if col.required else [None])


def varied_columns() -> list[str]:
    """The inputs varied one at a time: every category, flag and integer column but the
    grades and the counts (their own blocks)."""
    counts = {name for names in COUNT_COLUMNS.values() for name in names}
    return [c.name for c in COLUMNS
            if not c.outcome and c.kind in ("category", "flag", "integer")
            and c.name not in counts]


def ages(training_summary: dict[str, Any]) -> list[float]:
    """The schema's bounds, the training cohort's range ends and median (deduplicated)."""
    col = column("age")
    assert col.minimum is not None and col.maximum is not None  # age is bounded
    found = [float(col.minimum), float(col.maximum)]
    low_high = training_summary.get("age_range") or []
    median = training_summary.get("age_median")
    found += [float(a) for a in low_high] + ([float(median)] if median is not None else [])
    return sorted(set(found))


def _base(training_summary: dict[str, Any]) -> dict[str, Any]:
    """The patient the pair block varies: the first level of each input."""
    patient: dict[str, Any] = dict.fromkeys(INPUT_COLUMNS)
    for name in varied_columns():
        patient[name] = _levels(name)[0]
    median = training_summary.get("age_median")
    patient["age"] = float(median) if median is not None else 60.0
    return patient


def _pair_block(base: dict[str, Any], training_summary: dict[str, Any]) -> list[dict[str, Any]]:
    variations: list[tuple[str, Any]] = [("base", None)]
    for name in varied_columns():
        variations += [(name, v) for v in _levels(name) if v != base[name]]
    variations += [("age", a) for a in ages(training_summary) if a != base["age"]]
    rows = []
    for primary, met in GRADE_PAIRS:
        for name, value in variations:
            row = {**base, "primary_grade": primary, "met_grade": met}
            tail = "base"
            if name != "base":
                row[name] = value
                tail = f"{name}-{_code(value)}"
            row["patient_id"] = f"pair-{_code(primary)}-{_code(met)}-{tail}"
            rows.append(row)
    return rows


def _count_block(base: dict[str, Any]) -> list[dict[str, Any]]:
    """Grades from counts at the cut-offs; the other site's grade G2 or blank."""
    cells_options = (CELLS_COUNTED_RANGE[0], None, CELLS_COUNTED_RANGE[1])
    rows = []
    for site, (grade, ki67, mitoses, cells) in COUNT_COLUMNS.items():
        other = "met_grade" if site == "primary" else "primary_grade"
        for other_grade in ("G2", None):
            start = {**base, "primary_grade": None, "met_grade": None, other: other_grade}
            tag = f"count-{site}-other-{_code(other_grade)}"
            for value in KI67_EDGES:
                for counted in cells_options:
                    rows.append({**start, ki67: value, cells: counted, "patient_id":
                                 f"{tag}-ki67-{_code(value)}-cells-{_code(counted)}"})
                rows.append({**start, ki67: value, grade: _ki67_grade(value),
                             "patient_id": f"{tag}-ki67-{_code(value)}-entered"})
            for value in MITOSES_EDGES:
                rows.append({**start, mitoses: value,
                             "patient_id": f"{tag}-mitoses-{_code(value)}"})
    return rows


def _ki67_grade(ki67: float) -> str:
    return next(g for g, (low, high) in KI67_RANGES.items() if low <= ki67 <= high)


def _random_patient(rng: np.random.Generator, patient_id: str) -> dict[str, Any]:
    col = column("age")
    row: dict[str, Any] = dict.fromkeys(INPUT_COLUMNS)
    row["patient_id"] = patient_id
    assert col.minimum is not None and col.maximum is not None  # age is bounded
    row["age"] = round(float(rng.uniform(col.minimum, col.maximum)), 1)
    for name in varied_columns():
        levels = _levels(name)
        row[name] = levels[int(rng.integers(len(levels)))]
    primary, met = GRADE_PAIRS[int(rng.integers(len(GRADE_PAIRS)))]
    for (grade, ki67, _, cells), value in zip(COUNT_COLUMNS.values(), (primary, met),
                                              strict=True):
        row[grade] = value
        if value is None:
            continue
        how = int(rng.integers(6))  # 0-1: Ki-67 beside the grade, 2: Ki-67 instead of it
        if how <= 2:
            low, high = KI67_RANGES[value]
            row[ki67] = round(float(rng.uniform(low, high)), 1)
            row[cells] = None if rng.random() < 0.5 else int(rng.integers(
                CELLS_COUNTED_RANGE[0], CELLS_COUNTED_RANGE[1] + 1))
        if how == 2:
            row[grade] = None  # derived from the Ki-67 drawn in its range
    return row


def _alive_values(limit_months: float) -> list[float]:
    """Months alive from 0 to just below the model's limit (and the schema's maximum)."""
    top = min(float(limit_months), float(CURVE_MAX_MONTHS))
    edge = np.floor(limit_months * 10) / 10 - 0.1 if limit_months <= CURVE_MAX_MONTHS \
        else float(CURVE_MAX_MONTHS)
    values = [v for v in ALIVE_EDGES if v < top] + ([round(float(edge), 1)] if edge > 0 else [])
    return sorted(set(values))


def pack_patients(training_summary: dict[str, Any], alive_limit_months: float
                  ) -> pd.DataFrame:
    """The pack's patients as a frame of the prediction file's columns (blank = None).

    ``training_summary``: the model's (its age range and median); ``alive_limit_months``:
    the first month the model cannot condition on (``BiopsyRiskModel.alive_limit_months``).
    """
    base = _base(training_summary)
    rng = np.random.default_rng(PACK_SEED)
    rows = _pair_block(base, training_summary) + _count_block(base)
    rows += [_random_patient(rng, f"random-{i:04d}") for i in range(1, RANDOM_PATIENTS + 1)]
    alive = _alive_values(alive_limit_months)
    for i in range(1, CONDITIONAL_PATIENTS + 1):
        row = _random_patient(rng, f"alive-{i:04d}")
        row["alive_months"] = alive[(i - 1) % len(alive)]
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(INPUT_COLUMNS))
    for name in ("primary_cells_counted", "met_cells_counted"):
        frame[name] = frame[name].astype("Int64")  # whole numbers in the file, blank = default
    return frame

