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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from risk import schema
from risk.evaluation.headline import METRIC_LABELS, metric_label

if TYPE_CHECKING:
    from risk.registry.card import ModelCard

#: Where the label's form comes from (its wording is cited, never the paper's text).
SENDAK_CITATION = ("Sendak MP, Gao M, Brajer N, Balu S. Presenting machine learning model "
                   "information to clinical end users with model facts labels. npj Digit "
                   "Med 2020;3:41.")
#: The level of every interval (the card's methods say how they are computed).
INTERVAL_PERCENT = "95%"
SECTIONS = ("Summary", "Mechanism of risk score calculation", "Validation and performance",
            "Uses and directions", "Warnings", "Other information")
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
    """The value at a dotted ``path`` of a card's JSON (None when absent)."""
    value: Any = card_json
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


class _Facts:
    """Builds lines from the card's JSON: numbers are formatted here, never typed."""

    def __init__(self, card: ModelCard):
        self.json = card.to_dict()

    def get(self, path: str, fmt: str = "{}") -> Part | None:
        value = card_value(self.json, path)
        return None if value is None or value == "" else Part(fmt.format(value), f"card:{path}")

    @staticmethod
    def line(*items: Part | str | None) -> FactLine | None:
        """A line of words and parts; None when a part it needs is missing."""
        if any(item is None for item in items):
            return None
        return FactLine(tuple(item if isinstance(item, Part) else Part(item) for item in items
                              if item is not None))

    @staticmethod
    def code(module: str, name: str, text: str) -> Part:
        return Part(text, f"code:{module}:{name}")


def _lines(*lines: FactLine | None) -> tuple[FactLine, ...]:
    return tuple(line for line in lines if line is not None)


def _level() -> Part:
    return Part(INTERVAL_PERCENT, "code:risk.present.model_facts:INTERVAL_PERCENT")


def _horizons() -> Part:
    years = [f"{m // 12:g}" for m in schema.HORIZONS_MONTHS]
    return Part(", ".join(years[:-1]) + " and " + years[-1], "code:risk.schema:HORIZONS_MONTHS")


def _summary(f: _Facts) -> tuple[FactLine, ...]:
    return _lines(
        f.line("Model ", f.get("version"), ": estimates overall survival (death from any "
               "cause) at ", _horizons(), " years after a CT-guided core-needle biopsy of a "
               "liver metastasis, with its ", _level(), " interval, and what the biopsy's "
               "grade adds."),
        f.line("Intended use: ", f.get("intended_use")),
        f.line("Output: the probability of being alive at each horizon, the median overall "
               "survival and a risk group; for a patient without a liver-biopsy grade, the "
               "primary-only model's estimate."),
    )


def _mechanism(f: _Facts) -> tuple[FactLine, ...]:
    inputs = ", ".join(schema.column(n).label for n in schema.PATIENT_INPUTS)
    return _lines(
        f.line("Inputs (the data dictionary): ", f.code("risk.schema", "PATIENT_INPUTS", inputs),
               "."),
        f.line("Estimation: ", f.get("methods.estimation")),
        f.line("Intervals: ", f.get("methods.intervals")),
        f.line("Trained on ", f.get("training_data.patients", "{:,}"), " patients (",
               f.get("training_data.events", "{:,}"), " deaths; median follow-up ",
               f.get("training_data.median_follow_up_months", "{:.1f}"), " months; ",
               f.get("training_data.patients_with_biopsy_grade", "{:,}"),
               " with a liver-biopsy grade)."),
        *(f.line("Fitting note: ", f.get(f"fitting_notes.{i}"))
          for i in range(len(f.json.get("fitting_notes") or []))),
    )


def _metric_line(f: _Facts, base: str, key: str) -> FactLine | None:
    value = f.get(f"{base}.{key}", "{:.3f}")
    low, high = f.get(f"{base}.{key}_lower", "{:.3f}"), f.get(f"{base}.{key}_upper", "{:.3f}")
    interval: tuple[Part | str, ...] = (" (", _level(), " CI ", low, " to ", high, ")") \
        if low is not None and high is not None else ()
    return f.line(f.code("risk.evaluation.headline", "METRIC_LABELS", metric_label(key)),
                  ": ", value, *interval, ".") if value is not None else None


def _validation(f: _Facts) -> tuple[FactLine, ...]:
    report = isinstance(card_value(f.json, "metrics.evaluation.harrell_c"), int | float)
    base = "metrics.evaluation" if report else "metrics"
    if card_value(f.json, f"{base}.harrell_c") is None:
        return _lines(f.line("No validation is stored with this version: evaluate it on a "
                             "cohort with outcomes (python -m risk evaluate) before any use."))
    known = dict(METRIC_LABELS)
    lines = [f.line("Measured on ", f.get("metrics.measured_on"), "."),
             f.line("Patients: ", f.get(f"{base}.n", "{:,}"), "; deaths: ",
                    f.get(f"{base}.events", "{:,}"), ".") if report else None,
             *(_metric_line(f, base, key) for key in FACT_METRICS if key in known)]
    delta = f.get(f"{base}.delta_c", "{:+.3f}")
    if delta is not None:
        lines.append(f.line("Harrell's C changes by ", delta, " with the liver-biopsy grade, "
                            "in the patients who have one."))
    lines.append(f.line("The primary-only comparator's Harrell's C: ",
                        f.get("metrics.evaluation.comparator.harrell_c", "{:.3f}"), "."))
    lines.append(f.line("Context: ", f.get("metrics.evaluation.context")))
    return _lines(*lines)


def _uses() -> tuple[FactLine, ...]:
    return _lines(
        _Facts.line("Benefits: a survival estimate with its uncertainty for one patient, and "
                    "how much the liver biopsy's grade changes it, to support a tumor "
                    "board's discussion."),
        _Facts.line("Target population and setting: see Intended use; a clinician enters "
                    "the inputs on the Patient page (no name or record number)."),
        _Facts.line("Directions: read the interval, not only the estimate; a grade near a "
                    "WHO cut-off shows the estimate under each grade it allows; an input "
                    "outside the training data is flagged."),
        _Facts.line("Not for: neuroendocrine carcinoma (poorly differentiated), treatment "
                    "choice, or any use without a clinician's judgement."),
    )


def _warnings(f: _Facts, synthetic: bool) -> tuple[FactLine, ...]:
    from risk.present.model_summary import LIMITATIONS, SYNTHETIC_LIMITATION

    module = "risk.present.model_summary"
    lines = [f.line(f.code(module, "SYNTHETIC_LIMITATION", SYNTHETIC_LIMITATION))] \
        if synthetic else []
    lines += [f.line(f.code(module, "LIMITATIONS", text)) for text in LIMITATIONS]
    lines.append(f.line("Note stored with this version: ", f.get("notes")))
    return _lines(*lines)


def _other(f: _Facts) -> tuple[FactLine, ...]:
    libraries = f.json.get("libraries") or {}
    return _lines(
        f.line("Version ", f.get("version"), " (", f.get("kind"), "), created ",
               f.get("created_utc"), "."),
        f.line("Recalibrated from version ", f.get("parent"), "."),
        f.line("Fingerprint of the training file: ", f.get("training_data.sha256"), "."),
        f.line("Software: ", *_joined([f.get(f"libraries.{name}", f"{name} {{}}")
                                       for name in sorted(libraries)]), "."),
        f.line("Label form: ", f.code("risk.present.model_facts", "SENDAK_CITATION",
                                      SENDAK_CITATION)),
    )


def _joined(parts: list[Part | None]) -> list[Part | str]:
    out: list[Part | str] = []
    for part in (p for p in parts if p is not None):
        out += [", ", part] if out else [part]
    return out


def build_model_facts(card: ModelCard, synthetic: bool) -> ModelFacts:
    """The Model Facts label of a version (``synthetic``: ``LoadedModel.synthetic``)."""
    f = _Facts(card)
    bodies = (_summary(f), _mechanism(f), _validation(f), _uses(), _warnings(f, synthetic),
              _other(f))
    return ModelFacts(str(card.version or "?"), synthetic,
                      tuple(FactSection(t, b) for t, b in zip(SECTIONS, bodies, strict=True)))
