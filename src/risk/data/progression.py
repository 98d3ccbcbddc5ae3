"""The data dictionary's rules for the optional progression-free survival pair.

``pfs_months`` and ``progression`` (schema version 2) come together or not at all, need
the overall-survival columns beside them, and in each row are both filled or both blank
(blank: that patient has no PFS); ``pfs_months`` is at most ``os_months``. Used by
:mod:`risk.data.validation`; the PFS event itself is :func:`risk.stats.outcome.pfs_event`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk.data.cells import Cells, Findings
from risk.i18n import _
from risk.schema import OUTCOME_COLUMNS, PFS_COLUMNS

_PAIR = " and ".join(PFS_COLUMNS)


def pfs_header(used: dict[str, int], ignored: list[str], purpose: str,
               findings: Findings) -> bool:
    """Whether the file's PFS pair is read; for a prediction it is ignored (moved from
    ``used`` to ``ignored``), a lone column, or the pair without any overall-survival
    column, is a finding."""
    present = [n for n in PFS_COLUMNS if n in used]
    if not present:
        return False
    if purpose == "prediction":
        for name in present:
            ignored.append(name)
            del used[name]
        return False
    for name in (n for n in PFS_COLUMNS if n not in present):
        findings.file(_("the file has {v0} but not {name}: give both PFS columns ({PAIR}) or neither").format(v0=present[0], name=name, PAIR=_PAIR), name, allowed=_("a column named '{name}'").format(name=name))
    missing = [n for n in OUTCOME_COLUMNS if n not in used]
    if purpose == "cohort" and len(missing) == len(OUTCOME_COLUMNS):  # training: reported
        findings.file(_("progression-free survival needs overall survival beside it: the file has {v0} but not {v1}").format(v0=', '.join(present), v1=', '.join(missing)),
                      missing[0], allowed=_("a column named '{v0}'").format(v0=missing[0]))
    return len(present) == len(PFS_COLUMNS)


def check_pfs(typed: pd.DataFrame, cells: dict[str, Cells], bad: dict[str, np.ndarray],
              findings: Findings) -> None:
    """Per row: both PFS cells or neither, and ``pfs_months <= os_months``."""
    rows = typed.index.to_numpy()
    months = typed["pfs_months"].to_numpy(dtype=float)
    progression = typed["progression"].to_numpy(dtype=float)
    readable = ~(bad["pfs_months"] | bad["progression"])
    for name, blank, other in (("pfs_months", np.isnan(months), np.isfinite(progression)),
                               ("progression", np.isnan(progression), np.isfinite(months))):
        lone = blank & other & readable
        findings.cells(rows[lone], name, _("blank while the other PFS column is filled: give both {PAIR}, or leave both blank (no PFS for this patient)").format(PAIR=_PAIR),
                       allowed=_("filled together with the other PFS column"))
        bad[name] = bad[name] | lone
    os_months = typed["os_months"].to_numpy(dtype=float)
    after = readable & ~bad["os_months"] & (months > os_months)  # NaN compares False
    pfs, os_ = typed["pfs_months"], typed["os_months"]
    findings.cells(rows[after], "pfs_months",
                   lambda row: _("pfs_months {v0:g} is later than os_months {v1:g}: progression-free survival ends at death or last follow-up at the latest").format(v0=pfs.at[row], v1=os_.at[row]), values=cells["pfs_months"],
                   allowed=_("a number >= 0 and <= os_months ({PAIR} blank: no PFS)").format(PAIR=_PAIR))
    bad["pfs_months"] = bad["pfs_months"] | after
