"""Pooling centres' site summaries: the random-effects numbers against a meta-analysis
written out here independently (DerSimonian-Laird by hand; REML by maximising the
restricted likelihood numerically), the site summary's privacy, and the refusals."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import optimize, stats
from site_summaries import MODEL_SHA, hospital_cohort, site_files, site_summary

from risk.evaluation import (
    MIN_SITE_DEATHS,
    SiteSummary,
    SiteSummaryError,
    build_site_summary,
    evaluate,
    pool_sites,
    random_effects,
    read_site_summaries,
)
from risk.evaluation.pooling import pool_metric

Y = np.array([0.10, 0.50, 0.90, 0.30, 0.62])
SE = np.array([0.10, 0.15, 0.20, 0.12, 0.18])


def by_hand(y, se, tau2):
    """Mean, Hartung-Knapp CI and Higgins prediction interval at a given tau^2."""
    k = y.size
    w = 1 / (se**2 + tau2)
    mu = (w * y).sum() / w.sum()
    hk = math.sqrt((w * (y - mu) ** 2).sum() / ((k - 1) * w.sum()))
    t1, t2 = stats.t.ppf(0.975, k - 1), stats.t.ppf(0.975, k - 2)
    pi = t2 * math.sqrt(tau2 + 1 / w.sum())
    return mu, (mu - t1 * hk, mu + t1 * hk), (mu - pi, mu + pi)


def dl_by_hand(y, se):
    w = 1 / se**2
    mu_fixed = (w * y).sum() / w.sum()
    q = (w * (y - mu_fixed) ** 2).sum()
    tau2 = max(0.0, (q - (y.size - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    return tau2, q


def reml_by_optimiser(y, se):
    def minus_restricted_loglik(tau2):
        v = se**2 + tau2
        w = 1 / v
        mu = (w * y).sum() / w.sum()
        return 0.5 * (np.log(v).sum() + math.log(w.sum()) + (w * (y - mu) ** 2).sum())

    best = optimize.minimize_scalar(minus_restricted_loglik, bounds=(0, 10), method="bounded",
                                    options={"xatol": 1e-12})
    return max(0.0, best.x) if minus_restricted_loglik(0) > best.fun else 0.0


def test_dersimonian_laird_equals_the_hand_computation():
    fit = random_effects(Y, SE, method="DL")
    tau2, q = dl_by_hand(Y, SE)
    mu, ci, pi = by_hand(Y, SE, tau2)
    assert fit.tau2 == pytest.approx(tau2, abs=1e-10) and tau2 > 0
    assert fit.q == pytest.approx(q, abs=1e-10)
    assert fit.estimate == pytest.approx(mu, abs=1e-6)
    assert fit.ci == pytest.approx(ci, abs=1e-6)
    assert fit.prediction_interval == pytest.approx(pi, abs=1e-6)
    assert fit.i2 == pytest.approx((q - (Y.size - 1)) / q, abs=1e-6)  # Higgins-Thompson
    assert "DerSimonian-Laird" in fit.method


def test_reml_maximises_the_restricted_likelihood():
    fit = random_effects(Y, SE, method="REML")
    tau2 = reml_by_optimiser(Y, SE)
    assert fit.tau2 == pytest.approx(tau2, abs=1e-6) and tau2 > 0
    mu, ci, pi = by_hand(Y, SE, fit.tau2)
    assert fit.estimate == pytest.approx(mu, abs=1e-6)
    assert fit.ci == pytest.approx(ci, abs=1e-6)
    assert fit.prediction_interval == pytest.approx(pi, abs=1e-6)
    assert "REML" in fit.method and "Hartung-Knapp" in fit.method


@pytest.mark.parametrize("method", ["REML", "DL"])
def test_homogeneous_sites_have_no_between_site_variance(method):
    fit = random_effects([0.7, 0.7, 0.7], [0.02, 0.03, 0.05], method=method)
    assert fit.tau2 == 0 and fit.i2 == 0 and fit.estimate == pytest.approx(0.7)
    # within-centre noise only: the sites agree closer than their SEs
    fit = random_effects([0.70, 0.71, 0.69, 0.705], [0.05, 0.05, 0.05, 0.05], method=method)
    assert fit.tau2 == 0 and fit.i2 == 0


def test_two_sites_have_no_prediction_interval_and_hk_uses_one_df():
    fit = random_effects([0.2, 0.4], [0.1, 0.1])
    assert fit.prediction_interval is None
    mu, ci, _ = by_hand(np.array([0.2, 0.4]), np.array([0.1, 0.1]), fit.tau2)
    assert fit.ci == pytest.approx(ci, abs=1e-9)  # t with 1 df: wide


def test_c_is_pooled_on_the_logit_scale():
    c, se = np.array([0.68, 0.72, 0.75]), np.array([0.03, 0.025, 0.04])
    pooled = pool_metric("harrell_c", ["a", "b", "c"], c, se)
    logit, logit_se = np.log(c / (1 - c)), se / (c * (1 - c))
    fit = random_effects(logit, logit_se)
    assert pooled.scale == "logit"
    assert pooled.estimate == pytest.approx(1 / (1 + math.exp(-fit.estimate)), abs=1e-9)
    assert pooled.ci[0] == pytest.approx(1 / (1 + math.exp(-fit.ci[0])), abs=1e-9)
    assert pooled.tau2 == pytest.approx(fit.tau2)
    slope = pool_metric("calibration_slope", ["a", "b", "c"], [0.9, 1.1, 1.0], se)
    assert slope.scale == "natural" and slope.estimate == pytest.approx(
        random_effects([0.9, 1.1, 1.0], se).estimate)


def test_three_hospitals_pool_inside_the_range_of_their_cs():
    summaries = read_site_summaries(site_files())
    pooled = pool_sites(list(zip([n for n, _ in site_files()], summaries, strict=True)))
    site_c = [s.metrics.served.harrell_c.estimate for s in summaries]
    c = pooled.metrics["served"]["harrell_c"]
    assert min(site_c) <= c.estimate <= max(site_c)
    assert c.ci[0] < c.estimate < c.ci[1]
    assert c.prediction_interval[0] <= c.ci[0] and c.ci[1] <= c.prediction_interval[1]
    assert [s.site for s in c.sites] == ["Hospital 0", "Hospital 1", "Hospital 2"]
    assert set(pooled.metrics["served"]) == {"harrell_c", "uno_c", "calibration_slope",
                                             "calibration_in_the_large", "brier_60"}
    data = json.loads(json.dumps(pooled.to_dict(), allow_nan=False))
    entry = data["metrics"]["served"]["harrell_c"]
    assert {"estimate", "ci", "prediction_interval", "tau2", "i2", "method", "sites"} <= set(
        entry)


# ------------------------------------------------------------------ the site summary


def test_site_summary_holds_no_patient_data():
    frame = hospital_cohort(0)
    text = site_summary(0).to_json()
    assert not any(pid in text for pid in frame["patient_id"])
    numbers = {round(float(x), 6) for x in frame["os_months"]}
    written = [round(float(v), 6) for v in _numbers(json.loads(text))]
    assert sum(v in numbers for v in written) <= 1  # a median follow-up may equal a time
    sizes = []
    for n in (60, 240):
        small = hospital_cohort(1, n)
        report = evaluate(_model(), small, bootstrap=0)
        sizes.append(len(build_site_summary(
            report, small["os_months"], small["death"], site="X", model_version="v1",
            model_sha256=MODEL_SHA).to_json()))
    assert abs(sizes[0] - sizes[1]) < 40  # digits differ, the shape does not


def _model():
    from evaluation_fixtures import fitted

    return fitted()


def _numbers(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)
    elif isinstance(value, float):
        yield value


def test_site_summary_fields_and_round_trip():
    summary = site_summary(1)
    data = json.loads(summary.to_json())
    assert data["summary_format"] == 1 and data["tool_version"]
    assert data["model_version"] == "v1" and data["model_sha256"] == MODEL_SHA
    for which in ("served", "comparator"):
        for metric in ("harrell_c", "uno_c", "calibration_slope", "calibration_in_the_large",
                       "brier_60"):
            assert set(data["metrics"][which][metric]) == {"estimate", "se"}
    served = data["metrics"]["served"]
    deaths_60 = int(((hospital_cohort(1)["os_months"] <= 60) & (hospital_cohort(1)["death"]
                                                                > 0)).sum())
    assert served["calibration_in_the_large"]["se"] == pytest.approx(1 / math.sqrt(deaths_60))
    assert SiteSummary.from_json(summary.to_json(), "x.json").metrics == summary.metrics


def test_a_site_with_few_deaths_writes_counts_only():
    frame = hospital_cohort(0).copy()
    frame["death"] = 0
    frame.loc[frame.index[:MIN_SITE_DEATHS - 1], "death"] = 1
    summary = build_site_summary(None, frame["os_months"], frame["death"], site="Small",
                                 model_version="v1", model_sha256=MODEL_SHA)
    assert summary.metrics is None and "fewer than the 10" in summary.note
    named = [*zip(["a.json", "b.json"], read_site_summaries(site_files((0, 1))), strict=True),
             ("small.json", SiteSummary.from_json(summary.to_json(), "small.json"))]
    pooled = pool_sites(named)
    assert pooled.metrics["served"]["harrell_c"].k == 2
    assert any("Small" in note and "left out" in note for note in pooled.notes)


# ------------------------------------------------------------------ refusals


def test_mixed_model_versions_are_refused():
    files = site_files((0, 1))
    other = site_summary(2, version="v2")
    named = [*zip([n for n, _ in files], read_site_summaries(files), strict=True),
             ("other.json", other)]
    with pytest.raises(SiteSummaryError, match="other.json.*v2.*same model version"):
        pool_sites(named)
    other_sha = site_summary(2, sha="cd" * 32)
    with pytest.raises(SiteSummaryError, match="other.json"):
        pool_sites([named[0], ("other.json", other_sha)])


def test_a_tampered_summary_is_refused():
    data = json.loads(site_summary(0).to_json())
    data["metrics"]["served"]["harrell_c"]["estimate"] = 0.9
    with pytest.raises(SiteSummaryError, match="t.json.*integrity"):
        SiteSummary.from_json(json.dumps(data), "t.json")
    del data["integrity"]
    with pytest.raises(SiteSummaryError, match="no integrity"):
        SiteSummary.from_json(json.dumps(data), "t.json")


@pytest.mark.parametrize("text, reason", [
    (b"\xff\xfe not json", "not a JSON file"),
    (b"{not json", "not a JSON file"),
    (b"[1, 2]", "JSON object"),
    (b'{"summary_format": 2}', "format 1"),
    (b'{"summary_format": 1, "site": "A"}', "not a valid site summary"),
])
def test_malformed_summaries_are_refused(text, reason):
    with pytest.raises(SiteSummaryError, match=f"bad.json: .*{reason}"):
        SiteSummary.from_json(text, "bad.json")


def test_wrong_types_are_refused():
    data = json.loads(site_summary(0).to_json())
    data["counts"]["deaths"] = "many"
    with pytest.raises(SiteSummaryError, match="bad.json: not a valid.*counts.deaths"):
        SiteSummary.from_json(json.dumps(data), "bad.json")
    data = json.loads(site_summary(0).to_json())
    data["metrics"]["served"]["harrell_c"]["se"] = -1
    with pytest.raises(SiteSummaryError, match="harrell_c.se"):
        SiteSummary.from_json(json.dumps(data), "bad.json")


def test_one_site_is_refused():
    with pytest.raises(SiteSummaryError, match="at least 2"):
        pool_sites([("a.json", site_summary(0))])
    with pytest.raises(SiteSummaryError, match="twice|each site once"):
        pool_sites([("a.json", site_summary(0)), ("b.json", site_summary(0))])
