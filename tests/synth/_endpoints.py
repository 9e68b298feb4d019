"""OS, PFS and TRM from a generated patient's records (private helper for the calibration test).

The analysis layer's endpoint derivation (``remission.analysis.endpoints``) is the one source of truth;
it reads stored registry records, while the calibration test works on generated patients in memory, so
this helper applies the same definitions (clinical-content.md §4.6) to the records a patient would write:
day 0 = first infusion; OS = death from any cause; PFS = first relapse/progression or death; TRM = death
with a ``trm_*`` cause and no earlier relapse/progression (competing: progression or another death);
censored at the last follow-up contact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from remission.synth.plan import PatientPlan
from remission.synth.targets import stratum_of

YEAR = 365.25


@dataclass(frozen=True)
class Endpoints:
    stratum: str
    day0: dt.date
    os_time: float
    os_event: int
    pfs_time: float
    pfs_event: int
    trm_cause: int  # 0 censored, 1 TRM without prior progression, 2 progression or other death first


def endpoints(plan: PatientPlan) -> Endpoints:
    day0 = min(r.fields["date"] for r in plan.records if r.model == "Infusion" and r.fields["sequence"] == 1)
    deaths = [
        r.fields for r in plan.records if r.model == "OutcomeEvent" and r.fields["event_type"] == "death"
    ]
    progressions = [
        r.fields["date"]
        for r in plan.records
        if r.model == "OutcomeEvent" and r.fields["event_type"] in ("relapse", "progression")
    ]
    last = max(r.fields["date"] for r in plan.records if r.model == "FollowUp")
    death = deaths[0]["date"] if deaths else None
    progression = min(progressions) if progressions else None

    def years(day: dt.date) -> float:
        return (day - day0).days / YEAR

    os_time, os_event = (years(death), 1) if death else (years(last), 0)
    first = min(d for d in (death, progression) if d is not None) if (death or progression) else None
    pfs_time, pfs_event = (years(first), 1) if first else (years(last), 0)
    if first is None:
        trm = 0
    elif death is not None and first == death and (progression is None or progression > death):
        trm = 1 if deaths[0]["cause_of_death"].startswith("trm_") else 2
    else:
        trm = 2
    diagnosis = next(r.fields for r in plan.records if r.model == "Diagnosis")
    car_t = any(r.fields["product_type"] == "car_t" for r in plan.records if r.model == "CellProduct")
    stratum = stratum_of(diagnosis["disease"], diagnosis["subtype"], car_t)
    return Endpoints(stratum, day0, os_time, os_event, pfs_time, pfs_event, trm)
