"""The notes a validation report stores (metrics not computed, refits left out), in
English as the report file has them (its sections' too), and their words in the reader's language
(:mod:`risk.i18n.stored`: the same template read back, the same numbers)."""

from __future__ import annotations

from risk.i18n import N_
from risk.i18n.stored import Sentences

#: Follow-up ends before a horizon of the metrics.
SHORT_FOLLOW_UP = N_("follow-up ends at {end} months: metrics at {horizons} months are not "
                     "computed (they need times strictly inside the follow-up)")
#: The same for the progression-free survival model.
SHORT_PFS_FOLLOW_UP = N_("progression-free survival follow-up ends at {end} months: its "
                         "metrics at {horizons} months are not computed")
#: Some bootstrap refits failed.
FAILED_REFITS = N_("{failed} of {bootstrap} bootstrap refits failed and were left out of the "
                   "optimism correction")
#: Too few patients with a liver-biopsy grade for the value of the biopsy.
FEW_BIOPSIES = N_("the value of the liver biopsy needs at least {least} patients with a "
                  "liver-biopsy grade and {least_deaths} deaths among them; got {patients} "
                  "and {deaths}")
#: A check of the model's terms that failed (its section's note; the error's class name).
NESTED_FIT_FAILED = N_("a nested model could not be fitted ({error})")
CHECK_FAILED = N_("the check could not be run ({error})")
REPORT_NOTES = Sentences((SHORT_FOLLOW_UP, SHORT_PFS_FOLLOW_UP, FAILED_REFITS, FEW_BIOPSIES,
                          NESTED_FIT_FAILED, CHECK_FAILED))


def report_note_words(note: str) -> str:
    """A note of a report (as stored, in English) in the current language; a note of an
    earlier version no template here wrote, as stored."""
    return REPORT_NOTES.words_of(note)
