"""Random-effects meta-analysis of centres' validation results (site summaries).

Each metric is pooled as Debray et al. (BMJ 2017;356:i6460) recommend for the performance
of a prediction model across centres:

- C-statistics on the logit scale (se_logit = se / (c (1 - c)), the delta method), back-
  transformed; the calibration slope, log(O/E) and the Brier score on their own scales;
- between-centre variance tau^2 by restricted maximum likelihood (REML, the Fisher-scoring
  fixed point of Viechtbauer, J Educ Behav Stat 2005), or DerSimonian-Laird (Control Clin
  Trials 1986) when asked;
- the 95% confidence interval of the mean by Hartung-Knapp-Sidik-Jonkman (t with k - 1
  degrees of freedom; IntHout et al., BMC Med Res Methodol 2014);
- the 95% prediction interval of the performance in a new centre (Higgins, Thompson &
  Spiegelhalter, J R Stat Soc A 2009; Riley, Higgins & Deeks, BMJ 2011;342:d549):
  mean +/- t_{k-2} sqrt(tau^2 + SE(mean)^2), SE(mean)^2 = 1 / sum(1 / (v_i + tau^2));
  it needs at least 3 centres;
- I^2 = tau^2 / (tau^2 + s^2), s^2 the typical within-centre variance (Higgins & Thompson,
  Stat Med 2002); with DerSimonian-Laird's tau^2 it is (Q - (k - 1)) / Q.

Pure numpy and scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

import risk
from risk._records import json_safe
from risk.evaluation.headline import SITE_METRIC_LABELS
from risk.evaluation.site_summary import SiteSummary, SiteSummaryError, site_note_words
from risk.i18n import N_, Words, _
from risk.i18n.stored import Sentences

#: The format of ``pooled.json``.
POOLED_FORMAT = 1
TAU2_METHODS = ("REML", "DL")
#: Metrics pooled on the logit scale (and back-transformed).
LOGIT_METRICS = ("harrell_c", "uno_c")
_LEVEL = 0.95
_REML_STEPS = 200
_REML_TOL = 1e-12
#: How a pooled metric was estimated (``method`` in ``pooled.json``, stored in English:
#: :func:`method_words` shows it in the current language).
METHOD = N_("random effects, tau^2 by {estimator}, Hartung-Knapp-Sidik-Jonkman 95% CI "
            "(t, k-1 df), 95% prediction interval (t, k-2 df; needs 3 or more centres)")
_METHODS = Sentences((METHOD,))
ESTIMATORS = {"REML": "REML", "DL": "DerSimonian-Laird"}
#: The two models of a validation, in words.
POOLED_MODEL_NAMES = Words({"served": N_("Served predictions"),
                            "comparator": N_("Primary-only comparator")})


@dataclass(frozen=True)
class RandomEffects:
    """A random-effects meta-analysis on the analysis scale."""

    estimate: float
    se: float  # Hartung-Knapp SE of the mean
    ci: tuple[float, float]
    prediction_interval: tuple[float, float] | None
    tau2: float
    i2: float
    q: float
    k: int
    method: str


def _dl_tau2(y: np.ndarray, v: np.ndarray) -> float:
    w = 1 / v
    mu = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - mu) ** 2))
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return max(0.0, (q - (y.size - 1)) / c)


def _reml_tau2(y: np.ndarray, v: np.ndarray) -> float:
    tau2 = _dl_tau2(y, v)
    for _step in range(_REML_STEPS):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        new = max(0.0, float(np.sum(w**2 * ((y - mu) ** 2 - v)) / np.sum(w**2)
                             + 1 / np.sum(w)))
        if abs(new - tau2) < _REML_TOL * max(1.0, tau2):
            return new
        tau2 = new
    return tau2


def random_effects(estimates: ArrayLike, ses: ArrayLike, method: str = "REML"
                   ) -> RandomEffects:
    """Pool ``estimates`` with standard errors ``ses`` (at least 2 centres; see the module
    docstring for the formulas)."""
    if method not in TAU2_METHODS:
        raise ValueError(f"method must be one of {TAU2_METHODS}; got {method!r}")
    y, se = np.asarray(estimates, float), np.asarray(ses, float)
    if y.size < 2 or y.shape != se.shape or not (np.isfinite(y).all() and (se > 0).all()):
        raise ValueError("random_effects needs at least 2 finite estimates with SEs > 0")
    v, k = se**2, int(y.size)
    tau2 = _reml_tau2(y, v) if method == "REML" else _dl_tau2(y, v)
    w = 1 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    hk_se = math.sqrt(float(np.sum(w * (y - mu) ** 2)) / ((k - 1) * np.sum(w)))
    t_ci = stats.t.ppf(0.5 + _LEVEL / 2, k - 1)
    w_fixed = 1 / v
    q = float(np.sum(w_fixed * (y - np.sum(w_fixed * y) / np.sum(w_fixed)) ** 2))
    typical = (k - 1) * np.sum(w_fixed) / (np.sum(w_fixed) ** 2 - np.sum(w_fixed**2))
    prediction = None
    if k >= 3:
        half = stats.t.ppf(0.5 + _LEVEL / 2, k - 2) * math.sqrt(tau2 + 1 / np.sum(w))
        prediction = (mu - half, mu + half)
    return RandomEffects(
        estimate=mu, se=hk_se, ci=(mu - t_ci * hk_se, mu + t_ci * hk_se),
        prediction_interval=prediction, tau2=float(tau2),
        i2=float(tau2 / (tau2 + typical)), q=q, k=k,
        method=METHOD.format(estimator=ESTIMATORS[method]))


# ------------------------------------------------------------------ pooling sites


@dataclass(frozen=True)
class SiteEstimate:
    """One centre's input to a pooled metric (natural scale, with its 95% interval)."""

    site: str
    estimate: float
    se: float
    ci: tuple[float, float]


@dataclass(frozen=True)
class PooledMetric:
    """One metric pooled over the centres that have it, on its natural scale."""

    metric: str
    label: str  # an English msgid: shown as _(label)
    scale: str  # the analysis scale: "logit" or "natural"
    estimate: float
    ci: tuple[float, float]
    prediction_interval: tuple[float, float] | None
    tau2: float  # on the analysis scale
    i2: float
    k: int
    method: str  # English, from METHOD: shown by method_words
    sites: list[SiteEstimate]

    def method_words(self) -> str:
        """How it was estimated, in the current language."""
        return _METHODS.words_of(self.method)


@dataclass(frozen=True)
class PooledValidation:
    """The pooled validation of one model version: per model (served, comparator) and
    metric; every site listed, with those left out of pooling and why."""

    model_version: str
    model_sha256: str
    sites: list[SiteSummary]
    metrics: dict[str, dict[str, PooledMetric]]
    notes: list[str] = field(default_factory=list)
    tau2_method: str = "REML"

    def to_dict(self) -> dict[str, Any]:
        """``pooled.json``: the model, every site's counts, each pooled metric."""
        document: dict[str, Any] = json_safe({
            "pooled_format": POOLED_FORMAT, "model_version": self.model_version,
            "model_sha256": self.model_sha256, "tool_version": risk.__version__,
            "sites": [{"site": s.site, **s.counts.model_dump(), "pooled": s.poolable,
                       "standard_errors": s.standard_errors, "note": s.note}
                      for s in self.sites],
            "metrics": {which: {name: asdict(m) for name, m in metrics.items()}
                        for which, metrics in self.metrics.items()},
            "notes": list(self.notes)})
        return document


def _logit(x: np.ndarray) -> np.ndarray:
    logit: np.ndarray = np.log(x / (1 - x))
    return logit


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def pool_metric(metric: str, sites: list[str], estimates: ArrayLike,
                ses: ArrayLike, method: str = "REML") -> PooledMetric:
    """Pool one metric's site estimates (natural scale); C on the logit scale."""
    y, se = np.asarray(estimates, float), np.asarray(ses, float)
    logit = metric in LOGIT_METRICS
    if logit and not ((y > 0) & (y < 1)).all():
        raise SiteSummaryError(_("{metric}: a C-statistic of 0 or 1 cannot be pooled on "
                                 "the logit scale").format(metric=metric))
    scale_y, scale_se = (_logit(y), se / (y * (1 - y))) if logit else (y, se)
    fit = random_effects(scale_y, scale_se, method)
    back = _expit if logit else float

    def interval(pair: tuple[float, float]) -> tuple[float, float]:
        return back(pair[0]), back(pair[1])

    z = stats.norm.ppf(0.5 + _LEVEL / 2)
    inputs = [SiteEstimate(name, float(est), float(s), interval((ly - z * ls, ly + z * ls)))
              for name, est, s, ly, ls in zip(sites, y, se, scale_y, scale_se, strict=True)]
    return PooledMetric(
        metric=metric, label=dict(SITE_METRIC_LABELS)[metric],
        scale="logit" if logit else "natural", estimate=back(fit.estimate),
        ci=interval(fit.ci), prediction_interval=None if fit.prediction_interval is None
        else interval(fit.prediction_interval),
        tau2=fit.tau2, i2=fit.i2, k=fit.k, method=fit.method, sites=inputs)


def _same_model(summaries: list[tuple[str, SiteSummary]]) -> None:
    first_name, first = summaries[0]
    for name, summary in summaries[1:]:
        if (summary.model_version, summary.model_sha256) != (first.model_version,
                                                              first.model_sha256):
            raise SiteSummaryError(_(
                "{name}: evaluates model {version} (sha256 {sha256}...), but {first_name} "
                "evaluates {first_version} (sha256 {first_sha256}...): only summaries of "
                "the same model version can be pooled").format(
                name=name, version=summary.model_version, sha256=summary.model_sha256[:12],
                first_name=first_name, first_version=first.model_version,
                first_sha256=first.model_sha256[:12]))


def pool_sites(summaries: Sequence[tuple[str, SiteSummary]], method: str = "REML"
               ) -> PooledValidation:
    """Pool named site summaries (file name, summary) of one model version.

    Refused with a SiteSummaryError: summaries of different model versions or hashes,
    the same site twice, fewer than 2 sites with metrics. Counts-only sites are listed
    and left out, with a note."""
    named = list(summaries)
    if len(named) < 2:
        raise SiteSummaryError(_("pooling needs at least 2 site summaries; got {n}").format(
            n=len(named)))
    _same_model(named)
    seen: dict[str, str] = {}
    for name, summary in named:
        if summary.site in seen:
            raise SiteSummaryError(_("{name}: site {site} is also in {other}: each site "
                                     "once").format(name=name, site=repr(summary.site),
                                                    other=seen[summary.site]))
        seen[summary.site] = name
    notes = [_("{site} ({file}) is listed but left out of pooling: {note}").format(
        site=s.site, file=name, note=site_note_words(s)) for name, s in named if not s.poolable]
    usable = [s for _, s in named if s.poolable]
    if len(usable) < 2:
        raise SiteSummaryError(_("pooling needs at least 2 sites with metrics; got {n} (the "
                                 "others have counts only)").format(n=len(usable)))
    metrics = {which: _pool_model(usable, which, method, notes)
               for which in ("served", "comparator")}
    first = named[0][1]
    return PooledValidation(model_version=first.model_version,
                            model_sha256=first.model_sha256,
                            sites=[s for _, s in named], metrics=metrics, notes=notes,
                            tau2_method=method)


def _pool_model(usable: list[SiteSummary], which: str, method: str, notes: list[str]
                ) -> dict[str, PooledMetric]:
    out = {}
    for metric, label in SITE_METRIC_LABELS:
        have = [(s.site, getattr(getattr(s.metrics, which), metric)) for s in usable]
        have = [(site, e) for site, e in have if e is not None]
        if len(have) < 2:
            notes.append(_("{model}, {metric}: fewer than 2 sites have it; not pooled").format(
                model=POOLED_MODEL_NAMES[which], metric=_(label)))
            continue
        out[metric] = pool_metric(metric, [site for site, _e in have],
                                  [e.estimate for _s, e in have], [e.se for _s, e in have],
                                  method)
    return out
