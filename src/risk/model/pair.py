"""The served pair: the biopsy-informed Cox model and its primary-only comparator.

- ``biopsy_model_`` is fitted on the patients with a liver-biopsy grade; the comparator
  (``comparator_model_``, what is known before the biopsy) on all patients. A patient with
  a liver-biopsy grade is served by the biopsy model, any other by the comparator
  (``model_used``), chosen with boolean masks for the whole batch.
- Risk groups use one pair of cut-points for both models: the tertiles of the training
  cohort's predicted 5-year survival, each training patient predicted by the model that
  serves them.
- The reference patient (contributions) is the training cohort's median age and most
  common level of every input (the liver grade: most common among biopsied patients).
- ``transition_counts_``: training patients per primary grade (G1, G2, G3, unknown) and
  liver-biopsy grade, counts only; it weighs the outcomes of
  :meth:`BiopsyRiskModel.predict_before_biopsy`.
- ``pfs_model_`` (when the cohort has PFS): a second pair fitted the same way on
  progression-free survival (:mod:`risk.model.progression`); :meth:`predict_pfs`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, overload

import numpy as np
import pandas as pd

from risk.errors import ModelError
from risk.model.before_biopsy import BeforeBiopsy, predict_before_biopsy, transition_counts
from risk.model.cox import FORMAT_VERSION, CoxModel, NotFittedError, training_summary
from risk.model.features import BASE_INPUTS, input_levels, reference_patient
from risk.model.fit_notes import read_note
from risk.model.prediction import (
    BandSource,
    Predictions,
    assemble,
    at_horizons,
    join_flags,
    patient_ids,
    risk_cutpoints,
)
from risk.model.progression import pfs_training_frame, without_pfs
from risk.stats.outcome import check_outcome

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from risk.model.prediction import Piece

_Setting = TypeVar("_Setting")

MODELS = ("biopsy", "primary_only")
FLAG_COMPARATOR = "no liver-biopsy grade: estimate from the model without the biopsy"
FLAG_PRIMARY_UNKNOWN = "primary grade unknown"


@overload
def _per_model(setting: dict[str, _Setting], name: str) -> _Setting: ...
@overload
def _per_model(setting: _Setting, name: str) -> _Setting: ...
def _per_model(setting: object, name: str) -> object:
    """The setting for one model: the value itself, or its entry in a per-model dict."""
    if not isinstance(setting, dict):
        return setting
    if set(setting) != set(MODELS):
        raise ModelError(f"A per-model setting needs exactly the keys {list(MODELS)}; "
                         f"got {sorted(setting)}.")
    return setting[name]


class BiopsyRiskModel:
    """Biopsy-informed Cox model plus the primary-only comparator, served together.

    Parameters
    ----------
    penalizer : "auto", float >= 0, or dict {"biopsy": ..., "primary_only": ...}
    cv_folds, seed : int
    extra_terms : "auto", list, or dict per model (see :class:`risk.model.CoxModel`)
    """

    def __init__(self, penalizer: float | str | dict[str, float | str] = "auto",
                 cv_folds: int = 5, seed: int = 0,
                 extra_terms: str | Sequence[str] | dict[str, str | Sequence[str]] = "auto"
                 ) -> None:
        self.penalizer = penalizer
        self.cv_folds = cv_folds
        self.seed = seed
        self.extra_terms = extra_terms

    def _model(self, covariates: str) -> CoxModel:
        return CoxModel(covariates=covariates,
                        penalizer=_per_model(self.penalizer, covariates),
                        cv_folds=self.cv_folds, seed=self.seed,
                        extra_terms=_per_model(self.extra_terms, covariates))

    def fit(self, frame: pd.DataFrame) -> BiopsyRiskModel:
        """Fit both models on a canonical cohort frame; returns self."""
        if "met_grade" not in frame.columns:
            raise ModelError("Training needs the column 'met_grade' (liver-biopsy grade).")
        for col in ("os_months", "death"):
            if col not in frame.columns:
                raise ModelError(f"Training needs the outcome column '{col}'.")
        check_outcome(frame["os_months"], frame["death"])
        has_biopsy = frame["met_grade"].notna().to_numpy()
        biopsied = frame[has_biopsy]
        if len(biopsied) < 20 or biopsied["death"].sum() < 5:
            raise ModelError("The biopsy model needs at least 20 patients with a liver-biopsy "
                             f"grade and 5 deaths among them; got {len(biopsied)} patients "
                             f"and {int(biopsied['death'].sum())} deaths.")
        self.biopsy_model_ = self._model("biopsy").fit(biopsied)
        self.comparator_model_ = self._model("primary_only").fit(frame)
        self.reference_patient_ = reference_patient(frame, biopsied)
        for model in (self.biopsy_model_, self.comparator_model_):
            model.set_reference_patient(self.reference_patient_)
        self.transition_counts_ = transition_counts(biopsied)
        summary = training_summary(frame, BASE_INPUTS)
        summary["n_with_biopsy_grade"] = int(has_biopsy.sum())
        self.training_summary_ = summary
        self.risk_cutpoints_: list[float] | None = None
        served = self.predict(frame)
        self.risk_cutpoints_ = risk_cutpoints(served.table["surv_60"].to_numpy())
        self.notes_ = [note.about(name) for name, m in self.models_.items() for note in m.notes_]
        self._fit_pfs(frame)
        return self

    def _fit_pfs(self, frame: pd.DataFrame) -> None:
        """A second pair with PFS as its outcome, when the cohort has PFS (same settings,
        same fitting path)."""
        pfs = pfs_training_frame(frame)
        if pfs is None:
            return
        self.pfs_model_ = BiopsyRiskModel(self.penalizer, self.cv_folds, self.seed,
                                          self.extra_terms).fit(pfs)
        self.notes_ += [note.of_pfs() for note in self.pfs_model_.notes_]

    @property
    def pfs_model(self) -> BiopsyRiskModel | None:
        """The PFS pair (its "survival" is progression-free survival), or None when the
        training cohort had no PFS."""
        self._check_fitted()
        return getattr(self, "pfs_model_", None)

    def predict_pfs(self, frame: pd.DataFrame, alive_months: ArrayLike | None = None
                    ) -> Predictions:
        """Served predictions of progression-free survival, as :meth:`predict` gives OS.

        With ``alive_months`` they are conditional on being alive *and progression-free*
        that many months after the biopsy (the PFS model's own
        :meth:`~risk.stats.baseline.Baseline.given_alive`). Raises ModelError when the
        model was trained without PFS.
        """
        if self.pfs_model is None:
            raise ModelError("This model was trained without progression-free survival "
                             "(its cohort had no pfs_months and progression).")
        return self.pfs_model.predict(frame, alive_months)

    @property
    def models_(self) -> dict[str, CoxModel]:
        self._check_fitted()
        return {"biopsy": self.biopsy_model_, "primary_only": self.comparator_model_}

    def _check_fitted(self) -> None:
        if not hasattr(self, "biopsy_model_"):
            raise NotFittedError("This BiopsyRiskModel is not fitted yet: call fit(frame) "
                                 "first, or load a saved one with from_dict.")

    def refit_like(self, frame: pd.DataFrame, reselect: bool = False) -> BiopsyRiskModel:
        """A new model with the same settings, fitted on ``frame`` (bootstrap refits).

        ``reselect=False`` (default, fast) keeps this model's chosen penalizers and
        extra terms; ``reselect=True`` repeats the cross-validated choices as well (the
        whole modelling procedure, as Harrell's optimism bootstrap asks). The refit is of
        overall survival only (the bootstrap corrects the OS metrics).
        """
        self._check_fitted()
        if reselect:
            return BiopsyRiskModel(self.penalizer, self.cv_folds, self.seed,
                                   self.extra_terms).fit(without_pfs(frame))
        models = self.models_
        return BiopsyRiskModel(
            penalizer={k: m.penalizer_ for k, m in models.items()},
            cv_folds=self.cv_folds, seed=self.seed,
            extra_terms={k: list(m.terms_) for k, m in models.items()}).fit(without_pfs(frame))

    # ---- prediction ----------------------------------------------------------------
    def predict(self, frame: pd.DataFrame, alive_months: ArrayLike | None = None
                ) -> Predictions:
        """Served predictions: the biopsy model where there is a liver-biopsy grade.

        ``alive_months`` (one number, or one per patient, NaN = at the biopsy): survival
        conditional on being alive that many months after the biopsy
        (:meth:`risk.stats.baseline.Baseline.given_alive`); horizons and the median are still
        counted from the biopsy, risk groups stay those at the biopsy.
        """
        self._check_fitted()
        return self._predict(frame, self._served_masks(frame), alive_months)

    def predict_horizons(self, frame: pd.DataFrame, months: Sequence[float],
                         alive_months: ArrayLike | None = None) -> pd.DataFrame:
        """The served survival at each of ``months`` (months of the grid) and its 95%
        interval: the columns ``surv_{m}``, ``surv_{m}_lower``, ``surv_{m}_upper`` of
        :meth:`predict`'s table bit for bit, with nothing else computed (no medians,
        risk groups, flags or contributions): the grade alternatives and the PFS columns
        of a file."""
        self._check_fitted()
        alive = self.check_alive_months(alive_months, len(frame))
        served = self._served(frame, self._served_masks(frame), alive)
        pieces = [piece for *_, parts in served for piece in parts]
        return at_horizons(BandSource(len(frame), pieces), months)

    @staticmethod
    def _served_masks(frame: pd.DataFrame) -> dict[str, np.ndarray]:
        has_biopsy = frame["met_grade"].notna().to_numpy() if "met_grade" in frame.columns \
            else np.zeros(len(frame), dtype=bool)
        return {"biopsy": has_biopsy, "primary_only": ~has_biopsy}

    def predict_both(self, frame: pd.DataFrame, alive_months: ArrayLike | None = None
                     ) -> dict[str, Predictions]:
        """Both models for every patient: {"primary_only": ..., "biopsy": ...}; the biopsy
        model's rows are NaN (``model_used`` "") for patients without a liver grade."""
        self._check_fitted()
        n = len(frame)
        has_biopsy = self._served_masks(frame)["biopsy"]
        return {"primary_only": self._predict(frame, {"primary_only": np.ones(n, bool)},
                                              alive_months),
                "biopsy": self._predict(frame, {"biopsy": has_biopsy}, alive_months)}

    @property
    def alive_limit_months(self) -> float:
        """Estimates can be conditioned on being alive before this month (the earlier of
        the two models' last training deaths)."""
        self._check_fitted()
        return min(m.alive_limit_months for m in self.models_.values())

    def check_alive_months(self, alive_months: ArrayLike | None, n: int
                           ) -> NDArray[np.float64] | None:
        """``alive_months`` as one float per patient (NaN: at the biopsy), or None when
        no patient has one; a ModelError names the patients beyond the limit."""
        if alive_months is None:
            return None
        alive = np.broadcast_to(np.asarray(alive_months, dtype=float), (n,)).copy()
        alive[alive <= 0] = np.nan
        if np.isnan(alive).all():
            return None
        limit = self.alive_limit_months
        beyond = np.flatnonzero(alive >= limit)
        if beyond.size:
            rows = ", ".join(str(i + 1) for i in beyond[:10]) + (" ..." if beyond.size > 10
                                                                else "")
            raise ModelError(
                f"alive_months must be below {limit:g}, the month of the training cohort's "
                f"last death (after it the model has no deaths to estimate from); patient(s) "
                f"{rows} have {', '.join(f'{v:g}' for v in alive[beyond[:10]])}.")
        return alive

    def _pieces(self, model: CoxModel, X: np.ndarray, rows: np.ndarray,
                alive: np.ndarray | None) -> list[Piece]:
        """One piece per distinct month alive among ``rows`` (one when none)."""
        if alive is None:
            return [model.piece(X, rows)]
        months = alive[rows]
        out: list[Piece] = []
        for value in np.unique(months):  # NaN last, once
            at = np.flatnonzero(np.isnan(months) if np.isnan(value) else months == value)
            out.append(model.piece(X[at], rows[at], None if np.isnan(value) else value))
        return out

    def _served(self, frame: pd.DataFrame, masks: dict[str, np.ndarray],
                alive: np.ndarray | None
                ) -> Iterator[tuple[str, np.ndarray, pd.DataFrame, np.ndarray, list[Piece]]]:
        """For each model serving some rows: its name, its rows, their frame and design
        matrix, and their pieces of the batch's bands."""
        n = len(frame)
        for name, mask in masks.items():
            rows = np.flatnonzero(mask)
            if len(rows) == 0:
                continue
            model = self.models_[name]
            sub = frame if len(rows) == n else frame.iloc[rows]
            X = model.design(sub)
            yield name, rows, sub, X, self._pieces(model, X, rows, alive)

    def _predict(self, frame: pd.DataFrame, masks: dict[str, np.ndarray],
                 alive_months: ArrayLike | None = None) -> Predictions:
        n = len(frame)
        alive = self.check_alive_months(alive_months, n)
        lp = np.full(n, np.nan)
        used = np.full(n, "", dtype=object)
        inputs = list(dict.fromkeys(i for m in self.models_.values() for i in m.inputs_))
        contrib = np.full((n, len(inputs)), np.nan)
        items: list[tuple[np.ndarray, str]] = []
        pieces: list[Piece] = []
        for name, rows, sub, X, parts in self._served(frame, masks, alive):
            model = self.models_[name]
            pieces += parts
            for part in parts:
                lp[part.rows] = part.linear_predictor
            used[rows] = name
            cols = [inputs.index(i) for i in model.inputs_]
            contrib[np.ix_(rows, cols)] = model.contributions_from_design(X)  # type: ignore[arg-type]  # numpy stubs: ix_ takes a list of ints too
            for flag_mask, text in model.flag_items(sub):
                full = np.zeros(n, dtype=bool)
                full[rows[flag_mask]] = True
                items.append((full, text))
        if "primary_only" in masks and "biopsy" in masks:
            items.insert(0, (masks["primary_only"], FLAG_COMPARATOR))
        if "primary_grade" in frame.columns:
            unknown = (input_levels(frame, "primary_grade") == "unknown") & (used != "")
            items.append((unknown, FLAG_PRIMARY_UNKNOWN))
        flags = join_flags(n, _merge_same_text(items, n))
        return assemble(BandSource(n, pieces), lp, used, patient_ids(frame),
                        self.risk_cutpoints_, flags, pd.DataFrame(contrib, columns=inputs))

    def predict_before_biopsy(self, frame: pd.DataFrame, alive_months: ArrayLike | None = None
                              ) -> BeforeBiopsy:
        """Outcomes under each possible liver grade, weighted by P(liver | primary)
        (:func:`risk.model.before_biopsy.predict_before_biopsy`)."""
        self._check_fitted()
        return predict_before_biopsy(self, frame, self.check_alive_months(alive_months, len(frame)))

    # ---- persistence ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe parameters of both models (no patient rows)."""
        self._check_fitted()
        pfs = {} if self.pfs_model is None else {"pfs_model": self.pfs_model.to_dict()}
        return {"kind": "biopsy_risk_model", "format_version": FORMAT_VERSION,
                "settings": {"penalizer": self.penalizer, "cv_folds": self.cv_folds,
                             "seed": self.seed, "extra_terms": self.extra_terms},
                "biopsy_model": self.biopsy_model_.to_dict(),
                "comparator_model": self.comparator_model_.to_dict(),
                "risk_cutpoints": self.risk_cutpoints_,
                "reference_patient": self.reference_patient_,
                "transition_counts": self.transition_counts_,
                "training_summary": self.training_summary_,
                "notes": [str(note) for note in self.notes_], **pfs}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BiopsyRiskModel:
        try:
            if d.get("kind") != "biopsy_risk_model" or \
                    d.get("format_version") != FORMAT_VERSION:
                raise ModelError("Not a biopsy risk model of format "
                                 f"{FORMAT_VERSION} (kind {d.get('kind')!r}).")
            model = cls(**d["settings"])
            model.biopsy_model_ = CoxModel.from_dict(d["biopsy_model"])
            model.comparator_model_ = CoxModel.from_dict(d["comparator_model"])
            model.risk_cutpoints_ = [float(c) for c in d["risk_cutpoints"]]
            model.reference_patient_ = dict(d["reference_patient"])
            model.transition_counts_ = d["transition_counts"]
            model.training_summary_ = d["training_summary"]
            model.notes_ = [read_note(str(note)) for note in d["notes"]]
            if "pfs_model" in d:  # absent in OS-only models (every earlier file)
                model.pfs_model_ = cls.from_dict(d["pfs_model"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelError(f"The model parameters are malformed ({exc!r}).") from exc
        return model


def _merge_same_text(items: list[tuple[np.ndarray, str]], n: int
                     ) -> list[tuple[np.ndarray, str]]:
    """Join masks that carry the same text (one flag per text per patient)."""
    merged: dict[str, np.ndarray] = {}
    for mask, text in items:
        merged[text] = merged.get(text, np.zeros(n, dtype=bool)) | mask
    return [(mask, text) for text, mask in merged.items()]
