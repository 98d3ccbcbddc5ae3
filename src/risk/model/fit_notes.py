"""What a fit says about itself (a column left out and why, a stabilising penalty, a
baseline held flat), as a template and its parts; worded in the reader's language.

The model file stores each note as the English sentence it always has (the file is
signed, and every earlier file must keep loading), e.g. ``"biopsy: the last training
death is before month 120: the baseline is held flat after month 79"``. A
:class:`FitNote` writes that sentence from one of :data:`TEMPLATES` and :func:`read_note`
takes a stored sentence back to its template and parts (:mod:`risk.i18n.stored`), so a
reader sees the catalogue's sentence with the same numbers. A sentence no template wrote
(a file of an earlier version) is shown as stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from risk.i18n import N_
from risk.i18n.stored import Parts, Sentences
from risk.model.features import COVARIATE_SETS
from risk.stats.cox_solver import FAILURES
from risk.stats.estimability import DROPPED_TEMPLATES, OTHER_COLUMNS

__all__ = ["FLAT_BASELINE", "PFS_NOTE_PREFIX", "STABILISED", "TEMPLATES", "FitNote",
           "read_note"]

#: The deaths end before the grid does (:class:`risk.model.cox.CoxModel`).
FLAT_BASELINE = N_("the last training death is before month {grid_end}: the baseline is "
                   "held flat after month {last}")
#: The unpenalised likelihood has no finite maximum (:mod:`risk.model.fit`); ``reason``
#: is the solver's.
STABILISED = N_("the unpenalised fit has no finite maximum ({reason}): a small stabilising "
                "penalty ({penalizer}) keeps the estimates finite; levels involved are "
                "unreliable and their intervals wide")
#: A pair recalibrated on a local cohort (:mod:`risk.model.recalibration`); ``what`` is
#: one of :data:`RECALIBRATED_PARTS`.
RECALIBRATED_NOTE = N_("{what} recalibrated on a local cohort of {patients} patients; risk-group "
                  "cut-points are tertiles of that cohort's recalibrated 5-year survival")
RECALIBRATED_PARTS = (N_("baseline and calibration slope"), N_("baseline survival"))
#: Every sentence a fit stores, in English, and the parts that are words.
TEMPLATES = (*DROPPED_TEMPLATES, FLAT_BASELINE, STABILISED, RECALIBRATED_NOTE)
SENTENCES = Sentences(TEMPLATES, worded=(OTHER_COLUMNS, *RECALIBRATED_PARTS, *FAILURES))

#: The PFS model's notes start so in the model file (before "biopsy: ...").
PFS_NOTE_PREFIX = "progression-free survival, "


@dataclass(frozen=True)
class FitNote:
    """One note of a fit: its ``template`` (one of :data:`TEMPLATES`, or a sentence no
    template wrote), the ``parts`` put into it (name -> the English text stored), the
    model of the pair it is about (one of :data:`~risk.model.features.COVARIATE_SETS`, or
    None for the pair)
    and whether it is the PFS model's. ``str`` is the English sentence the file stores;
    :meth:`words` the sentence in the current language."""

    template: str
    parts: Parts = ()
    model: str | None = None
    pfs: bool = False

    @classmethod
    def of(cls, template: str, **parts: object) -> FitNote:
        return cls(template, tuple((name, str(value)) for name, value in parts.items()))

    def about(self, model: str) -> FitNote:
        """The note as one model of a pair says it."""
        return replace(self, model=model)

    def of_pfs(self) -> FitNote:
        """The note as the PFS pair says it."""
        return replace(self, pfs=True)

    @property
    def sentence(self) -> str:
        """The note itself, in English, without the model it is about."""
        return self.template.format(**dict(self.parts)) if self.template in SENTENCES \
            else self.template

    def __str__(self) -> str:
        model = f"{self.model}: " if self.model else ""
        return (PFS_NOTE_PREFIX if self.pfs else "") + model + self.sentence

    def words(self) -> str:
        """The note itself in the current language (the model it is about is the
        reader's to name: :func:`risk.present.model_summary.fitting_note_words`)."""
        return SENTENCES.words(self.template, self.parts)


def read_note(text: str) -> FitNote:
    """A note as the model file stores it, back to its template and parts."""
    pfs = text.startswith(PFS_NOTE_PREFIX)
    rest = text.removeprefix(PFS_NOTE_PREFIX)
    name, sep, inner = rest.partition(": ")
    model = name if sep and name in COVARIATE_SETS else None
    inner = inner if model else rest
    template, parts = SENTENCES.read(inner) or (inner, ())
    return FitNote(template, parts, model, pfs)
