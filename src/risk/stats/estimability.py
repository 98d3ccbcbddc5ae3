"""Which columns of a Cox design can be estimated from a cohort, decided before any fit.

Every fitting path (the served fit, cross-validation, the bootstrap, recalibration, the
Cohort page's forest plot) reduces its design here first, the way R's ``coxph`` does, so
that nothing downstream inverts a singular matrix:

- **constant** columns (a level nobody, or everybody, has) carry no information;
- **aliased** columns are exact linear combinations of the columns before them (centred,
  since a Cox model has no intercept): R reports their coefficient as ``NA``. Example:
  when every patient with an unknown primary site also has an unknown primary grade and
  nobody else does, ``primary_grade[unknown]`` equals ``primary_site[unknown]``: one
  effect is estimated for both;
- 0/1 columns with **no deaths** among the patients who have the level, or with every
  death among them: the partial likelihood then has no finite maximum (monotone
  likelihood, Heinze & Schemper, Biometrics 2001;57:114-119) and the coefficient would
  run off to minus or plus infinity. The level is merged with the reference level.

A dropped column's coefficient is 0: its patients are predicted as the reference level
(or, for an aliased column, through the columns it equals), and prediction flags say so.
Decisions are kept as :class:`DroppedColumn` records (codes, not sentences); the words
are :func:`describe_dropped`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from risk.i18n import N_

REASONS = ("constant", "aliased", "no_deaths", "all_deaths")
#: A column whose centred residual on the kept columns is below this share of its own
#: norm is aliased (exact dependence leaves ~1e-15; R's coxph uses a Cholesky tolerance
#: of eps^0.75 ~ 2e-12 on the information matrix, the same order on the squared scale).
ALIAS_TOLERANCE = 1e-9


@dataclass(frozen=True)
class DroppedColumn:
    """A design column left out of the fit, and why (a code of :data:`REASONS`)."""

    column: str
    reason: str
    same_as: tuple[str, ...] = ()  # aliased: the kept columns it is a combination of
    sign: int = 1  # aliased with one column: +1 the same patients, -1 its complement

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "reason": self.reason,
                "same_as": list(self.same_as), "sign": self.sign}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DroppedColumn:
        return cls(str(d["column"]), str(d["reason"]), tuple(d.get("same_as", ())),
                   int(d.get("sign", 1)))


@dataclass(frozen=True)
class Estimable:
    """The columns to fit (``keep``, a boolean mask) and those left out, in order."""

    keep: np.ndarray
    dropped: tuple[DroppedColumn, ...]


def _is_indicator(x: np.ndarray) -> bool:
    return bool(np.all((x == 0) | (x == 1)))


def _death_reason(x: np.ndarray, died: np.ndarray) -> str | None:
    """'no_deaths' / 'all_deaths' for a 0/1 column whose likelihood is monotone."""
    if not _is_indicator(x) or not died.any():
        return None
    deaths_with = int(np.sum(died & (x == 1)))
    if deaths_with == 0:
        return "no_deaths"
    if deaths_with == int(died.sum()):
        return "all_deaths"
    return None


def estimable_columns(X: np.ndarray, events: np.ndarray, names: list[str]) -> Estimable:
    """Decide, in column order, which columns of ``X`` a Cox fit can estimate.

    Columns are checked left to right, so the first of two identical columns is kept
    (list the clinically primary input first). Death-based checks run before the alias
    check, so a column merged for its deaths cannot hide an alias.
    """
    X = np.asarray(X, dtype=float)
    died = np.asarray(events, dtype=float) > 0
    n, p = X.shape
    keep = np.ones(p, dtype=bool)
    reasons: dict[int, DroppedColumn] = {}
    for j in range(p):
        x = X[:, j]
        if n == 0 or np.all(x == x[0]):
            reasons[j] = DroppedColumn(names[j], "constant")
        elif (why := _death_reason(x, died)) is not None:
            reasons[j] = DroppedColumn(names[j], why)
    keep[list(reasons)] = False
    _drop_aliased(X, names, keep, reasons)
    return Estimable(keep, tuple(reasons[j] for j in sorted(reasons)))


def _drop_aliased(X: np.ndarray, names: list[str], keep: np.ndarray,
                  reasons: dict[int, DroppedColumn]) -> None:
    """Sequential Gram-Schmidt on centred columns: a column with (numerically) nothing
    left after projecting out the kept ones before it is aliased."""
    Z = X - X.mean(axis=0) if len(X) else X
    basis: list[np.ndarray] = []
    kept: list[int] = []
    for j in np.flatnonzero(keep).tolist():
        z = Z[:, j]
        norm = np.linalg.norm(z)
        residual = z.copy()
        for q in basis:  # twice for numerical orthogonality (classical "twice is enough")
            residual -= (q @ residual) * q
        for q in basis:
            residual -= (q @ residual) * q
        rest = np.linalg.norm(residual)
        if rest <= ALIAS_TOLERANCE * norm:
            keep[j] = False
            reasons[j] = _alias_record(Z, names, j, kept)
        else:
            basis.append(residual / rest)
            kept.append(j)


def _alias_record(Z: np.ndarray, names: list[str], j: int, kept: list[int]) -> DroppedColumn:
    weights, *_ = np.linalg.lstsq(Z[:, kept], Z[:, j], rcond=None)
    used = [(kept[i], w) for i, w in enumerate(weights) if abs(w) > 1e-8]
    sign = int(np.sign(used[0][1])) if len(used) == 1 and np.isclose(abs(used[0][1]), 1) \
        else 1
    return DroppedColumn(names[j], "aliased", tuple(names[i] for i, _ in used), sign)


#: The sentences of :func:`describe_dropped`, one per reason (English msgids: the model
#: file stores them in English; :mod:`risk.model.fit_notes` words them for a reader).
DROPPED_CONSTANT = N_("{column}: the same for every training patient, not estimated")
DROPPED_NO_DEATHS = N_("{column}: no deaths among these training patients, so its effect "
                       "has no finite estimate; merged with the reference level {reference}")
DROPPED_NO_DEATHS_ANY = N_("{column}: no deaths among these training patients, so its "
                           "effect has no finite estimate; merged with the reference level")
DROPPED_ALL_DEATHS = N_("{column}: every training death is among these patients, so its "
                        "effect has no finite estimate; merged with the reference level "
                        "{reference}")
DROPPED_ALL_DEATHS_ANY = N_("{column}: every training death is among these patients, so its "
                            "effect has no finite estimate; merged with the reference level")
DROPPED_SAME = N_("{column} is the same patients as {other} in the training data: one "
                  "effect is estimated for both")
DROPPED_COMPLEMENT = N_("{column} is exactly the patients without {other} in the training "
                        "data: one effect is estimated for both")
DROPPED_DETERMINED = N_("{column} is determined by {others} in the training data: its "
                        "effect cannot be told apart from theirs and is not estimated "
                        "separately")
DROPPED_TEMPLATES = (DROPPED_CONSTANT, DROPPED_NO_DEATHS, DROPPED_NO_DEATHS_ANY,
                     DROPPED_ALL_DEATHS, DROPPED_ALL_DEATHS_ANY, DROPPED_SAME,
                     DROPPED_COMPLEMENT, DROPPED_DETERMINED)
#: The names of an aliased column's several others are listed so (English, as stored).
OTHER_COLUMNS = N_("other columns")


def dropped_parts(record: DroppedColumn, words: Callable[[str], str],
                  reference: Callable[[str], str | None] = lambda _: None
                  ) -> tuple[str, dict[str, str]]:
    """The sentence of :func:`describe_dropped` as its template (one of
    :data:`DROPPED_TEMPLATES`) and the words put into it."""
    params = {"column": words(record.column)}
    merged = reference(record.column)
    if record.reason in ("no_deaths", "all_deaths"):
        if merged:
            params["reference"] = merged
        return {("no_deaths", True): DROPPED_NO_DEATHS,
                ("no_deaths", False): DROPPED_NO_DEATHS_ANY,
                ("all_deaths", True): DROPPED_ALL_DEATHS,
                ("all_deaths", False): DROPPED_ALL_DEATHS_ANY}[record.reason, bool(merged)], \
            params
    if record.reason == "constant":
        return DROPPED_CONSTANT, params
    others = [words(c) for c in record.same_as]
    if len(others) == 1:
        params["other"] = others[0]
        return (DROPPED_SAME if record.sign > 0 else DROPPED_COMPLEMENT), params
    params["others"] = ", ".join(others[:-1]) + f" and {others[-1]}" if others \
        else OTHER_COLUMNS
    return DROPPED_DETERMINED, params


def describe_dropped(record: DroppedColumn, words: Callable[[str], str],
                     reference: Callable[[str], str | None] = lambda _: None) -> str:
    """One sentence for a clinician: what was left out and what it means (in English, the
    model file's language: :func:`dropped_parts` gives its parts for other languages).

    ``words(column)`` names a design column in the clinic's words ("primary grade
    'unknown'"); ``reference(column)`` names the level its patients count as, if any.
    """
    template, params = dropped_parts(record, words, reference)
    return template.format(**params)
