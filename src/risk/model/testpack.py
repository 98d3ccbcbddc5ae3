"""A model version's reference test pack: its patients and the outputs expected for them.

The pack is one CSV (the one writer's, :data:`~risk.data.export.MACHINE_DIGITS`
significant digits): the prediction file's input columns
(:mod:`risk.model.testpack_patients`), then ``expected_<column>`` for every column
``python -m risk predict`` writes (survival at each horizon with its 95% interval, the
median and its interval, the risk group, the model of the pair used, the flags, the
grade-sensitivity columns, PFS when the model has it), except ``patient_id`` and
``alive_months`` (inputs already) and ``model_version`` (the pack's version is its folder).

It is computed when a version is saved (:meth:`risk.registry.Registry.save`) and checked by
:func:`check_pack`, which reads the inputs exactly as ``predict`` reads a file, predicts
them in this installation through the same path (:func:`risk.model.batch.scored_table`),
and compares field by field: numbers to :data:`TOLERANCE` (relative above 1: months),
text (groups, the model used, flags) exactly, blanks with blanks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from risk.data.export import MACHINE_DIGITS, to_csv_bytes
from risk.errors import ModelError, ValidationError
from risk.i18n import DEFAULT_LANGUAGE, _, format_integer, ngettext, using_language
from risk.model.testpack_patients import INPUT_COLUMNS, pack_patients

if TYPE_CHECKING:
    from risk.model.pair import BiopsyRiskModel

__all__ = ["EXPECTED_PREFIX", "PackCheck", "PackDifference", "build_pack", "check_pack"]

EXPECTED_PREFIX = "expected_"
#: |got - expected| <= TOLERANCE x max(1, |expected|): 1e-9 for survival probabilities.
TOLERANCE = 1e-9
#: Differences listed (the count of all of them is kept).
MAX_DIFFERENCES_LISTED = 20
_NOT_EXPECTED = ("patient_id", "alive_months", "model_version")


@dataclass(frozen=True)
class PackDifference:
    """One field of one patient that this installation computes differently."""

    patient_id: str
    field: str
    expected: str
    got: str

    def __str__(self) -> str:
        return _("patient {patient}: {field} expected {expected}, got {got}").format(
            patient=self.patient_id, field=self.field, expected=self.expected or _("(blank)"),
            got=self.got or _("(blank)"))


@dataclass(frozen=True)
class PackCheck:
    """The outcome of re-computing a pack: counts, and the first differences."""

    patients: int
    agreeing: int
    fields: int  # expected fields compared per patient
    differences: tuple[PackDifference, ...]  # the first MAX_DIFFERENCES_LISTED, in pack order
    differing_fields: int

    @property
    def passed(self) -> bool:
        return self.agreeing == self.patients and self.differing_fields == 0

    def summary(self) -> str:
        if self.passed:
            return ngettext("{agreeing} of {patients} reference patients agree ({fields} "
                            "fields each; numbers to {tolerance}, groups, models and flags "
                            "exactly)",
                            "{agreeing} of {patients} reference patients agree ({fields} "
                            "fields each; numbers to {tolerance}, groups, models and flags "
                            "exactly)", self.patients).format(
                agreeing=format_integer(self.agreeing), patients=format_integer(self.patients),
                fields=self.fields, tolerance=f"{TOLERANCE:g}")
        return _("{differ} of {patients} reference patients differ ({fields} fields); first: "
                 "{first}").format(differ=format_integer(self.patients - self.agreeing),
                                   patients=format_integer(self.patients),
                                   fields=format_integer(self.differing_fields),
                                   first=self.differences[0])


def _scored(model: BiopsyRiskModel, raw: pd.DataFrame) -> pd.DataFrame:
    """The output table ``predict`` gives for the pack's input columns (text cells)."""
    from risk.data.validation import validate_cohort
    from risk.model.batch import file_alive_months, scored_table

    try:
        result = validate_cohort(raw, purpose="prediction")
    except ValidationError as exc:
        first = exc.problems[0] if exc.problems else exc.summary
        raise ModelError(f"the test pack's patients are not valid input here: {first}") \
            from None
    alive = file_alive_months(result.frame, None)
    # a pack holds English words (flags): it is computed, and compared, in English whatever
    # language the page or command that verifies it reads
    with using_language(DEFAULT_LANGUAGE):
        return scored_table(model, "", result.frame, alive, conditional=True)


def _as_text(table: pd.DataFrame) -> pd.DataFrame:
    """A table as the pack's text cells (written and read back by the one CSV path; the
    reader lower-cases headers, the table's own names are kept)."""
    from risk.data.reading import read_cells

    text = read_cells(to_csv_bytes(table, digits=MACHINE_DIGITS))
    text.columns = list(table.columns)
    return text


def build_pack(model: BiopsyRiskModel) -> bytes:
    """The reference test pack of a fitted :class:`~risk.model.BiopsyRiskModel`."""
    patients = pack_patients(model.training_summary_, model.alive_limit_months)
    raw = _as_text(patients)  # the inputs as a file gives them
    got = _as_text(_scored(model, raw))
    expected = got.drop(columns=[c for c in _NOT_EXPECTED if c in got.columns])
    pack = pd.concat([raw, expected.add_prefix(EXPECTED_PREFIX)], axis=1)
    return to_csv_bytes(pack, digits=MACHINE_DIGITS)


def _read_pack(pack: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    from risk.data.reading import read_cells

    try:
        table = read_cells(pack)
    except ValidationError as exc:
        raise ModelError(f"the test pack cannot be read: {exc.summary}") from None
    expected = [c for c in table.columns if c.startswith(EXPECTED_PREFIX)]
    missing = [c for c in ("patient_id", f"{EXPECTED_PREFIX}surv_60") if c not in table]
    if missing or len(table) == 0:
        raise ModelError("the file is not a reference test pack: it needs a patient_id "
                         f"column, {EXPECTED_PREFIX}<output> columns and at least one "
                         f"patient (missing: {', '.join(missing) or 'patients'})")
    inputs = table[[c for c in table.columns if c in INPUT_COLUMNS]]
    return inputs, table[expected].rename(columns=lambda c: c[len(EXPECTED_PREFIX):])


def _agree(expected: np.ndarray, got: np.ndarray) -> np.ndarray:
    """Per cell: the same text, or numbers within :data:`TOLERANCE`. Both sides are the
    one writer's text, so equal values are equal text: only the cells whose text differs
    are read as numbers (none, when a pack is reproduced)."""
    agree: np.ndarray = expected == got
    rows, cols = np.nonzero(~agree)
    if rows.size:
        e = pd.to_numeric(pd.Series(expected[rows, cols]), errors="coerce").to_numpy(float)
        g = pd.to_numeric(pd.Series(got[rows, cols]), errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore"):
            agree[rows, cols] = np.abs(g - e) <= TOLERANCE * np.maximum(1.0, np.abs(e))
    return agree


def check_pack(model: BiopsyRiskModel, pack: bytes) -> PackCheck:
    """Predict the pack's patients with ``model`` here and compare with what it expects.

    Raises ModelError when ``pack`` is not a test pack (nothing to compare).
    """
    inputs, expected = _read_pack(pack)
    got = _as_text(_scored(model, inputs))
    # the reader lower-cased the pack's headers: name each field as predict does
    expected = expected.rename(columns={c.lower(): c for c in got.columns})
    ids = inputs["patient_id"].to_numpy(dtype=object)
    n = len(ids)
    # a field this installation no longer computes differs for every patient
    got_cells = np.full((n, expected.shape[1]), "(not computed)", dtype=object)
    for j, name in enumerate(expected.columns):
        if name in got.columns:
            got_cells[:, j] = got[name].to_numpy(dtype=object)
    agree = _agree(expected.to_numpy(dtype=object), got_cells)
    rows, cols = np.nonzero(~agree)  # row-major: pack order, then column order
    listed = tuple(PackDifference(str(ids[i]), str(expected.columns[j]),
                                  str(expected.iat[i, j]), str(got_cells[i, j]))
                   for i, j in zip(rows[:MAX_DIFFERENCES_LISTED], cols[:MAX_DIFFERENCES_LISTED], strict=True))
    return PackCheck(patients=n, agreeing=int(agree.all(axis=1).sum()),
                     fields=expected.shape[1], differences=listed,
                     differing_fields=int(rows.size))
