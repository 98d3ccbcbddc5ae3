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
        findings.file(f"the file has {present[0]} but not {name}: give both PFS columns "
                      f"({_PAIR}) or neither", name, allowed=f"a column named '{name}'")
    missing = [n for n in OUTCOME_COLUMNS if n not in used]
    if purpose == "cohort" and len(missing) == len(OUTCOME_COLUMNS):  # training: reported
        findings.file(f"progression-free survival needs overall survival beside it: the "
                      f"file has {', '.join(present)} but not {', '.join(missing)}",
                      missing[0], allowed=f"a column named '{missing[0]}'")
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
        findings.cells(rows[lone], name, f"blank while the other PFS column is filled: give "
                       f"both {_PAIR}, or leave both blank (no PFS for this patient)",
                       allowed="filled together with the other PFS column")
        bad[name] = bad[name] | lone
    os_months = typed["os_months"].to_numpy(dtype=float)
    after = readable & ~bad["os_months"] & (months > os_months)  # NaN compares False
    pfs, os_ = typed["pfs_months"], typed["os_months"]
    findings.cells(rows[after], "pfs_months",
                   lambda row: f"pfs_months {pfs.at[row]:g} is later than os_months "
                               f"{os_.at[row]:g}: progression-free survival ends at death "
                               "or last follow-up at the latest", values=cells["pfs_months"],
                   allowed=f"a number >= 0 and <= os_months ({_PAIR} blank: no PFS)")
    bad["pfs_months"] = bad["pfs_months"] | after
