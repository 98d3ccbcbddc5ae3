"""``python -m risk models show VERSION``: a model card as text for people, in the current
language (labels and this software's stored sentences worded; the card's field names,
numbers, versions and digests as stored, as ``--json`` and card.json have them). Not a
command: a helper of :mod:`risk.cli.models`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from risk.i18n import N_, _, format_number, ngettext

if TYPE_CHECKING:
    from risk.evaluation import EvaluationReport
    from risk.registry import CardMetrics

#: The card's lines, in order (labels before the value, padded to line up).
LABELS = {"version": N_("version"), "kind": N_("kind"), "created": N_("created (UTC)"),
          "use": N_("intended use"), "data": N_("training data"), "settings": N_("settings"),
          "metrics": N_("metrics"), "libraries": N_("libraries"), "notes": N_("notes"),
          "files": N_("files (sha256)")}


def text_width(text: str) -> int:
    """Columns a terminal gives ``text`` (a Chinese character takes two)."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    """``text`` and spaces to ``width`` terminal columns."""
    return text + " " * (width - text_width(text))


def _stored(value: object) -> dict[str, Any]:
    """A card's mapping or record as stored in card.json (keys sorted), for listing."""
    plain = value.to_dict() if hasattr(value, "to_dict") else value
    stored: dict[str, Any] = json.loads(json.dumps(plain, sort_keys=True))
    return stored


def format_card(shown: dict[str, Any]) -> str:
    """A model card for people: what it is for, what it learnt from, what it weighs.

    ``shown`` is :meth:`risk.registry.store.Registry.show`'s (its card a ModelCard)."""
    from risk.present import model_summary, version_history

    card = shown["card"]
    labels = {key: _("{label}:").format(label=_(label)) for key, label in LABELS.items()}
    width = max(16, *(text_width(label) + 1 for label in labels.values()))
    indent = " " * width

    def line(key: str, value: str) -> str:
        return pad(labels[key], width) + value

    def pairs(mapping: object) -> str:
        return _(", ").join(f"{k} {_value(v)}" for k, v in _stored(mapping).items())

    lines = [
        line("version", shown["version"] + ("  " + _("(active)") if shown["active"] else "")),
        line("kind", version_history.kind_label(card.kind)
             + (_(" from {parent}").format(parent=card.parent) if card.parent else "")),
        line("created", str(card.created_utc)),
        line("use", model_summary.card_words(card.intended_use) if card.intended_use else "-"),
        line("data", pairs(card.training_data)),
        line("settings", pairs(card.settings) or "-"),
    ]
    metric_lines = _metric_lines(card.metrics)
    lines.append(line("metrics", metric_lines[0] if metric_lines else _("not evaluated yet")))
    lines += [indent + text for text in metric_lines[1:]]
    lines.append(line("libraries", _(", ").join(f"{k} {v}" for k, v in
                                                  _stored(card.libraries).items())))
    if card.notes:
        lines.append(line("notes", card.notes))
    lines += _coefficients(shown.get("model", {}))
    lines.append(line("files", _(", ").join(
        f"{name} {digest[:12]}" for name, digest in shown["manifest"]["files"].items())))
    return "\n".join(lines)


def _value(value: object) -> str:
    """A setting or metric as text: floats to 4 significant digits, mappings inline, a
    sentence this software stored in the current language."""
    from risk.present import model_summary

    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return "{" + _(", ").join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + _(", ").join(_value(v) for v in value) + "]"
    if isinstance(value, str) and " " in value:  # a sentence, not a name or a code
        return model_summary.card_words(value)
    return str(value)


def _metric_lines(metrics: CardMetrics) -> list[str]:
    """The stored metrics (a card's CardMetrics), one idea per line. A stored validation
    report is summarised, not dumped: ``models show VERSION --json`` and the Model page
    have all of it."""
    plain, lines = [], []
    for key, value in _stored(metrics).items():
        if key == "evaluation" and isinstance(value, dict):
            lines.append(_evaluation_line(metrics.stored_report()))
        elif isinstance(value, dict):  # e.g. the active model measured on the same cohort
            inner = {k: v for k, v in value.items() if k not in ("version", "measured_on")}
            head = f"{key} {value['version']}" if value.get("version") else key
            text = f"{head}: " + _(", ").join(f"{k} {_value(v)}" for k, v in inner.items())
            if value.get("measured_on"):
                text += _("; measured on {cohort}").format(cohort=_value(value["measured_on"]))
            lines.append(text)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"{key}:")  # e.g. observed vs predicted survival per month
            lines += ["  " + _(", ").join(f"{k} {_value(v)}" for k, v in row.items())
                      for row in value]
        else:
            plain.append(f"{key} {_value(value)}")
    return ([_(", ").join(plain)] if plain else []) + lines


def _evaluation_line(report: EvaluationReport | None) -> str:
    """The headline of a stored validation report (an EvaluationReport), in one line."""
    if report is None:
        return _("validation report: not readable by this version of the code")
    served = report.headline

    def interval(key: str) -> str:
        value, (lo, hi) = served.value(key), served.interval(key)
        text = _("n/a") if value is None else format_number(value, 3)
        return text if lo is None or hi is None or value is None else \
            f"{text} ({format_number(lo, 3)}-{format_number(hi, 3)})"

    boot = report.settings.bootstrap
    parts = [_("Harrell's C {c}").format(c=interval("harrell_c"))]
    if served.harrell_c_corrected is not None:
        parts.append(_("optimism-corrected {c}").format(
            c=format_number(served.harrell_c_corrected, 3)))
    if served.calibration_slope_60 is not None:
        parts.append(_("calibration slope at 60 months {slope}").format(
            slope=format_number(served.calibration_slope_60, 3)))
    if served.delta_c is not None:
        parts.append(_("C gained with the liver biopsy {delta}").format(
            delta=interval("delta_c")))
    counts = (ngettext("validation report on {n} patients ({deaths} deaths, {boot} bootstrap "
                       "resamples)", "validation report on {n} patients ({deaths} deaths, "
                       "{boot} bootstrap resamples)", served.n or 0) if boot else
              ngettext("validation report on {n} patients ({deaths} deaths)",
                       "validation report on {n} patients ({deaths} deaths)", served.n or 0))
    return counts.format(n=served.n or 0,
                         deaths=served.events or 0,
                         boot=boot or 0) + _(": ") + _("; ").join(parts)


def _coefficients(params: dict[str, Any]) -> list[str]:
    """Each served model's log hazard ratios (per design column), as stored."""
    names = {"biopsy_model": N_("biopsy model: log hazard ratios (penalizer {penalizer})"),
             "comparator_model": N_("comparator model: log hazard ratios (penalizer "
                                    "{penalizer})")}
    lines = []
    for key, heading in names.items():
        part = params.get(key)
        if not isinstance(part, dict) or "coefficients" not in part:
            continue
        columns = [c.get("name", "?") for c in part.get("columns", [])]
        lines.append(_(heading).format(penalizer=part.get("penalizer")))
        width = max((len(n) for n in columns), default=0)
        lines += [f"  {name:<{width}}  {value:+.4f}"
                  for name, value in zip(columns, part["coefficients"], strict=False)]
    return lines
