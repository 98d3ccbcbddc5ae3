"""Parameters of the synthetic cohort generator, each with its source.

Every constant below names the section of ``docs/literature.md`` (in this repository) it comes
from, or is labelled ``ASSUMPTION`` (no published figure; a plausible value), or
``CALIBRATED`` (tuned by simulation until the generated cohort reproduces the named
published figure). :data:`SOURCES` holds the same statement for each constant, so the
tests can check that none is undocumented and ``data/synthetic/README.md`` can show them.

Grades are indexed 0, 1, 2 for G1, G2, G3 throughout.
"""

from __future__ import annotations

import math

# --- Who is in the cohort -------------------------------------------------------------

#: Primary sites and their shares. Pancreas 50.9% (§2 Lv et al.); the rest ASSUMPTION
#: (small intestine next, few hindgut/stomach primaries, unknown primary 8%).
PRIMARY_SITE_SHARES = {
    "pancreas": 0.509, "small_intestine": 0.241, "rectum": 0.060, "colon": 0.040,
    "stomach": 0.050, "appendix": 0.020, "unknown": 0.080,
}

#: Age at biopsy: normal around the median 54 years of §2 (Lv et al.); the spread and the
#: limits are ASSUMPTION.
AGE_MEDIAN_YEARS = 54.0
AGE_SD_YEARS = 11.0
AGE_LIMITS_YEARS = (20, 88)

#: Share of men. ASSUMPTION (no figure in literature.md).
MALE_SHARE = 0.53

#: P(primary grade G1, G2, G3 given the site). ASSUMPTION: small-intestinal and appendiceal
#: primaries lower-grade, pancreatic higher; chosen so the overall mix is the §1
#: ASSUMPTION of 35/45/12 of 92 (38.0% / 48.9% / 13.0%).
PRIMARY_GRADE_BY_SITE = {
    "pancreas": (0.30, 0.54, 0.16),
    "small_intestine": (0.50, 0.45, 0.05),
    "rectum": (0.55, 0.35, 0.10),
    "colon": (0.35, 0.45, 0.20),
    "stomach": (0.45, 0.40, 0.15),
    "appendix": (0.60, 0.38, 0.02),
    "unknown": (0.30, 0.50, 0.20),
}

#: P(metachronous liver metastases) for a known primary. ASSUMPTION. An unknown primary
#: is found through its metastases, so it is always synchronous (ASSUMPTION).
METACHRONOUS_SHARE_KNOWN_PRIMARY = 0.35

# --- Grade in the liver --------------------------------------------------------------

#: P(liver grade given the primary grade), rows primary G1..G3: §1 (the preprint's 92 patients
#: with the §1 ASSUMPTION of 35/45/12 primaries). Discordance 40.2%, upgrade 31.5%.
LIVER_GRADE_GIVEN_PRIMARY = (
    (20 / 35, 13 / 35, 2 / 35),
    (5 / 45, 26 / 45, 14 / 45),
    (1 / 12, 2 / 12, 9 / 12),
)

#: Metachronous metastases differ in grade more often than synchronous ones (§2 Grillo
#: et al.: 83% vs 23%; Zhang et al.). The off-diagonal (discordant) share of the §1 table
#: is multiplied by this factor for metachronous patients; the synchronous factor is then
#: solved so that the overall table stays the §1 table. The value is ASSUMPTION (1.8
#: gives about 25% vs 72%; Grillo's 23%/83% cannot hold together with §1's 40%).
METACHRONOUS_DISCORDANCE_FACTOR = 1.8

# --- How grades are recorded -------------------------------------------------------------

#: Ki-67 (%) within each grade: log-normal (median, log-sd) truncated to the grade's
#: WHO interval (§1 grades by Ki-67; data dictionary). Values ASSUMPTION.
KI67_LOGNORMAL_BY_GRADE = ((1.2, 0.6), (7.0, 0.6), (32.0, 0.4))
#: The interval each grade's Ki-67 is drawn in, after rounding to 0.1 (WHO 2019:
#: < 3, 3-20, > 20). The G3 ceiling is ASSUMPTION (well-differentiated G3 NETs).
KI67_RANGE_BY_GRADE = ((0.1, 2.9), (3.0, 20.0), (20.1, 80.0))
#: Correlation (normal scores) between the primary's and the liver's Ki-67 position
#: within their grades. ASSUMPTION (§2 Lv et al.: metastatic Ki-67 tracks the primary).
KI67_PRIMARY_LIVER_CORRELATION = 0.6

#: Mitoses per 2 mm2 within each grade: (low, high) of a log-uniform integer draw
#: (WHO 2019: < 2, 2-20, > 20). The G3 ceiling is ASSUMPTION.
MITOSES_RANGE_BY_GRADE = ((0, 1), (2, 20), (21, 60))
#: When Ki-67 is also given, the mitotic count falls in the same grade with this
#: probability, else one grade lower (the higher of the two sets the grade). ASSUMPTION.
MITOSES_SAME_GRADE_AS_KI67 = 0.6

#: How the primary's grade appears in the file: (grade entered, grade blank but Ki-67
#: given so it is derived, nothing recorded), for a known and for an unknown primary.
#: ASSUMPTION (an unknown primary rarely has primary tissue).
PRIMARY_RECORDING_KNOWN_SITE = (0.88, 0.06, 0.06)
PRIMARY_RECORDING_UNKNOWN_SITE = (0.05, 0.05, 0.90)
#: The same for a diagnostic liver biopsy (grade entered, derived only). ASSUMPTION.
LIVER_RECORDING = (0.95, 0.05)
#: Share of entered grades that come with their Ki-67 value. ASSUMPTION (§1 graded by
#: Ki-67, so nearly always).
KI67_GIVEN_WITH_GRADE = 0.92
#: Share of patients with a mitotic count: primary (resection specimens) and liver core
#: biopsy (small samples, rarely counted). ASSUMPTION.
PRIMARY_MITOSES_SHARE = 0.30
LIVER_MITOSES_SHARE = 0.15

#: Diagnostic yield of the CT-guided liver biopsy: §4 (Fotiadis et al.) about 92.5%;
#: the rest have no liver grade.
BIOPSY_DIAGNOSTIC_YIELD = 0.925
#: Biopsy complications: §4 (Fotiadis et al.) any 9.3%, major 2.7-2.8%.
COMPLICATION_ANY = 0.093
COMPLICATION_MAJOR = 0.028

# --- Clinical features ---------------------------------------------------------------

#: Liver burden < 25% / 25-50% / > 50% (§3 Panzuto categories); shares ASSUMPTION.
LIVER_BURDEN_SHARES = {"lt25": 0.55, "25to50": 0.28, "gt50": 0.17}
#: Extrahepatic metastases. ASSUMPTION.
EXTRAHEPATIC_SHARE = 0.30
#: Primary resected: synchronous vs metachronous known primaries (metachronous liver
#: metastases mostly follow a resection). ASSUMPTION. Unknown primary: never.
RESECTED_SHARE_SYNCHRONOUS = 0.45
RESECTED_SHARE_METACHRONOUS = 0.90
#: Functional (hormonal) syndrome by site: carcinoid syndrome common in small-intestinal
#: NETs with liver metastases, functioning pancreatic NETs less so. ASSUMPTION.
FUNCTIONAL_SHARE_BY_SITE = {
    "pancreas": 0.12, "small_intestine": 0.35, "rectum": 0.03, "colon": 0.05,
    "stomach": 0.05, "appendix": 0.10, "unknown": 0.15,
}
#: ECOG 0..4. ASSUMPTION.
ECOG_SHARES = (0.50, 0.35, 0.10, 0.04, 0.01)
#: SSTR imaging positive / negative / unknown by liver grade (higher grades lose the
#: receptor more often). ASSUMPTION.
SSTR_BY_LIVER_GRADE = ((0.85, 0.05, 0.10), (0.80, 0.10, 0.10), (0.60, 0.30, 0.10))

# --- Survival: Weibull proportional hazards ------------------------------------------
# S(t | x) = exp(-(t / BASELINE_SCALE_MONTHS) ** WEIBULL_SHAPE * exp(x @ log_hr)).
# The reference patient (log hazard 0): rectal primary, age <= 50, resected, no
# extrahepatic metastases, no syndrome, ECOG 0, burden < 25%, primary and liver G1,
# metachronous, SSTR positive.

#: Site hazard ratios vs rectum: §3 (Man et al., SEER). Appendix and unknown primary
#: ASSUMPTION (appendiceal NETs do well; unknown primaries about as pancreas).
SITE_HR = {
    "rectum": 1.0, "small_intestine": 1.66, "stomach": 1.87, "colon": 1.90,
    "pancreas": 2.03, "appendix": 1.0, "unknown": 2.0,
}
#: Age above 50 years: §3 (Shah et al.) HR 2.10.
AGE_OVER_50_HR = 2.10
#: Primary not resected: §3 (Shah et al.) 5-year relative survival 45.3% vs 76%, as a
#: hazard ratio ln(0.453) / ln(0.76) = 2.89.
NOT_RESECTED_HR = math.log(0.453) / math.log(0.76)
#: Extrahepatic metastases: §3 (Trikalinos et al.) bone HR 1.41, liver HR 1.68; the
#: geometric mean of the two.
EXTRAHEPATIC_HR = math.sqrt(1.41 * 1.68)
#: Carcinoid (functional) syndrome: §3 (Halperin et al.) HR 1.1.
FUNCTIONAL_SYNDROME_HR = 1.1
#: ECOG 0..4: §3 (Levy et al.) ECOG >= 2 adverse; the sizes are ASSUMPTION.
ECOG_HR = (1.0, 1.3, 2.0, 3.0, 4.0)
#: Liver burden: §3 (Panzuto et al.) categories; the sizes are ASSUMPTION.
LIVER_BURDEN_HR = {"lt25": 1.0, "25to50": 1.4, "gt50": 2.2}
#: Synchronous vs metachronous: §3 (NEPscore) a predictor; the size is ASSUMPTION.
SYNCHRONOUS_HR = 1.2
#: SSTR-negative vs positive/unknown. ASSUMPTION.
SSTR_NEGATIVE_HR = 1.4
#: Sex: no effect. ASSUMPTION (a true null the models should find).
MALE_HR = 1.0
#: Liver grade G2 vs G1. ASSUMPTION (§1: OS of G1/G2 vs G3 differed; G1 vs G2 smaller).
LIVER_G2_HR = 1.5
# The next four are CALIBRATED together, by simulation (analytic mixture survival over
# 200,000 simulated patients), to three targets at once: §1 stable-G2 5-year OS 67.5%,
# §1 upgraded-G2 (G2 -> G3) 5-year OS 46.4%, §3 (Du et al.) median OS about 20 months
# with a G3 liver metastasis. The targets pull apart (G2 -> G3 patients are over half of
# the liver-G3 patients, yet must have a 5-year OS near 46%), so the fit is a compromise:
# about 68% / 45% / 24 months. The §1 10-year figures (26.0%, 23.2%) are not reproduced
# (about 54% and 30%): a proportional-hazards model with one shape cannot also bend the
# stable-G2 curve that steeply.

#: Liver grade G3 vs G2: the hazard ratio of a G2 primary upgraded to G3 in the liver
#: against a stable G2. CALIBRATED (see above) to §1; inside the §2 range 1.5-3.9.
UPGRADE_G2_TO_G3_HR = 3.2
#: Primary grade G3 vs G1/G2, on top of the liver grade. CALIBRATED (see above) to the
#: §3 (Du et al.) median OS of about 20 months with a G3 liver metastasis.
PRIMARY_G3_HR = 3.0
#: Weibull shape (< 1: the hazard falls with time). CALIBRATED (see above); §3 (Du et
#: al.) 1/3/5-year OS of G3 NETs imply a shape of 0.77-0.86.
WEIBULL_SHAPE = 0.8
#: Weibull scale of the reference patient, months (its 5-year OS is 98%). CALIBRATED
#: (see above) to the §1 stable-G2 5-year OS of 67.5%.
BASELINE_SCALE_MONTHS = 8500.0

# --- Follow-up --------------------------------------------------------------------

#: Staggered accrual: each patient's administrative end of follow-up is uniform over
#: this range of months after the biopsy. ASSUMPTION.
FOLLOW_UP_RANGE_MONTHS = (24.0, 150.0)
#: Share lost to follow-up, at a uniform time before their administrative end.
#: ASSUMPTION (5-10% typical of registries).
LOST_TO_FOLLOW_UP_SHARE = 0.07

# --- Progression-free survival (schema version 2) --------------------------------------
# Progression: a Weibull proportional-hazards time of its own; PFS is the earlier of
# progression and the overall-survival time (death or censoring), so PFS <= OS for every
# patient and a death without progression is a PFS event. Targets (medians of PFS by the
# recorded liver grade; §6 of docs/literature.md): liver G1 about
# 36 months (CLARINET lanreotide arm, Caplin et al. ERC 2016 / Endocrine 2021: 32.8 and
# 38.5 months), liver G2 about 18 months (CLARINET placebo arm, Caplin et al. NEJM 2014:
# 18.0 months), liver G3 about 9 months (ASSUMPTION: well-differentiated G3 NET, reported
# 6-12 months, de Mestier et al. ERC 2021).

#: Progression hazard ratio of a liver G2 vs a liver G1 biopsy. CALIBRATED to the §6
#: liver-G2 median PFS of 18 months (CLARINET placebo arm, NEJM 2014: 18.0; ASSUMPTION
#: that this G1/G2 arm stands for liver G2); the seed study's PFS P = 0.001 for G1/G2 vs
#: G3 liver grade (§6) gives the direction.
PFS_LIVER_G2_HR = 2.05
#: Progression hazard ratio of a liver G3 vs a liver G1 biopsy. CALIBRATED to a §6
#: liver-G3 median PFS of 9 months (ASSUMPTION within the 6-12 months reported for G3
#: NET, de Mestier et al. 2021). Small beside G2's: G3 deaths end PFS early as well.
PFS_LIVER_G3_HR = 2.15
#: Share of the other features' log hazard of death (site, age, burden, ECOG, ...) that
#: acts on progression too. ASSUMPTION (prognostic factors of OS are mostly also
#: factors of PFS, more weakly).
PFS_COVARIATE_WEIGHT = 0.5
#: Weibull shape of the time to progression (1: a constant hazard). ASSUMPTION (the §6
#: trial PFS curves of CLARINET and PROMID fall about exponentially).
PFS_WEIBULL_SHAPE = 1.0
#: Weibull scale of the time to progression of a liver-G1 patient with average other
#: features, months. CALIBRATED to the §6 liver-G1 median PFS of 36 months (CLARINET
#: lanreotide arm: 32.8 and 38.5 months).
PFS_BASELINE_SCALE_MONTHS = 64.0
