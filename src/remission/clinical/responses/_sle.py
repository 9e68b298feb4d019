"""A dated SLE assessment, shared by DORIS remission and LLDAS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from remission.clinical.scores._common import float_item

PGA = float_item("pga", 0, 3, "Physician global assessment (0–3)")
PREDNISONE = float_item("prednisone_mg", 0, 1000, "Prednisone-equivalent dose", "mg/day")
NO_ASSESSMENT = "no SLE assessment on or before {at}"


@dataclass(frozen=True, slots=True)
class SleAssessment:
    """SLEDAI-2K descriptors (True = present), physician global (0–3), prednisone-equivalent mg/day and,
    for LLDAS, haemolytic anaemia and gastrointestinal activity (not SLEDAI-2K descriptors)."""

    date: dt.date
    sledai_items: Mapping[str, bool | None] = field(default_factory=dict)
    pga: float | None = None
    prednisone_mg: float | None = None
    haemolytic_anaemia: bool | None = None
    gi_activity: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sledai_items", MappingProxyType(dict(self.sledai_items)))
        PGA.check(self.pga)
        PREDNISONE.check(self.prednisone_mg)


def latest(
    assessments: Sequence[SleAssessment], at: dt.date | None
) -> tuple[SleAssessment, SleAssessment | None]:
    """The assessment evaluated (latest on or before ``at``) and the one before it, if any."""
    ordered = sorted((a for a in assessments if at is None or a.date <= at), key=lambda a: a.date)
    if not ordered:
        raise ValueError(NO_ASSESSMENT.format(at=at))
    return ordered[-1], (ordered[-2] if len(ordered) > 1 else None)
