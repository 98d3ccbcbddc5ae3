"""A centre's validation as aggregates only: what may leave the hospital to be pooled.

A site summary holds counts (patients, deaths, median follow-up) and, for the served
predictions and the primary-only comparator, each metric as an estimate with its standard
error: Harrell's and Uno's C, the calibration slope at 60 months, calibration-in-the-large
as log(O/E) at 60 months and the Brier score at 60 months. No row, identifier or
per-patient vector is written, so the file's size does not depend on the cohort's.

Standard errors (Debray et al., BMJ 2017;356:i6460):

- C and Brier: :mod:`risk.evaluation.standard_errors` (bootstrap SD, or a closed formula);
- calibration slope: its model-based (Wald) SE, read off the evaluation's 95% interval;
- log(O/E): var(ln O/E) ~ 1/O, O the deaths observed by 60 months (Debray 2017).

A centre with fewer than :data:`MIN_SITE_DEATHS` deaths writes counts only, with a note
(too imprecise to pool, and small numbers can identify patients).

JSON goes in and out only through :class:`SiteSummary` (``to_json``, ``from_json``). The
``integrity`` field is the sha256 of the canonical JSON of the rest: it catches a file
edited or damaged after it was written (it is not a signature against a forger).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

import risk
from risk.errors import RiskError
from risk.i18n import N_, _
from risk.i18n.stored import Sentences
from risk.registry.files import canonical_json
from risk.stats.normal import Z_95

if TYPE_CHECKING:
    from risk.evaluation.document import EvaluationReport
    from risk.evaluation.headline import MetricSet
    from risk.evaluation.section_models import StandardErrors

#: The format of a site summary file (``summary_format``).
SUMMARY_FORMAT = 1
#: Fewest deaths for a centre's metrics to be written (else counts only).
MIN_SITE_DEATHS = 10
#: The horizon (months) of the calibration and Brier metrics.
HORIZON = 60.0
_HEX64 = r"^[0-9a-f]{64}$"
#: The note of a counts-only summary, stored in English in the file (a centre's file is
#: read in any language): :func:`site_note_words` shows it in the current one.
FEW_DEATHS_NOTE = N_("counts only: {deaths} deaths, fewer than the {needed} needed to write "
                     "metrics (too imprecise to pool, and small numbers can identify "
                     "patients)")
NOT_EVALUATED_NOTE = N_("counts only: not evaluated")
_SITE_NOTES = Sentences((FEW_DEATHS_NOTE, NOT_EVALUATED_NOTE))
Finite = Annotated[float, Field(allow_inf_nan=False)]


class SiteSummaryError(RiskError):
    """A site summary that cannot be read or pooled (the message names the file)."""


class _Strict(BaseModel):
    """Exact types, no unknown keys: a summary file is checked, never guessed at."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Estimate(_Strict):
    """A metric at one site: the estimate and its standard error (natural scale)."""

    estimate: Finite
    se: Annotated[float, Field(gt=0, allow_inf_nan=False)]


class ModelEstimates(_Strict):
    """One model's metrics at a site; a metric that could not be computed is None."""

    harrell_c: Estimate | None = None
    uno_c: Estimate | None = None
    calibration_slope: Estimate | None = None
    calibration_in_the_large: Estimate | None = None
    brier_60: Estimate | None = None


class SiteMetrics(_Strict):
    """The served predictions' metrics and the primary-only comparator's."""

    served: ModelEstimates
    comparator: ModelEstimates


class SiteCounts(_Strict):
    """How many patients and deaths, and the median follow-up (reverse Kaplan-Meier)."""

    patients: Annotated[int, Field(ge=0)]
    deaths: Annotated[int, Field(ge=0)]
    median_follow_up_months: Finite | None = None


class SiteSummary(_Strict):
    """One centre's aggregate validation of one model version."""

    summary_format: Literal[1]
    site: Annotated[str, Field(min_length=1, max_length=120)]
    model_version: Annotated[str, Field(min_length=1)]
    model_sha256: Annotated[str, Field(pattern=_HEX64)]
    tool_version: str
    counts: SiteCounts
    metrics: SiteMetrics | None = None
    standard_errors: str | None = None
    note: str | None = None
    integrity: Annotated[str, Field(pattern=_HEX64)] | None = None

    @property
    def poolable(self) -> bool:
        """Whether the site has metrics (not counts only)."""
        return self.metrics is not None

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of every field but ``integrity``."""
        content = self.model_dump(mode="json", exclude={"integrity"})
        return hashlib.sha256(canonical_json(content)).hexdigest()

    def to_json(self) -> str:
        """The file's text, its integrity field set."""
        sealed = self.model_copy(update={"integrity": self.content_hash()})
        return json.dumps(sealed.model_dump(mode="json"), indent=2, allow_nan=False) + "\n"

    @classmethod
    def from_json(cls, data: bytes | str, name: str) -> Self:
        """The summary in ``data`` (a file called ``name``); a SiteSummaryError naming the
        file says why it is refused: not JSON, another format, a missing or wrongly typed
        field, or content that no longer matches its integrity hash."""
        parsed = _parse(data, name)
        if parsed.get("summary_format") != SUMMARY_FORMAT:
            raise SiteSummaryError(_(
                "{name}: not a site summary of format {format} (summary_format is "
                "{found}); write it with `python -m risk evaluate --summary-out`").format(
                name=name, format=SUMMARY_FORMAT, found=repr(parsed.get("summary_format"))))
        try:
            summary = cls.model_validate(parsed)
        except ValidationError as exc:
            raise SiteSummaryError(_("{name}: not a valid site summary: {error}").format(
                name=name, error=_first_error(exc))) from None
        if summary.integrity is None:
            raise SiteSummaryError(_("{name}: has no integrity field: it was not written by "
                                     "`python -m risk evaluate --summary-out`").format(
                name=name))
        if summary.integrity != summary.content_hash():
            raise SiteSummaryError(_("{name}: its content does not match its integrity "
                                     "hash: the file was changed after it was written; "
                                     "refused").format(name=name))
        return summary


def _parse(data: bytes | str, name: str) -> dict[str, Any]:
    def no_constants(value: str) -> None:
        raise ValueError(f"{value} is not a number JSON allows")

    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        parsed = json.loads(text, parse_constant=no_constants)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SiteSummaryError(_("{name}: not a JSON file ({error})").format(
            name=name, error=exc)) from None
    if not isinstance(parsed, dict):
        raise SiteSummaryError(_("{name}: not a site summary (a JSON object is "
                                 "expected)").format(name=name))
    return parsed


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "the file"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {error['msg']}{more}"


def site_note_words(summary: SiteSummary) -> str:
    """The summary's note in the current language ("" without one; a note written
    otherwise, as it is)."""
    return _SITE_NOTES.words_of(summary.note) if summary.note else ""


def read_site_summaries(files: Iterable[tuple[str, bytes]]) -> list[SiteSummary]:
    """Each (name, bytes) read as a summary; the first refused file raises."""
    return [SiteSummary.from_json(data, name) for name, data in files]


# ------------------------------------------------------------------ writing one


def _estimate(value: float | None, se: float | None) -> Estimate | None:
    if value is None or se is None or not (math.isfinite(value) and math.isfinite(se)) \
            or se <= 0:
        return None
    return Estimate(estimate=float(value), se=float(se))


def _model_estimates(metrics: MetricSet, errors: StandardErrors | None,
                     deaths_by_horizon: int) -> ModelEstimates:
    lower, upper = metrics.calibration_slope_60_lower, metrics.calibration_slope_60_upper
    slope_se = (upper - lower) / (2 * Z_95) if lower is not None and upper is not None \
        else None
    oe = metrics.oe_ratio_60
    log_oe = math.log(oe) if oe is not None and oe > 0 else None
    oe_se = 1 / math.sqrt(deaths_by_horizon) if deaths_by_horizon > 0 else None
    return ModelEstimates(
        harrell_c=_estimate(metrics.harrell_c, errors.harrell_c if errors else None),
        uno_c=_estimate(metrics.uno_c, errors.uno_c if errors else None),
        calibration_slope=_estimate(metrics.calibration_slope_60, slope_se),
        calibration_in_the_large=_estimate(log_oe, oe_se),
        brier_60=_estimate(metrics.brier_60, errors.brier_60 if errors else None))


def _counts(time: np.ndarray, died: np.ndarray) -> SiteCounts:
    from risk.stats.kaplan_meier import kaplan_meier

    follow_up = kaplan_meier(time, 1.0 - died).median  # reverse Kaplan-Meier
    return SiteCounts(patients=int(time.size), deaths=int(died.sum()),
                      median_follow_up_months=follow_up if math.isfinite(follow_up) else None)


def build_site_summary(report: EvaluationReport | None, time: Any, event: Any, *, site: str,
                       model_version: str, model_sha256: str) -> SiteSummary:
    """The summary of one centre: counts from ``time`` (months) and ``event`` (death 1/0),
    metrics from ``report`` (:func:`risk.evaluation.evaluate` on the same patients), or
    counts only (with a note) when there are fewer than :data:`MIN_SITE_DEATHS` deaths or
    no report."""
    time = np.asarray(time, float)
    died = (np.asarray(event, float) > 0).astype(float)
    counts = _counts(time, died)
    common: dict[str, Any] = {
        "summary_format": SUMMARY_FORMAT, "site": site, "model_version": model_version,
        "model_sha256": model_sha256, "tool_version": risk.__version__, "counts": counts}
    if counts.deaths < MIN_SITE_DEATHS or report is None:
        return SiteSummary(**common, note=FEW_DEATHS_NOTE.format(
            deaths=counts.deaths, needed=MIN_SITE_DEATHS) if counts.deaths < MIN_SITE_DEATHS
            else NOT_EVALUATED_NOTE)
    by_horizon = int(((time <= HORIZON) & (died > 0)).sum())
    errors = report.standard_errors
    return SiteSummary(
        **common, metrics=SiteMetrics(
            served=_model_estimates(report.headline, errors, by_horizon),
            comparator=_model_estimates(report.comparator, report.comparator_standard_errors,
                                        by_horizon)),
        standard_errors=errors.method if errors else None)
