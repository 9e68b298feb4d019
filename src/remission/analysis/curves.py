"""The curves a report or page draws, fitted once on the analysis data set: :func:`fit_curves`.

The statistics engine runs on the analysis data set's endpoint columns (``os_days``/``os_event``,
``pfs_days``/``pfs_event``, ``cr_days``/``cr_cause``) — the same columns and the same estimators as
:mod:`remission.analysis.outcomes`, so the curves pass through the estimates in the tables. Groups are
those :func:`remission.analysis.groups.compared_groups` shows (the groups the tests and tables use), keyed
by the group's value as it is in the data; the report labels them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from remission.analysis.groups import compared_groups
from remission.survival import AalenJohansenResult, KaplanMeierResult, aalen_johansen, kaplan_meier

RELAPSE, NRM = 1, 2  # cr_cause codes of remission.analysis.endpoints


@dataclass(frozen=True)
class CurveFits:
    """Every curve drawn, fitted once."""

    n: int
    os: KaplanMeierResult
    pfs: KaplanMeierResult
    competing: AalenJohansenResult | None  # None when no patient has a relapse or NRM event
    os_by: Mapping[str, KaplanMeierResult]  # by group value of ``by``
    pfs_by: Mapping[str, KaplanMeierResult]
    by: str | None


def _km(frame: pd.DataFrame, time: str, event: str) -> KaplanMeierResult:
    return kaplan_meier(frame[time].to_numpy(dtype=np.float64), frame[event].to_numpy(dtype=np.int64))


def fit_curves(frame: pd.DataFrame, *, by: str | None = "disease") -> CurveFits:
    """OS and PFS (Kaplan-Meier), relapse/NRM (Aalen-Johansen), and OS/PFS by the compared groups of
    ``by``."""
    causes = frame["cr_cause"].to_numpy(dtype=np.int64)
    competing = (
        aalen_johansen(frame["cr_days"].to_numpy(dtype=np.float64), causes) if (causes > 0).any() else None
    )
    os_by: dict[str, KaplanMeierResult] = {}
    pfs_by: dict[str, KaplanMeierResult] = {}
    if by is not None:
        for group in compared_groups(frame, by).labels:
            rows = frame[frame[by].astype(str) == group]
            os_by[group] = _km(rows, "os_days", "os_event")
            pfs_by[group] = _km(rows, "pfs_days", "pfs_event")
    return CurveFits(
        n=len(frame),
        os=_km(frame, "os_days", "os_event"),
        pfs=_km(frame, "pfs_days", "pfs_event"),
        competing=competing,
        os_by=os_by,
        pfs_by=pfs_by,
        by=by,
    )
