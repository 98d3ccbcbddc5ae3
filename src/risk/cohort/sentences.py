"""The cohort page's sentences about its grade transitions, from the counts under the
small-cell rule: each count is worded once here, with its plural, its share and what a
suppressed count reads ("fewer than 5", "not shown"), never pieced together elsewhere."""

from __future__ import annotations

import re

from risk.cohort.shown import ShownTransitions
from risk.i18n import _, format_integer, format_percent, ngettext


def _change_clause(shown: ShownTransitions, name: str) -> str:
    """"10 (23%) were upgraded in the liver", or in words when the count is suppressed."""
    count = shown.change[name]
    rule = shown.rule
    if rule.small(count):
        return {"upgraded": _("fewer than {threshold} were upgraded in the liver"),
                "downgraded": _("fewer than {threshold} were downgraded"),
                "concordant": _("fewer than {threshold} kept the same grade"),
                }[name].format(threshold=rule.threshold)
    if shown.change_hidden[name] and rule.active:
        return {"upgraded": _("the number upgraded in the liver is not shown"),
                "downgraded": _("the number downgraded is not shown"),
                "concordant": _("the number that kept the same grade is not shown"),
                }[name]
    share = shown.change_share(name)
    if share is None:
        words = {"upgraded": ngettext("{count} was upgraded in the liver",
                                      "{count} were upgraded in the liver", count),
                 "downgraded": ngettext("{count} was downgraded", "{count} were downgraded",
                                        count),
                 "concordant": ngettext("{count} kept the same grade",
                                        "{count} kept the same grade", count)}[name]
        return words.format(count=format_integer(count))
    words = {"upgraded": ngettext("{count} ({percent}) was upgraded in the liver",
                                  "{count} ({percent}) were upgraded in the liver", count),
             "downgraded": ngettext("{count} ({percent}) was downgraded",
                                    "{count} ({percent}) were downgraded", count),
             "concordant": ngettext("{count} ({percent}) kept the same grade",
                                    "{count} ({percent}) kept the same grade", count)}[name]
    return words.format(count=format_integer(count), percent=format_percent(share / 100))


def join_sentences(sentences: list[str]) -> str:
    """Sentences one after the other: a space after an English full stop, none after a
    Chinese one."""
    return re.sub(r"(?<=[。！？]) ", "", " ".join(s for s in sentences if s))


def grade_change_sentence(shown: ShownTransitions) -> str:
    """How many of the patients with both grades were upgraded, downgraded or kept their
    grade (Markdown); empty when nobody has both grades."""
    both = shown.change["both"]
    if not both:
        return ""
    clauses = {name: _change_clause(shown, name)
               for name in ("upgraded", "downgraded", "concordant")}
    if all(shown.rule.small(shown.change[c]) or (shown.rule.active and shown.change_hidden[c])
           for c in ("upgraded", "downgraded", "concordant")):
        return _("The grade changes of the patients with both grades are not shown: too few "
                 "patients in some of them.")
    if shown.change_hidden["both"] or shown.rule.small(both):
        return _("Of the patients with both grades (their number is not shown), {upgraded}, "
                 "{downgraded} and {concordant}.").format(**clauses)
    return ngettext("Of **{n}** patient with both grades, {upgraded}, {downgraded} and "
                    "{concordant}.",
                    "Of **{n}** patients with both grades, {upgraded}, {downgraded} and "
                    "{concordant}.", both).format(n=format_integer(both), **clauses)


def missing_grade_sentences(shown: ShownTransitions) -> list[str]:
    """Who the counts above leave out, by the grade they lack: the primary tumor's, the
    liver biopsy's or both (so that the counts add up to the patients shown)."""
    counts = shown.transitions.counts.to_numpy()
    rule, grid = shown.rule, shown.grid
    no_primary, no_liver = int(counts[-1, :-1].sum()), int(counts[:-1, -1].sum())
    neither = int(counts[-1, -1])
    # a total less the neither-grade cell: hidden with that cell
    both_hidden = neither > 0 and bool(grid.cells[-1, -1])
    out = []
    # the row and column totals of the blank grade are the page's published group sizes
    for count, hidden, words in (
            (no_primary, bool(grid.row_totals[-1]) or both_hidden, (
                ngettext("**{count}** patient has a liver-biopsy grade but no primary-tumor "
                         "grade.", "**{count}** patients have a liver-biopsy grade but no "
                         "primary-tumor grade.", no_primary),
                _("Fewer than {threshold} patients have a liver-biopsy grade but no "
                  "primary-tumor grade."),
                _("The number of patients with a liver-biopsy grade but no primary-tumor "
                  "grade is not shown."))),
            (no_liver, bool(grid.column_totals[-1]) or both_hidden, (
                ngettext("**{count}** patient has a primary-tumor grade but no liver-biopsy "
                         "grade.", "**{count}** patients have a primary-tumor grade but no "
                         "liver-biopsy grade.", no_liver),
                _("Fewer than {threshold} patients have a primary-tumor grade but no "
                  "liver-biopsy grade."),
                _("The number of patients with a primary-tumor grade but no liver-biopsy "
                  "grade is not shown."))),
            (neither, bool(grid.cells[-1, -1]), (
                ngettext("**{count}** patient has neither grade.",
                         "**{count}** patients have neither grade.", neither),
                _("Fewer than {threshold} patients have neither grade."),
                _("The number of patients with neither grade is not shown.")))):
        if count == 0:
            continue
        plain, small, not_shown = words
        if rule.small(count):
            out.append(small.format(threshold=rule.threshold))
        elif hidden and rule.active:
            out.append(not_shown)
        else:
            out.append(plain.format(count=format_integer(count)))
    return out
