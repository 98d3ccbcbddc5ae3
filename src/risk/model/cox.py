"""One Cox proportional-hazards model, fitted and predicted with numpy.

``S(t|x) = exp(-H0(t) exp((x - mean) . beta))`` with the baseline ``H0`` stored on the
monthly grid 0..120 (linear between months; equal to lifelines'
``predict_survival_function(times=grid)``). A fitted model is fully described by
:meth:`CoxModel.to_dict`, a JSON-safe dict with coefficients, covariance, centring means,
the baseline and interval aggregates on the grid, the encoding, training ranges and
category counts, the reference patient, risk cut-points, the penalizer and how it was
chosen, the lifelines version and notes. It holds no patient rows, identifiers or
survival times.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from risk.errors import ModelError
from risk.model.bands import BandCalculator, single_blas_thread
from risk.model.features import (
    DesignColumn,
    candidate_columns,
    category_counts,
    check_covariates,
    column_words,
    encode,
    model_inputs,
    patient_frame,
    reference_patient,
    reference_words,
)
from risk.model.fit import MIN_PENALIZER, CoxFit, fit_design
from risk.model.fit_notes import FLAT_BASELINE, FitNote, read_note
from risk.model.flags import training_flags
from risk.model.prediction import (
    MONTHS,
    BandSource,
    Piece,
    Predictions,
    assemble,
    join_flags,
    patient_ids,
    risk_cutpoints,
)
from risk.model.settings import check_setting
from risk.stats.baseline import Baseline
from risk.stats.estimability import DroppedColumn
from risk.stats.outcome import check_outcome

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from risk.model.bands import CurveArrays

FORMAT_VERSION = 1
#: How ``penalizer="auto"`` is resolved (stored in the card).
PENALIZER_RULE = (f"maximum partial likelihood; a ridge penalty of {MIN_PENALIZER:g} only if "
                  "the likelihood has no finite maximum")


class NotFittedError(ModelError):
    """The model was used before ``fit`` (or ``from_dict``)."""


def _check_terms(extra_terms: str | Sequence[str], covariates: str) -> tuple[str, ...] | None:
    if isinstance(extra_terms, str):
        if extra_terms != "auto":
            raise ModelError(f"The 'extra_terms' setting must be 'auto' or a list of "
                             f"terms; got {extra_terms!r}.")
        return None
    terms = tuple(extra_terms)
    check_covariates(covariates, terms)
    return terms


class CoxModel:
    """Cox PH model of overall survival from the canonical cohort frame.

    Parameters
    ----------
    covariates : {"biopsy", "primary_only"}
        "biopsy" uses the liver-biopsy grade (every training patient needs one);
        "primary_only" knows only what is known before the liver biopsy.
    penalizer : "auto" or float >= 0
        Ridge penalizer (lifelines' scale). "auto": maximum partial likelihood, with a
        small stabilising penalty only where the likelihood has no finite maximum; the
        95% intervals are checked for coverage in that setting. A penalty set by hand
        shrinks estimates toward the average patient and its intervals ignore that bias.
    cv_folds, seed : int
        Folds and seed of the cross-validated choice of extra terms (deterministic).
    extra_terms : "auto" or sequence of {"grade_change", "ki67"}
        Optional terms; "auto" adds one only if the cross-validated C-index improves.

    A higher linear predictor means a higher risk of death.
    """

    def __init__(self, covariates: str = "biopsy", penalizer: float | str = "auto",
                 cv_folds: int = 5, seed: int = 0,
                 extra_terms: str | Sequence[str] = "auto") -> None:
        self.covariates = covariates
        self.penalizer = penalizer
        self.cv_folds = cv_folds
        self.seed = seed
        self.extra_terms = extra_terms

    # ---- fitting -------------------------------------------------------------------
    def fit(self, frame: pd.DataFrame) -> CoxModel:
        """Fit on a canonical frame with ``os_months`` and ``death``; returns self."""
        from risk.model import tuning

        check_covariates(self.covariates)
        check_setting("penalizer", self.penalizer)
        check_setting("cv_folds", self.cv_folds)
        check_setting("seed", self.seed)
        terms = _check_terms(self.extra_terms, self.covariates)
        for col in ("os_months", "death"):
            if col not in frame.columns:
                raise ModelError(f"Training needs the outcome column '{col}'.")
        t, e = check_outcome(frame["os_months"], frame["death"])
        penalizer = 0.0 if self.penalizer == "auto" else float(self.penalizer)
        selection: dict[str, Any] = {"penalizer": {"rule": PENALIZER_RULE if self.penalizer == "auto"
                                         else "set by the user"}}

        def design(terms_: tuple[str, ...]) -> tuple[list[DesignColumn], np.ndarray]:
            cols = candidate_columns(self.covariates, terms_)
            return cols, encode(frame, cols, self.covariates, terms_)

        if terms is None:
            terms, selection["extra_terms"] = tuning.select_terms(
                frame, self.covariates, penalizer, self.cv_folds, self.seed)
        columns, X = design(terms)
        by_name = {c.name: c for c in columns}
        fit = fit_design(X, t, e, penalizer, columns=list(by_name), grid=MONTHS,
                         words=lambda name: column_words(by_name[name]),
                         reference=lambda name: reference_words(by_name[name]))
        kept = [c for c in columns if c.name in set(fit.columns)]
        self._set_fitted(fit, kept, terms, selection, frame)
        return self

    def _set_fitted(self, fit: CoxFit, columns: list[DesignColumn], terms: tuple[str, ...],
                    selection: dict[str, Any], frame: pd.DataFrame) -> None:
        names = [c.name for c in columns]
        self.terms_ = tuple(terms)
        self.columns_ = columns
        self.coef_ = pd.Series(fit.coef, index=names, name="coef")
        self.covariance_ = pd.DataFrame(fit.covariance, index=names, columns=names)
        self.means_ = pd.Series(fit.means, index=names, name="mean")
        self.baseline_ = fit.baseline
        self.penalizer_ = fit.penalizer
        self.selection_ = selection
        self.fit_statistics_ = {"n": fit.n, "events": fit.events,
                                "concordance": fit.concordance,
                                "log_likelihood": fit.log_likelihood,
                                "lr_statistic": fit.lr_statistic}
        self.left_out_ = list(fit.left_out)
        self.notes_ = list(fit.notes)
        self.lifelines_version_ = version("lifelines")
        self.training_summary_ = training_summary(frame, self.inputs_)
        last_event = float(frame["os_months"][frame["death"] > 0].max())
        if last_event < MONTHS[-1]:
            self.notes_.append(FitNote.of(FLAT_BASELINE, grid_end=f"{MONTHS[-1]:g}",
                                          last=math.floor(last_event)))
        self._prepare()
        self.reference_patient_ = reference_patient(frame)
        self.risk_cutpoints_ = risk_cutpoints(self.survival_at(frame, [60.0])[:, 0])

    @property
    def dropped_columns_(self) -> list[str]:
        """Columns left out of the fit (``left_out_`` says why)."""
        return [d.column for d in self.left_out_]

    @property
    def inputs_(self) -> tuple[str, ...]:
        return model_inputs(self.covariates, self.terms_)

    def _prepare(self) -> None:
        """Numpy caches for fast prediction."""
        self._beta: NDArray[np.float64] = self.coef_.to_numpy(dtype=float)
        self._mean: NDArray[np.float64] = self.means_.to_numpy(dtype=float)
        self._covariance: NDArray[np.float64] = (self.covariance_.to_numpy(dtype=float)
                                                 * self.small_sample_factor)
        self._bands = BandCalculator(self.baseline_, self._covariance)
        self._given_alive: dict[float, BandCalculator] = {}
        inputs = list(self.inputs_)
        self._groups = np.zeros((len(self.columns_), len(inputs)))
        for j, col in enumerate(self.columns_):
            self._groups[j, inputs.index(col.input)] = 1.0

    @property
    def small_sample_factor(self) -> float:
        """``d / (d - p)`` (d training deaths, p coefficients): how much the 95% bands
        inflate the coefficients' covariance (see :data:`risk.model.bands.INTERVAL_METHOD`).

        At few deaths per coefficient the inverse information understates how much the
        estimates vary (measured: SD/SE 1.10 at 300 patients, 1.03 at 1,000, 1.00 at
        5,000 in benchmarks/bench_coverage.py); this degrees-of-freedom correction, the
        Cox analogue of HC1 for regression (MacKinnon & White, J Econometrics 1985), tracks
        it and vanishes in large cohorts.
        """
        deaths = float((self.fit_statistics_ or {}).get("events") or 0)
        p = len(self.coef_)
        if p == 0 or deaths <= 0:
            return 1.0
        return deaths / max(deaths - p, 1.0)

    def set_reference_patient(self, patient: dict[str, Any]) -> None:
        """Use ``patient`` (canonical inputs) as the reference for contributions."""
        self._check_fitted()
        self.reference_patient_ = dict(patient)
        self._ref_x: NDArray[np.float64] | None = None

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet: call "
                                 "fit(frame) first, or load a saved one with from_dict.")

    # ---- prediction ----------------------------------------------------------------
    def design(self, frame: pd.DataFrame) -> np.ndarray:
        """The encoded covariates (n, p) in the order of ``coef_``."""
        self._check_fitted()
        return encode(frame, self.columns_, self.covariates, self.terms_)

    def linear_predictor(self, frame: pd.DataFrame) -> np.ndarray:
        """Log relative hazard against the training mean; higher = riskier."""
        return (self.design(frame) - self._mean) @ self._beta

    def survival_at(self, frame: pd.DataFrame, months: ArrayLike) -> NDArray[np.float64]:
        """S(t|x), shape (n, len(months)); months within 0..120 (linear between months)."""
        months = np.atleast_1d(np.asarray(months, dtype=float))
        if np.any(~np.isfinite(months)) or months.min() < 0 or months.max() > MONTHS[-1]:
            raise ModelError(f"Survival is available from month 0 to {MONTHS[-1]:g}; got "
                             f"{months.min():g}-{months.max():g}.")
        h0 = np.interp(months, self.baseline_.months, self.baseline_.cumulative_hazard)
        survival: NDArray[np.float64] = np.exp(-np.outer(np.exp(self.linear_predictor(frame)),
                                                         h0))
        return survival

    def bands_from_design(self, X: np.ndarray, out: CurveArrays | None = None,
                          rows: NDArray[np.intp] | None = None
                          ) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                     NDArray[np.float64], NDArray[np.float64]]:
        """(curves, lower, upper, linear predictor) for an encoded design matrix.

        ``out``/``rows``: write patient i into row ``rows[i]`` of three given arrays.
        """
        z = X - self._mean
        lp = z @ self._beta
        curves, lower, upper = self._bands.bands(lp, z, out=out, rows=rows)
        return curves, lower, upper, lp

    def piece(self, X: np.ndarray, rows: np.ndarray,
              alive_months: float | None = None) -> Piece:
        """This model's share of a batch (``rows``) for :class:`risk.model.prediction.BandSource`;
        with ``alive_months``, survival conditional on being alive then."""
        z = X - self._mean
        return Piece(self.bands_given_alive(alive_months), rows, z @ self._beta, z,
                     risk_bands=self._bands)

    @property
    def alive_limit_months(self) -> float:
        """Survival can be conditioned on being alive before (not at) this month: the
        month of the last training death, after which the baseline is flat and an interval
        would be falsely certain."""
        self._check_fitted()
        rising = np.flatnonzero(np.diff(self.baseline_.cumulative_hazard) > 0)
        return float(self.baseline_.months[rising[-1] + 1]) if rising.size else 0.0

    def bands_given_alive(self, months: float | None) -> BandCalculator:
        """The band calculator of survival given alive at ``months`` (None or 0: at the
        biopsy); built once per month asked (a few ms) and kept."""
        self._check_fitted()
        if months is None or not months > 0:
            return self._bands
        key = float(months)
        if key >= self.alive_limit_months:
            raise ModelError(f"Survival can be conditioned on being alive up to month "
                             f"{self.alive_limit_months:g} (the training cohort's last "
                             f"death); got {key:g} months.")
        if key not in self._given_alive:
            if len(self._given_alive) >= 128:  # distinct months of a large batch
                self._given_alive.clear()
            self._given_alive[key] = BandCalculator(self.baseline_.given_alive(key),
                                                    self._covariance)
        return self._given_alive[key]

    def reference_linear_predictor(self) -> float:
        return float(self.linear_predictor(patient_frame(self.reference_patient_))[0])

    def contributions_from_design(self, X: np.ndarray) -> np.ndarray:
        """(n, inputs) contributions to the log hazard against the reference patient."""
        if getattr(self, "_ref_x", None) is None:
            self._ref_x = self.design(patient_frame(self.reference_patient_))[0]
            self._weighted_groups = self._beta[:, None] * self._groups
            self._ref_contribution = self._ref_x @ self._weighted_groups
        with single_blas_thread(len(X)):
            contributions: NDArray[np.float64] = X @ self._weighted_groups - self._ref_contribution
            return contributions

    def contributions(self, frame: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(self.contributions_from_design(self.design(frame)),
                            columns=list(self.inputs_))

    def flag_items(self, frame: pd.DataFrame) -> list[tuple[np.ndarray, str]]:
        """(mask, text) for patients at the thin edge of the training data
        (:func:`risk.model.flags.training_flags`)."""
        self._check_fitted()
        return training_flags(self, frame)

    def predict(self, frame: pd.DataFrame) -> Predictions:
        """Predictions of this model alone (risk groups from its own cut-points)."""
        X = self.design(frame)
        piece = self.piece(X, np.arange(len(frame)))
        flags = join_flags(len(frame), self.flag_items(frame))
        used = np.full(len(frame), self.covariates, dtype=object)
        contrib = pd.DataFrame(self.contributions_from_design(X), columns=list(self.inputs_))
        return assemble(BandSource(len(frame), [piece]), piece.linear_predictor, used,
                        patient_ids(frame), self.risk_cutpoints_, flags, contrib)

    # ---- persistence ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-safe parameters (no patient rows); see :meth:`from_dict`."""
        self._check_fitted()
        return {
            "kind": "cox_ph", "format_version": FORMAT_VERSION,
            "settings": {"covariates": self.covariates, "penalizer": self.penalizer,
                         "cv_folds": self.cv_folds, "seed": self.seed,
                         "extra_terms": self.extra_terms if isinstance(self.extra_terms, str)
                         else list(self.extra_terms)},
            "extra_terms": list(self.terms_),
            "columns": [{"name": c.name, "input": c.input, "level": c.level}
                        for c in self.columns_],
            "dropped_columns": self.dropped_columns_,
            "left_out": [d.to_dict() for d in self.left_out_],
            "coefficients": self.coef_.tolist(),
            "covariance": self.covariance_.to_numpy().tolist(),
            "means": self.means_.tolist(),
            "baseline": self.baseline_.to_dict(),
            "penalizer": self.penalizer_,
            "selection": self.selection_,
            "fit_statistics": self.fit_statistics_,
            "training_summary": self.training_summary_,
            "reference_patient": self.reference_patient_,
            "risk_cutpoints": self.risk_cutpoints_,
            "lifelines_version": self.lifelines_version_,
            "notes": [str(note) for note in self.notes_],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CoxModel:
        """Rebuild a fitted model from :meth:`to_dict` output (no lifelines needed)."""
        try:
            if d.get("kind") != "cox_ph" or d.get("format_version") != FORMAT_VERSION:
                raise ModelError(f"Not a Cox model of format {FORMAT_VERSION} "
                                 f"(kind {d.get('kind')!r}, format {d.get('format_version')!r}).")
            model = cls(**d["settings"])
            columns = [DesignColumn(c["name"], c["input"], c["level"]) for c in d["columns"]]
            names = [c.name for c in columns]
            model.terms_ = tuple(d["extra_terms"])
            model.columns_ = columns
            model.coef_ = pd.Series(np.asarray(d["coefficients"], float), index=names,
                                    name="coef")
            model.covariance_ = pd.DataFrame(np.asarray(d["covariance"], float).reshape(
                len(names), len(names)), index=names, columns=names)
            model.means_ = pd.Series(np.asarray(d["means"], float), index=names, name="mean")
            model.baseline_ = Baseline.from_dict(d["baseline"])
            for key in ("penalizer", "selection", "fit_statistics", "training_summary",
                        "reference_patient", "risk_cutpoints", "lifelines_version"):
                setattr(model, f"{key}_", d[key])
            model.notes_ = [read_note(str(note)) for note in d["notes"]]
            model.left_out_ = [DroppedColumn.from_dict(x) for x in d.get("left_out", [
                {"column": c, "reason": "constant"} for c in d["dropped_columns"]])]
            model._prepare()
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"The Cox model parameters are malformed ({exc!r}).") from exc
        return model


def training_summary(frame: pd.DataFrame, inputs: Iterable[str]) -> dict[str, Any]:
    """Counts and ranges of a training cohort (aggregates only; ages in whole years)."""
    age = frame["age"].to_numpy(dtype=float)
    return {"n": len(frame), "events": int(frame["death"].sum()),
            "age_range": [float(math.floor(age.min())), float(math.ceil(age.max()))],
            "age_median": float(np.round(np.median(age))),
            "category_counts": category_counts(frame, tuple(inputs))}
