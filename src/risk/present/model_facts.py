"""The Model Facts label of a model version (after Sendak et al., npj Digit Med 2020):
one page in their sections, filled from the version's model card and the validation
stored in it.

Every piece of the label is a :class:`Part` that says where it comes from: a field of the
card (``card:metrics.evaluation.harrell_c``, read from the card's JSON and formatted here),
a constant of this code named by module and name (``code:risk.present.model_summary:
LIMITATIONS``: wording shown elsewhere too), or the label's own words, which hold no digit.
So no number is typed by hand, and a test traces every number back to the card.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from string import Formatter
from typing import TYPE_CHECKING, Any

from risk import schema
from risk.evaluation.headline import METRIC_LABELS, metric_label
from risk.i18n import N_, _, format_integer, format_number
from risk.present.model_summary import (
    LIMITATIONS,
    SYNTHETIC_LIMITATION,
    card_words,
    fitting_note_words,
)
from risk.present.version_history import kind_label

if TYPE_CHECKING:
    from risk.registry.card import ModelCard

#: Where the label's form comes from (its wording is cited, never the paper's text).
SENDAK_CITATION = ("Sendak MP, Gao M, Brajer N, Balu S. Presenting machine learning model "
                   "information to clinical end users with model facts labels. npj Digit "
                   "Med 2020;3:41.")
#: The level of every interval (the card's methods say how they are computed).
INTERVAL_PERCENT = "95%"
SECTIONS = (N_("Summary"), N_("Mechanism of risk score calculation"),
            N_("Validation and performance"), N_("Uses and directions"), N_("Warnings"),
            N_("Other information"))
#: The validation numbers of the label, in reading order, with their decimals.
FACT_METRICS = ("harrell_c", "harrell_c_corrected", "uno_c", "auc_60", "brier_60",
                "calibration_slope_60", "calibration_slope_corrected", "ici_60")


@dataclass(frozen=True)
class Part:
    """A piece of text and its source: ``card:<path>``, ``code:<module>:<NAME>``, or None
    for the label's own words (no digits)."""

    text: str
    source: str | None = None


@dataclass(frozen=True)
class FactLine:
    parts: tuple[Part, ...]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts)


@dataclass(frozen=True)
class FactSection:
    title: str
    lines: tuple[FactLine, ...]


@dataclass(frozen=True)
class ModelFacts:
    """The label: its version, whether it rests on synthetic data, and its sections."""

    version: str
    synthetic: bool
    sections: tuple[FactSection, ...]

    def parts(self) -> Iterable[Part]:
        for section in self.sections:
            for line in section.lines:
                yield from line.parts


def card_value(card_json: dict[str, Any], path: str) -> Any:
    """The value at a dotted ``path`` of a card's JSON, list items by index (None when
    absent)."""
    value: Any = card_json
    for key in path.split("."):
        if isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return None
    return value


class _Facts:
    """Builds lines from the card's JSON: numbers are formatted here, never typed."""

    def __init__(self, card: ModelCard):
        self.json = card.to_dict()

    def get(self, path: str, fmt: str | Callable[[Any], str] = "{}") -> Part | None:
        value = card_value(self.json, path)
        if value is None or value == "":
            return None
        text = fmt(value) if callable(fmt) else fmt.format(value)
        return Part(text, f"card:{path}")

    @staticmethod
    def line(template: str, **values: Part | tuple[Part, ...] | None) -> FactLine | None:
        """A line of the label: ``template`` (translated, with named fields) with each
        field a part; None when a part it needs is missing."""
        if any(value is None for value in values.values()):
            return None
        parts: list[Part] = []
        for words, name, _spec, _conversion in Formatter().parse(template):
            if words:
                parts.append(Part(words))
            if name:
                value = values[name]
                if isinstance(value, tuple):
                    parts += value
                elif value is not None:
                    parts.append(value)
        return FactLine(tuple(parts))

    @staticmethod
    def code(module: str, name: str, text: str) -> Part:
        return Part(text, f"code:{module}:{name}")


def _lines(*lines: FactLine | None) -> tuple[FactLine, ...]:
    return tuple(line for line in lines if line is not None)


def _level() -> Part:
    return Part(INTERVAL_PERCENT, "code:risk.present.model_facts:INTERVAL_PERCENT")


def _horizons() -> Part:
    years = [f"{m // 12:g}" for m in schema.HORIZONS_MONTHS]
    return Part(_("{first} and {last}").format(first=_(", ").join(years[:-1]), last=years[-1]),
                "code:risk.schema:HORIZONS_MONTHS")


def _integer(value: Any) -> str:
    return format_integer(int(value))


def _decimals(digits: int) -> Callable[[Any], str]:
    return lambda value: format_number(float(value), digits)


def _has_pfs(f: _Facts) -> bool:
    """Whether the version has a progression-free survival model (its card counts the PFS
    cohort it was fitted on, or stores the PFS model's validation)."""
    return card_value(f.json, "training_data.pfs_patients") is not None or \
        card_value(f.json, "metrics.evaluation.pfs") is not None


def _summary(f: _Facts) -> tuple[FactLine, ...]:
    return _lines(
        f.line(_("Model {version}: estimates overall survival (death from any cause) at "
                 "{horizons} years after a CT-guided core-needle biopsy of a liver "
                 "metastasis, with its {level} interval, and what the biopsy's grade adds."),
               version=f.get("version"), horizons=_horizons(), level=_level()),
        f.line(_("It also estimates progression-free survival (progression or death, "
                 "whichever comes first) at the same horizons, with a second pair of models "
                 "fitted in the same way.")) if _has_pfs(f) else None,
        f.line(_("Intended use: {use}"), use=f.get("intended_use", card_words)),
        f.line(_("Output: the probability of being alive at each horizon, the median overall "
                 "survival and a risk group; for a patient without a liver-biopsy grade, the "
                 "primary-only model's estimate.")),
    )


def _mechanism(f: _Facts) -> tuple[FactLine, ...]:
    inputs = _(", ").join(schema.column_label(n) for n in schema.PATIENT_INPUTS)
    return _lines(
        f.line(_("Inputs (the data dictionary): {inputs}."),
               inputs=f.code("risk.schema", "PATIENT_INPUTS", inputs)),
        f.line(_("Estimation: {method}"), method=f.get("methods.estimation", card_words)),
        f.line(_("Intervals: {method}"), method=f.get("methods.intervals", card_words)),
        f.line(_("Trained on {patients} patients ({deaths} deaths; median follow-up {months} "
                 "months; {graded} with a liver-biopsy grade)."),
               patients=f.get("training_data.patients", _integer),
               deaths=f.get("training_data.events", _integer),
               months=f.get("training_data.median_follow_up_months", _decimals(1)),
               graded=f.get("training_data.patients_with_biopsy_grade", _integer)),
        f.line(_("Progression-free survival model: fitted on the {patients} patients with "
                 "progression-free survival recorded ({events} events, {progressions} of them "
                 "progressions), by the same method."),
               patients=f.get("training_data.pfs_patients", _integer),
               events=f.get("training_data.pfs_events", _integer),
               progressions=f.get("training_data.progressions", _integer)),
        *(f.line(_("Fitting note: {note}"), note=f.get(f"fitting_notes.{i}", fitting_note_words))
          for i in range(len(f.json.get("fitting_notes") or []))),
    )


def _metric_line(f: _Facts, base: str, key: str, pfs: bool = False) -> FactLine | None:
    value = f.get(f"{base}.{key}", _decimals(3))
    if value is None:
        return None
    low = f.get(f"{base}.{key}_lower", _decimals(3))
    high = f.get(f"{base}.{key}_upper", _decimals(3))
    label = f.code("risk.evaluation.headline", "METRIC_LABELS", metric_label(key))
    if low is None or high is None:
        template = _("Progression-free survival, {metric}: {value}.") if pfs \
            else _("{metric}: {value}.")
        return f.line(template, metric=label, value=value)
    template = _("Progression-free survival, {metric}: {value} ({level} CI {low} to {high}).") \
        if pfs else _("{metric}: {value} ({level} CI {low} to {high}).")
    return f.line(template, metric=label, value=value, level=_level(), low=low, high=high)


def _pfs_validation(f: _Facts) -> list[FactLine | None]:
    """The PFS model's stored validation (or that there is none), when it has one."""
    if not _has_pfs(f):
        return []
    base = "metrics.evaluation.pfs"
    if card_value(f.json, f"{base}.served.harrell_c") is None:
        return [f.line(_("No validation of the progression-free survival model is stored "
                         "with this version."))]
    return [f.line(_("Progression-free survival model: measured on {patients} patients "
                     "({events} events, {progressions} of them progressions)."),
                   patients=f.get(f"{base}.n", _integer), events=f.get(f"{base}.events", _integer),
                   progressions=f.get(f"{base}.progressions", _integer)),
            *(_metric_line(f, f"{base}.served", key, pfs=True) for key in FACT_METRICS),
            f.line(_("The primary-only comparator's Harrell's C for progression-free "
                     "survival: {c}."), c=f.get(f"{base}.comparator.harrell_c", _decimals(3)))]


def _validation(f: _Facts) -> tuple[FactLine, ...]:
    report = isinstance(card_value(f.json, "metrics.evaluation.harrell_c"), int | float)
    base = "metrics.evaluation" if report else "metrics"
    if card_value(f.json, f"{base}.harrell_c") is None:
        return _lines(f.line(_("No validation is stored with this version: evaluate it on a "
                               "cohort with outcomes (python -m risk evaluate) before any use.")))
    known = dict(METRIC_LABELS)
    lines = [f.line(_("Measured on {cohort}."), cohort=f.get("metrics.measured_on", card_words)),
             f.line(_("Patients: {patients}; deaths: {deaths}."),
                    patients=f.get(f"{base}.n", _integer),
                    deaths=f.get(f"{base}.events", _integer)) if report else None,
             *(_metric_line(f, base, key) for key in FACT_METRICS if key in known)]
    lines.append(f.line(_("Harrell's C changes by {delta} with the liver-biopsy grade, in the "
                          "patients who have one."), delta=f.get(f"{base}.delta_c", "{:+.3f}")))
    lines.append(f.line(_("The primary-only comparator's Harrell's C: {c}."),
                        c=f.get("metrics.evaluation.comparator.harrell_c", _decimals(3))))
    lines += _pfs_validation(f) if report else []
    lines.append(f.line(_("Context: {context}"),
                        context=f.get("metrics.evaluation.context", card_words)))
    return _lines(*lines)


def _uses() -> tuple[FactLine, ...]:
    return _lines(
        _Facts.line(_("Benefits: a survival estimate with its uncertainty for one patient, "
                      "and how much the liver biopsy's grade changes it, to support a tumor "
                      "board's discussion.")),
        _Facts.line(_("Target population and setting: see Intended use; a clinician enters "
                      "the inputs on the Patient page (no name or record number).")),
        _Facts.line(_("Directions: read the interval, not only the estimate; a grade near a "
                      "WHO cut-off shows the estimate under each grade it allows; an input "
                      "outside the training data is flagged.")),
        _Facts.line(_("Not for: neuroendocrine carcinoma (poorly differentiated), treatment "
                      "choice, or any use without a clinician's judgement.")),
    )


def _warnings(f: _Facts, synthetic: bool) -> tuple[FactLine, ...]:
    module = "risk.present.model_summary"
    lines = [f.line("{text}", text=f.code(module, "SYNTHETIC_LIMITATION",
                                          _(SYNTHETIC_LIMITATION)))] if synthetic else []
    lines += [f.line("{text}", text=f.code(module, "LIMITATIONS", _(text)))
              for text in LIMITATIONS]
    lines.append(f.line(_("Note stored with this version: {note}"), note=f.get("notes")))
    return _lines(*lines)


def _other(f: _Facts) -> tuple[FactLine, ...]:
    libraries = f.json.get("libraries") or {}
    software = [part for name in sorted(libraries)
                if (part := f.get(f"libraries.{name}", f"{name} {{}}")) is not None]
    return _lines(
        f.line(_("Version {version} ({kind}), created {created}."), version=f.get("version"),
               kind=f.get("kind", kind_label), created=f.get("created_utc")),
        f.line(_("Recalibrated from version {parent}."), parent=f.get("parent")),
        f.line(_("Fingerprint of the training file: {sha256}."),
               sha256=f.get("training_data.sha256")),
        f.line(_("Software: {libraries}."), libraries=_joined(software)) if software else None,
        f.line(_("Label form: {citation}"), citation=f.code(
            "risk.present.model_facts", "SENDAK_CITATION", SENDAK_CITATION)),
    )


def _joined(parts: list[Part]) -> tuple[Part, ...]:
    """Parts as one field, separated by the language's comma."""
    out: list[Part] = []
    for part in parts:
        out += [Part(_(", ")), part] if out else [part]
    return tuple(out)


def build_model_facts(card: ModelCard, synthetic: bool) -> ModelFacts:
    """The Model Facts label of a version (``synthetic``: ``LoadedModel.synthetic``), in the
    current language."""
    f = _Facts(card)
    bodies = (_summary(f), _mechanism(f), _validation(f), _uses(), _warnings(f, synthetic),
              _other(f))
    return ModelFacts(str(card.version or "?"), synthetic,
                      tuple(FactSection(_(t), b) for t, b in zip(SECTIONS, bodies, strict=True)))
