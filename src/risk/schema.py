"""The cohort data dictionary (schema version 2) as code, held once.

Validation, the synthetic generator, the form widgets and the docs read it from here.
See ``data/synthetic/README.md`` for the same table written for people.

It is also the one vocabulary of codes: :func:`label` gives the clinic's words for every
code a person reads (the file's categories, the derived grade change, the models' levels,
0/1 flags, risk groups) and for a blank (:data:`NOT_ASSESSED` for a grade,
:data:`NOT_RECORDED` for anything else); :func:`column_label` names a column or a model
term; :func:`level_label` words a level as one side of a comparison ("G3 vs G1"). No other
module spells these words (a test scans the sources).

The *canonical cohort frame* that validation returns and every later step consumes:

- one row per patient, columns in :data:`COLUMN_NAMES` order (optional columns always
  present, missing values as ``NaN``/``None``), then the derived columns
  ``primary_grade``/``met_grade`` filled from Ki-67/mitoses where blank and
  ``grade_change`` (see :mod:`risk.grading`);
- a blank ``primary_cells_counted``/``met_cells_counted`` becomes
  :data:`DEFAULT_CELLS_COUNTED`;
- ``patient_id`` is text; categories are lower-case codes exactly as in
  :data:`COLUMNS` (grades ``"G1"``/``"G2"``/``"G3"``); flags and ``ecog`` are ``int``;
  numbers are ``float``; ``sstr_status`` blank becomes ``"unknown"``;
  ``differentiation`` blank becomes ``"well"``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

from risk.i18n import N_, _

#: Version 2 adds the optional PFS pair (a version-1 file stays valid).
SCHEMA_VERSION = 2

GRADES = ("G1", "G2", "G3")
GRADE_CHANGES = ("concordant", "upgraded", "downgraded", "unknown")

#: Values accepted for a 0/1 flag (matched case-insensitively after trimming).
FLAG_TRUE = ("1", "1.0", "yes", "true")  # "1.0": pandas writes flags with blanks as floats
FLAG_FALSE = ("0", "0.0", "no", "false")

#: Text that people type for "missing"; an error in a required column, never silent.
MISSING_WORDS = ("na", "n/a", "nan", "null", "none", "missing", "-", "?", ".")

#: Header fragments that look like direct identifiers: such a file is refused.
IDENTIFIER_PATTERNS = (
    "name", "mrn", "medical_record", "medical record", "medicalrecord", "record_number",
    "date_of_birth", "date of birth", "birth_date", "birthdate", "dob", "address",
    "phone", "email", "e-mail", "ssn", "social_security", "zip", "postcode", "postal_code",
)

#: A patient_id: 1-64 letters, digits, '-' or '_'.
PATIENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

#: Limits on what the reader accepts (an upload of a cohort, not a data warehouse).
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
#: Rows read, validated and scored at a time in large files (memory stays flat).
CHUNK_ROWS = 50_000

#: Tumour cells counted for a Ki-67 index when the count is not given (WHO 2019: at least
#: 500 in hot spots), and the counts accepted.
DEFAULT_CELLS_COUNTED = 500
CELLS_COUNTED_RANGE = (100, 100_000)

#: Month horizons the product reports survival at.
HORIZONS_MONTHS = (12, 36, 60, 120)
#: Monthly grid for survival curves.
CURVE_MAX_MONTHS = 120


@dataclass(frozen=True)
class Column:
    """One column of the cohort file."""

    name: str
    kind: str  # "text", "number", "integer", "category", "flag"
    label: str
    help: str
    required: bool = False
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    categories: tuple[str, ...] = ()
    category_labels: dict[str, str] = field(default_factory=dict)
    default: object = None
    outcome: bool = False  # required for training and evaluation only
    model_input: bool = True  # used to predict (False: id, outcomes, cohort-only)
    #: Read by predictions only (e.g. alive_months); never generated or trained on.
    prediction_only: bool = False
    #: The optional progression-free survival pair (schema version 2): both or neither.
    pfs: bool = False
    since: int = 1  # the schema version that added the column (a version-1 file lacks it)

    def allowed(self, code: Callable[[str], str] = str) -> str:
        """What is allowed, in words, for messages; ``code`` marks each category code as
        the file spells it (the data dictionary shows them as code)."""
        if self.kind == "category":
            codes = _(", ").join(code(c) for c in self.categories)
            return _("one of {codes}").format(codes=codes) + ("" if self.required else _(" or blank"))
        if self.kind == "flag":
            return _("0 or 1 (also yes/no, true/false)")
        if self.kind == "text":
            return _("1-64 letters, digits, '-' or '_'")
        low = f"> {self.minimum:g}" if self.exclusive_minimum else f">= {self.minimum:g}"
        span = _("a number {low} and <= {maximum:,g}").format(low=low, maximum=self.maximum)
        if self.kind == "integer":
            span = _("a whole number from {minimum:,g} to {maximum:,g}").format(minimum=self.minimum, maximum=self.maximum)
        span += f" ({_(self.unit)})" if self.unit else ""
        return span + (_("; blank = {default:,g}").format(default=self.default) if self.default is not None else "")


_GRADE_LABELS = {"G1": N_("G1 (Ki-67 < 3%)"), "G2": N_("G2 (Ki-67 3-20%)"), "G3": N_("G3 (Ki-67 > 20%)")}
#: The ECOG performance status scale, score by score (the form's choices).
ECOG_WORDS = {0: N_("fully active"), 1: N_("light work only"), 2: N_("self-care, no work"),
              3: N_("limited self-care"), 4: N_("completely disabled")}

COLUMNS: tuple[Column, ...] = (
    Column("patient_id", "text", N_("Patient study code"),
           N_("Pseudonymous study code, never a name or record number."),
           required=True, model_input=False),
    Column("age", "number", N_("Age"), N_("Age in years at the liver biopsy."),
           required=True, unit=N_("years"), minimum=18, maximum=100),
    Column("sex", "category", N_("Sex"), "", required=True, categories=("female", "male"),
           category_labels={"female": N_("Female"), "male": N_("Male")}),
    Column("primary_site", "category", N_("Primary site"),
           N_("Site of the primary tumor; 'unknown' for an unknown primary."), required=True,
           categories=("pancreas", "small_intestine", "rectum", "colon", "stomach",
                       "appendix", "unknown"),
           category_labels={"pancreas": N_("Pancreas"), "small_intestine": N_("Small intestine"),
                            "rectum": N_("Rectum"), "colon": N_("Colon"), "stomach": N_("Stomach"),
                            "appendix": N_("Appendix"), "unknown": N_("Unknown primary")}),
    Column("primary_ki67", "number", N_("Primary Ki-67"),
           N_("Ki-67 index of the primary tumor, hot-spot count."),
           unit="%", minimum=0, maximum=100),
    Column("primary_cells_counted", "integer", N_("Primary Ki-67 cells counted"),
           N_("Tumour cells counted for the primary's Ki-67 index (WHO 2019: at least 500 in "
              "hot spots); blank = {default}."), unit=N_("cells"),
           minimum=CELLS_COUNTED_RANGE[0], maximum=CELLS_COUNTED_RANGE[1],
           default=DEFAULT_CELLS_COUNTED, since=2),
    Column("primary_mitoses", "number", N_("Primary mitoses"),
           N_("Mitoses per 2 mm² in the primary tumor."), unit=N_("per 2 mm²"),
           minimum=0, maximum=500),
    Column("primary_grade", "category", N_("Primary WHO grade"),
           N_("WHO 2019 grade of the primary; blank = not assessed (derived from Ki-67 or "
           "mitoses when given)."), categories=GRADES, category_labels=_GRADE_LABELS),
    Column("met_ki67", "number", N_("Liver biopsy Ki-67"),
           N_("Ki-67 index in the CT-guided core-needle biopsy of the liver metastasis."),
           unit="%", minimum=0, maximum=100),
    Column("met_cells_counted", "integer", N_("Liver biopsy Ki-67 cells counted"),
           N_("Tumour cells counted for the liver biopsy's Ki-67 index (WHO 2019: at least 500 "
              "in hot spots); blank = {default}."), unit=N_("cells"),
           minimum=CELLS_COUNTED_RANGE[0], maximum=CELLS_COUNTED_RANGE[1],
           default=DEFAULT_CELLS_COUNTED, since=2),
    Column("met_mitoses", "number", N_("Liver biopsy mitoses"),
           N_("Mitoses per 2 mm² in the liver biopsy."), unit=N_("per 2 mm²"),
           minimum=0, maximum=500),
    Column("met_grade", "category", N_("Liver biopsy WHO grade"),
           N_("WHO 2019 grade of the liver metastasis biopsy; blank = not assessed (derived "
              "from Ki-67 or mitoses when given; no diagnostic biopsy when neither is)."),
           categories=GRADES, category_labels=_GRADE_LABELS),
    Column("differentiation", "category", N_("Differentiation"),
           N_("'poor' means neuroendocrine carcinoma, outside this tool's intended use."),
           categories=("well", "poor"), default="well", model_input=False,
           category_labels={"well": N_("Well differentiated (NET)"),
                            "poor": N_("Poorly differentiated (NEC)")}),
    Column("met_timing", "category", N_("Timing of liver metastases"),
           N_("Found together with the primary (synchronous) or later (metachronous)."),
           required=True, categories=("synchronous", "metachronous"),
           category_labels={"synchronous": N_("Synchronous"), "metachronous": N_("Metachronous")}),
    Column("liver_burden", "category", N_("Liver tumor burden"),
           N_("Share of liver volume replaced by tumor."), required=True,
           categories=("lt25", "25to50", "gt50"),
           category_labels={"lt25": "< 25%", "25to50": "25-50%", "gt50": "> 50%"}),
    Column("extrahepatic_mets", "flag", N_("Extrahepatic metastases"),
           N_("Metastases outside the liver (e.g. bone, lung, distant nodes)."), required=True),
    Column("primary_resected", "flag", N_("Primary resected"),
           N_("The primary tumor has been resected."), required=True),
    Column("functional_syndrome", "flag", N_("Functional syndrome"),
           N_("Hormonal syndrome, e.g. carcinoid syndrome."), required=True),
    Column("ecog", "integer", N_("ECOG performance status"),
           N_("0 fully active ... 4 completely disabled."), required=True,
           minimum=0, maximum=4),
    Column("sstr_status", "category", N_("SSTR imaging"),
           N_("Somatostatin-receptor imaging; blank = unknown."),
           categories=("positive", "negative", "unknown"), default="unknown",
           category_labels={"positive": N_("Positive"), "negative": N_("Negative"),
                            "unknown": N_("Unknown / not done")}),
    Column("biopsy_complication", "category", N_("Biopsy complication"),
           N_("Complication of the liver biopsy (cohort views only)."),
           categories=("none", "minor", "major"), model_input=False,
           category_labels={"none": N_("None"), "minor": N_("Minor"), "major": N_("Major")}),
    Column("os_months", "number", N_("Overall survival"),
           N_("Months from the liver biopsy to death or last contact."), unit=N_("months"),
           minimum=0, maximum=600, exclusive_minimum=True, outcome=True,
           model_input=False),
    Column("death", "flag", N_("Death"), N_("1 = died, 0 = alive at last contact (censored)."),
           outcome=True, model_input=False),
)

#: The optional progression-free survival pair (schema version 2): in a cohort file both
#: or neither; in the canonical frame only when the file has them (after the derived
#: columns), so an OS-only cohort's frame is that of version 1.
PFS_OUTCOMES: tuple[Column, ...] = (
    Column("pfs_months", "number", N_("Progression-free survival"),
           N_("Months from the liver biopsy to progression or death, or to last follow-up; "
           "at most os_months. Blank together with progression = no PFS recorded."),
           unit=N_("months"), minimum=0, maximum=600, model_input=False, pfs=True, since=2),
    Column("progression", "flag", N_("Progression"),
           N_("1 = progression observed at pfs_months, 0 = none seen (a death without "
           "progression is a PFS event too)."), model_input=False, pfs=True,
           since=2),
)

#: Columns a prediction file or the form may add: conditions of the estimate, not facts
#: of a cohort (never generated, trained on or required; after the derived columns).
PREDICTION_ONLY: tuple[Column, ...] = (
    Column("alive_months", "number", N_("Known alive after the biopsy"),
           N_("Months since the liver biopsy the patient is known to be alive; every "
           "estimate is then conditional on it. Blank = at the biopsy."), unit=N_("months"),
           minimum=0, maximum=CURVE_MAX_MONTHS, model_input=False,
           prediction_only=True),
)

BY_NAME: dict[str, Column] = {c.name: c for c in (*COLUMNS, *PFS_OUTCOMES, *PREDICTION_ONLY)}
#: The columns of a cohort (what the canonical frame holds and the generator writes).
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
PREDICTION_COLUMNS: tuple[str, ...] = tuple(c.name for c in PREDICTION_ONLY)
#: The columns of a schema-version-1 file, e.g. the shipped synthetic cohort.
VERSION_1_COLUMN_NAMES = tuple(c.name for c in COLUMNS if c.since == 1)
OUTCOME_COLUMNS = tuple(c.name for c in COLUMNS if c.outcome)
#: The optional progression-free survival columns: time, then progression.
PFS_COLUMNS = tuple(c.name for c in PFS_OUTCOMES)
#: Every column of a cohort file, in order (the PFS pair last).
FILE_COLUMNS: tuple[str, ...] = (*COLUMN_NAMES, *PFS_COLUMNS)
#: What the synthetic generator writes: the version-1 columns and the PFS pair.
GENERATED_COLUMNS: tuple[str, ...] = (*VERSION_1_COLUMN_NAMES, *PFS_COLUMNS)
#: The columns a patient form shows and a prediction reads.
PATIENT_INPUTS = tuple(c.name for c in COLUMNS if c.model_input)
#: Derived columns added to the canonical frame.
DERIVED_COLUMNS = ("grade_change", "grade_change_steps")


def column(name: str) -> Column:
    """The schema entry for ``name`` (a KeyError names the unknown column)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a column of the cohort schema") from None




def looks_like_identifier(header: str) -> bool:
    """True for a header such as ``Patient Name`` or ``DOB`` (refused on upload)."""
    h = header.strip().lower().replace("-", "_")
    if h in BY_NAME:
        return False
    words = h.replace(" ", "_").split("_")
    for pattern in IDENTIFIER_PATTERNS:
        p = pattern.replace("-", "_")
        if " " in p or "_" in p:
            if p.replace(" ", "_") in h.replace(" ", "_"):
                return True
        elif p in words or h == p or (len(p) > 3 and p in h):
            return True
    return False


# --------------------------------------------------------------------------- words

#: A blank grade, and so an unknown grade change: in every group, table, form and report.
NOT_ASSESSED = N_("Not assessed")
#: Any other blank value.
NOT_RECORDED = N_("Not recorded")
#: The models' reference level of the grade-change term: same grade and not assessed
#: together (neither has an indicator column).
GRADE_CHANGE_REFERENCE = "concordant_or_unknown"
#: Columns whose blank has a meaning of its own.
_BLANK_MEANS = {"alive_months": N_("At the biopsy")}

_GRADE_COLUMNS = ("primary_grade", "met_grade")
#: Names that are not columns of the file: the derived grade change and the model terms
#: that are not one input's level.
_TITLES = {"grade_change": N_("Grade change, primary to liver"),
           "age_per_10y": N_("Age (per 10 years)"), "ki67_log": N_("Ki-67 (log scale)")}
_SAME_GRADE = N_("Same grade")
#: Codes that are not categories of the file, with their words.
_MORE_LABELS: dict[str, dict[str, str]] = {
    "grade_change": {"concordant": _SAME_GRADE, "upgraded": N_("Upgraded in the liver"),
                     "downgraded": N_("Downgraded in the liver"), "unknown": NOT_ASSESSED,
                     GRADE_CHANGE_REFERENCE: N_("Same grade or not assessed")},
    "risk_group": {"low": N_("Low risk"), "intermediate": N_("Intermediate risk"),
                   "high": N_("High risk")},
    "primary_grade": {"unknown": NOT_ASSESSED},  # the models' level of a blank grade
    "met_grade": {"unknown": NOT_ASSESSED},
    "ecog": {"2+": "2-4"},  # the models' level of ECOG 2, 3 and 4 together
    "biopsy_complication": {"any": N_("Any complication")},  # minor or major
    **{c.name: {"0": N_("No"), "1": N_("Yes")} for c in (*COLUMNS, *PFS_OUTCOMES)
       if c.kind == "flag"},
}


def label(name: str, code: object) -> str:
    """The clinic's words for a code of ``name``, e.g. ``label('liver_burden', 'lt25')``
    is ``"< 25%"``; a blank (None, NaN, "") is :func:`missing_label`. A code without words
    of its own (an ECOG score, a grade code in a model term) is its own words.

    ``name`` is a column of the file, ``grade_change`` or ``risk_group`` (a KeyError
    otherwise).
    """
    if name not in BY_NAME and name not in _MORE_LABELS:
        raise KeyError(f"{name!r} is not a column of the cohort schema or a worded code")
    if _is_blank(code):
        return missing_label(name)
    text = _code_text(code)
    words = BY_NAME[name].category_labels if name in BY_NAME else {}
    worded = words.get(text) or _MORE_LABELS.get(name, {}).get(text)
    return _(worded) if worded else text


def missing_label(name: str) -> str:
    """A blank of ``name`` in words: :data:`NOT_ASSESSED` for a grade (and the grade
    change), :data:`NOT_RECORDED` for anything else."""
    if name in _BLANK_MEANS:
        return _(_BLANK_MEANS[name])
    return _(NOT_ASSESSED if name in (*_GRADE_COLUMNS, "grade_change") else NOT_RECORDED)


def level_label(name: str, code: object) -> str:
    """A level as one side of a comparison ("G3 vs G1", "ECOG 2-4 vs ECOG 0", "Yes vs
    No"): a grade by its code (the column's name says which grade), an ECOG level with its
    name, anything else as :func:`label`."""
    if name in _GRADE_COLUMNS and not _is_blank(code) and _code_text(code) in GRADES:
        return _code_text(code)
    if name == "ecog":
        return _("ECOG {score}").format(score=label(name, code))
    return label(name, code)


def column_label(name: str) -> str:
    """The clinic's name of a column, the derived grade change or a model term
    (``age_per_10y``); any other name is returned as it is."""
    if name in BY_NAME:
        return _(BY_NAME[name].label)
    return _(_TITLES[name]) if name in _TITLES else name


def column_help(name: str) -> str:
    """The help text of a column in the current language ("" when it has none)."""
    col = column(name)
    return _(col.help).format(default=col.default) if col.help else ""


def unit_label(name: str) -> str:
    """The unit of a column in the current language ("" when it has none)."""
    unit = column(name).unit
    return _(unit) if unit else ""


def ecog_words(score: int) -> str:
    """The words of an ECOG score in the current language."""
    return _(ECOG_WORDS[score])


def _is_blank(code: object) -> bool:
    if code is None or (isinstance(code, str) and not code.strip()):
        return True
    try:
        return bool(code != code)  # NaN
    except TypeError:  # pandas' NA
        return True


def _code_text(code: object) -> str:
    """A code as text: 0/1 and whole numbers without decimals (1.0 -> "1", True -> "1")."""
    if isinstance(code, bool) or getattr(getattr(code, "dtype", None), "kind", "") == "b":
        return "1" if code else "0"
    if isinstance(code, numbers.Real) and float(code).is_integer():
        return str(int(code))  # type: ignore[call-overload]  # typeshed's numbers.Real has no __int__
    return str(code)
