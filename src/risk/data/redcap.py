"""REDCap exports: a "raw" data export and its data dictionary, matched to ours.

REDCap (the study database many clinics keep cohorts in) exports a CSV of field names and
choice *codes* ("raw": ``sex`` = 1 or 2) and, separately, its data dictionary: one row
per field with its label, type and choices (``"1, Male | 2, Female"``). From the two,
:func:`redcap_preset` proposes a :class:`RedcapPreset`: which field holds each of our
columns (through the one column matching, :func:`risk.data.columns.suggest_mapping`,
then the fields' labels), and which of our codes each choice code means. The user
reviews it (the Cohort and Retrain pages show it; the command line prints it) and it is
applied with :func:`apply_preset`: the same renaming as any column matching, the codes
replaced, then the usual validation. Nothing is guessed silently: a choice that matches
none of ours is listed, and validation then names the rows that hold it.

Fields the dictionary tags as identifiers ("Identifier?" = y) are refused, as
identifier-like columns are: export with REDCap's option to remove tagged identifiers.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import pandas as pd

from risk import schema
from risk.data.columns import apply_column_mapping, apply_value_codes, normalise, suggest_mapping
from risk.errors import Problem, ValidationError

__all__ = ["RedcapPreset", "is_redcap_dictionary", "redcap_preset", "apply_preset",
           "read_dictionary"]

# The data dictionary's columns, as REDCap writes them (lower-cased by the reader).
FIELD = "variable / field name"
FORM = "form name"
TYPE = "field type"
LABEL = "field label"
CHOICES = "choices, calculations, or slider labels"
IDENTIFIER = "identifier?"
#: Columns REDCap adds to an export that are not fields of a form.
BOOKKEEPING = ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
               "redcap_data_access_group", "redcap_survey_identifier")
CHOICE_TYPES = ("radio", "dropdown", "yesno", "truefalse")
CHOICE_CUTOFF = 0.8


@dataclass(frozen=True)
class Field:
    """One field of the data dictionary."""

    name: str
    form: str
    kind: str
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (code, label)
    identifier: bool = False


@dataclass(frozen=True)
class RedcapPreset:
    """What a REDCap export's fields and codes mean in our data dictionary.

    ``mapping``: our column -> the field holding it; ``codes``: our column -> {the
    field's choice code: our code}; ``unmatched_choices``: our column -> choice labels
    that match none of our codes; ``ignored``: export columns read as no column of ours
    (REDCap's own, ``*_complete``, fields we do not use).
    """

    mapping: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # field -> its label
    unmatched_choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()

    def review(self) -> pd.DataFrame:
        """One row per matched column, for a person to check: ours, the REDCap field and
        its label, and the codes translated."""
        rows = []
        for ours, theirs in self.mapping.items():
            codes = self.codes.get(ours, {})
            words = "; ".join(f"{code} = {mine}" for code, mine in codes.items())
            if self.unmatched_choices.get(ours):
                words += ("; " if words else "") + "not matched: " + ", ".join(
                    self.unmatched_choices[ours])
            rows.append({"Our column": ours, "REDCap field": theirs,
                         "Field label": self.labels.get(theirs, ""), "Codes": words})
        return pd.DataFrame(rows, columns=["Our column", "REDCap field", "Field label",
                                           "Codes"])

    def lines(self) -> list[str]:
        """The review as lines of text (the command line prints them); a field that has
        our name and no codes to translate goes without saying."""
        return [f"{r['REDCap field']} -> {r['Our column']}"
                + (f" (codes: {r['Codes']})" if r["Codes"] else "")
                for r in self.review().to_dict("records")
                if r["Codes"] or r["REDCap field"] != r["Our column"]]


def is_redcap_dictionary(raw: pd.DataFrame) -> bool:
    """The text cells (:func:`risk.data.reading.read_cells`) are a REDCap data dictionary."""
    return FIELD in raw.columns and TYPE in raw.columns


def _choices(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in str(text).split("|"):
        code, sep, label = part.partition(",")
        if sep and code.strip():
            pairs.append((code.strip(), label.strip()))
    return tuple(pairs)


def read_dictionary(raw: pd.DataFrame) -> list[Field]:
    """The fields of a data dictionary's text cells; ValidationError if it is not one."""
    if not is_redcap_dictionary(raw):
        raise ValidationError([Problem(
            "is not a REDCap data dictionary (no 'Variable / Field Name' and 'Field Type' "
            "columns); in REDCap: Project Setup > Data Dictionary > Download the current "
            "Data Dictionary")], summary="the data dictionary cannot be read")
    fields = []
    for row in raw.to_dict("records"):
        name, kind = str(row[FIELD]).strip().lower(), str(row.get(TYPE, "")).strip().lower()
        if not name or kind == "descriptive":
            continue
        choices = _choices(row.get(CHOICES, "")) if kind in ("radio", "dropdown") else \
            (("1", "yes"), ("0", "no")) if kind == "yesno" else \
            (("1", "true"), ("0", "false")) if kind == "truefalse" else ()
        fields.append(Field(name, str(row.get(FORM, "")).strip().lower(), kind,
                            str(row.get(LABEL, "")).strip(), choices,
                            str(row.get(IDENTIFIER, "")).strip().lower() in ("y", "yes")))
    return fields


def _choice_key(text: str) -> str:
    # "<25%" is "lt25": the signs mean something in a choice
    return normalise(str(text).replace("<", "lt").replace(">", "gt"))


def _our_code(column: str, label: str, code: str) -> str | None:
    col = schema.column(column)
    key = _choice_key(label)
    if col.kind == "flag":
        if key in schema.FLAG_TRUE or key in ("yes", "true", "present", "dead", "died"):
            return "1"
        if key in schema.FLAG_FALSE or key in ("no", "false", "absent", "alive"):
            return "0"
        return code if code in ("0", "1") else None
    if col.kind == "integer":
        number = re.search(r"\d+", label)
        return number.group() if number else None
    if col.kind != "category":
        return None
    ours = {}
    for mine in col.categories:
        ours[_choice_key(mine)] = mine
        ours.setdefault(_choice_key(schema.label(column, mine)), mine)
    if key in ours:
        return ours[key]
    starts = [mine for words, mine in ours.items() if words.startswith(key) or
              key.startswith(words)]
    if len(set(starts)) == 1:
        return starts[0]
    close = difflib.get_close_matches(key, list(ours), n=1, cutoff=CHOICE_CUTOFF)
    return ours[close[0]] if close else None


_STOP_WORDS = frozenset({"of", "the", "at", "per", "in", "a", "an", "and", "or", "on",
                         "index", "value", "score"})
_SPELLINGS = {"tumour": "tumor", "metastasis": "metastases", "mets": "metastases",
              "gender": "sex", "ki": "ki67"}


def _words(label: str) -> frozenset[str]:
    text = re.sub(r"ki-?67", "ki67", str(label).lower())
    words = (_SPELLINGS.get(w, w) for w in re.findall(r"[a-z0-9]+", text))
    return frozenset(w for w in words if w not in _STOP_WORDS)


def _by_label(fields: dict[str, Field], free: list[str], missing: list[str]
              ) -> dict[str, str]:
    """Our columns still unmatched, matched by the fields' labels: the field whose label
    holds every word of our column's label (the fewest other words; one such field)."""
    out: dict[str, str] = {}
    for name in missing:
        wanted = _words(schema.column(name).label)
        scored = sorted((len(_words(fields[f].label) - wanted), f) for f in free
                        if f in fields and f not in out.values()
                        and wanted <= _words(fields[f].label))
        if scored and (len(scored) == 1 or scored[0][0] < scored[1][0]):
            out[name] = scored[0][1]
    return out


def redcap_preset(headers: list[str], dictionary: list[Field],
                  purpose: str = "training") -> RedcapPreset:
    """The proposed matching of an export's ``headers`` (lower-cased) to our columns.

    Raises ValidationError when the export holds fields the dictionary tags as
    identifiers."""
    fields = {f.name: f for f in dictionary}
    tagged = [h for h in headers if h in fields and fields[h].identifier]
    if tagged:
        raise ValidationError([Problem(
            "is tagged as an identifier in the REDCap data dictionary: export the data "
            "again with 'Remove all tagged Identifier fields' (or remove the column)",
            column=name) for name in tagged], summary="the export holds identifiers")
    usable = [h for h in headers if h not in BOOKKEEPING and not h.endswith("_complete")]
    mapping = {k: v for k, v in suggest_mapping(usable, purpose).items()}
    present = set(usable) & set(schema.BY_NAME)
    missing = [n for n in schema.COLUMN_NAMES if n not in present and n not in mapping]
    free = [h for h in usable if h not in present and h not in mapping.values()]
    if "patient_id" in missing and dictionary and dictionary[0].name in free:
        mapping["patient_id"] = dictionary[0].name  # REDCap's record id is its first field
        missing.remove("patient_id")
        free.remove(dictionary[0].name)
    mapping.update(_by_label(fields, free, [m for m in missing if m != "patient_id"]))
    mapping = {ours: mapping[ours] for ours in schema.COLUMN_NAMES if ours in mapping}
    for name in present:  # our own names: read as they are, codes still translated
        mapping.setdefault(name, name)
    codes, unmatched = {}, {}
    for ours, theirs in mapping.items():
        spec = fields.get(theirs)
        if spec is None or not spec.choices:
            continue
        translated = {code: _our_code(ours, label, code) for code, label in spec.choices}
        codes[ours] = {c: m for c, m in translated.items() if m is not None and m != c}
        lost = tuple(f"{c} ({label})" for (c, label) in spec.choices if translated[c] is None)
        if lost:
            unmatched[ours] = lost
        if not codes[ours]:
            del codes[ours]
    used = set(mapping.values()) | present
    ignored = tuple(h for h in headers if h not in used)
    labels = {f.name: f.label for f in dictionary}
    return RedcapPreset(mapping, codes, labels, unmatched, ignored)


def apply_preset(raw: pd.DataFrame, preset: RedcapPreset) -> pd.DataFrame:
    """The export's text cells with the preset's columns renamed and codes replaced,
    ready for :func:`risk.data.validation.validate_cohort`."""
    return apply_value_codes(apply_column_mapping(raw, preset.mapping), preset.codes)
