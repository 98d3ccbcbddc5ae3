"""Progression-free survival for the served pair: the PFS cohort a second
:class:`~risk.model.pair.BiopsyRiskModel` is fitted on, through the one fitting path.

The PFS model is an ordinary served pair whose "follow-up" is ``pfs_months`` and whose
"death" is the PFS event (:func:`risk.stats.outcome.pfs_event`: progression, or death
without progression), fitted on the patients with PFS recorded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from risk.i18n import N_
from risk.schema import PFS_COLUMNS
from risk.stats.outcome import pfs_outcome

#: A progression found at the biopsy itself (``pfs_months`` 0) is counted at this month:
#: the Cox fit needs positive times (half the 0.1-month resolution of the files).
PFS_AT_BIOPSY_MONTHS = 0.05


#: What the PFS shown beside OS is conditional on: nothing but the patient's inputs.
PFS_AT_BIOPSY_NOTE = (N_("Progression-free survival is shown as estimated at the biopsy, "
                         "not given the time alive: being alive rules out death but not "
                         "progression (either one ends progression-free survival), so "
                         "conditioning on it would need to know whether the disease has "
                         "progressed meanwhile. For a patient known to be alive and free of "
                         "progression, the chance of staying so is higher than shown."))
#: The PFS horizons the pages, the PDF and ``predict`` report.
PFS_HORIZONS = (12, 36, 60)


def pfs_training_frame(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The canonical frame of the patients with PFS, with ``os_months``/``death``
    replaced by PFS and its event and the PFS columns dropped (so a model fitted on it
    fits no PFS of its own); None when no patient has PFS."""
    rows, months, event = pfs_outcome(frame)
    if not rows.size:
        return None
    sub = frame.iloc[rows].drop(columns=list(PFS_COLUMNS)).reset_index(drop=True)
    return sub.assign(os_months=np.maximum(months, PFS_AT_BIOPSY_MONTHS),
                      death=event.astype(np.int64))


def without_pfs(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without its PFS columns (an OS-only cohort)."""
    return frame.drop(columns=[c for c in PFS_COLUMNS if c in frame.columns])
