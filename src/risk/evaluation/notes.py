"""The evaluation's notes (what it could not compute, and why): one template each.

A report stores its notes in English (``report.json``, the model card), formatted from
these templates; :func:`evaluation_note_words` shows one in the current language.
"""

from __future__ import annotations

from risk.i18n import N_, stored_words

HORIZON_NOTE = N_("follow-up ends at {end} months: metrics at {months} months are not "
                  "computed (they need times strictly inside the follow-up)")
PFS_HORIZON_NOTE = N_("progression-free survival follow-up ends at {end} months: its "
                      "metrics at {months} months are not computed")
BOOTSTRAP_FAILED_NOTE = N_("{failed} of {bootstrap} bootstrap refits failed and were left "
                           "out of the optimism correction")
BIOPSY_VALUE_NOTE = N_("the value of the liver biopsy needs at least {min_patients} patients "
                       "with a liver-biopsy grade and {min_deaths} deaths among them; got "
                       "{patients} and {deaths}")
NESTED_FIT_NOTE = N_("a nested model could not be fitted ({error})")
CHECK_FAILED_NOTE = N_("the check could not be run ({error})")
TEMPLATES = (HORIZON_NOTE, PFS_HORIZON_NOTE, BOOTSTRAP_FAILED_NOTE, BIOPSY_VALUE_NOTE,
             NESTED_FIT_NOTE, CHECK_FAILED_NOTE)


def evaluation_note_words(note: str) -> str:
    """A note of an evaluation report in the current language (a note written otherwise,
    as it is)."""
    return stored_words(note, TEMPLATES)
