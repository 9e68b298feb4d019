"""The registry as it stands on a given day — what the demo shows: ``generate_patient(..., as_of=day)``.

The calibrated generator (:mod:`remission.synth.generate`) writes a registry frozen at its data cut
(:data:`~remission.synth.targets.DATA_CUT`), each patient's forms complete up to a data lock 0–300 days
before it: right for analyses and benchmarks, wrong for a demo opened a year later, where every patient
alive would be a year without follow-up. With ``as_of`` the same patients are placed on the calendar of
that day, and the registry looks like one in use:

* **Calendar.** Every date moves by ``as_of − DATA_CUT`` days. The transplants of the last
  :data:`SPREAD_DAYS` before the generator's latest day 0 (a month before the cut) are spread evenly up
  to :data:`AHEAD_DAYS` after ``as_of``: the last transplants are days old, and a few patients are in
  work-up with their transplant ahead (forms entered so far; nothing from mobilisation on if it has not
  happened yet).
* **Forms entered with a lag.** A patient's forms are entered up to ``as_of`` minus an entry lag of
  :data:`ENTRY_LAG_DAYS`: a follow-up form falls due at day 100, 6 months and then yearly, and those
  due within the lag are still outstanding (:func:`overdue_visit`); an infusion of the last weeks may
  still lack its engraftment form. The diagnosis and earlier forms are entered with the work-up.
* **Lost to follow-up** as in the calibrated model (each centre's rate, 2–8 % a year): alive and not seen
  for years — the largest part of "no follow-up in the last 12 months", as in a registry of 30 years.
* **Not transplanted.** :data:`NOT_TRANSPLANTED` of patients were registered and worked up, and never
  infused (declined, or not eligible).
* **Legacy data.** Transplants before :data:`LEGACY_BEFORE` were imported from the centres' earlier
  databases, before the registry's rules existed; :data:`LEGACY_DEFECT` of those patients carry one
  error of a kind such imports bring (:data:`DEFECTS`), which ``remission check`` and the data-quality
  page find. Each planted record says what is wrong with it (``Rec.defect``): the open queries of the
  demo, once the registry has data-quality queries.

The outcome model is untouched (the latent times are drawn before any of this): a patient's observation
window ends at their entry lock instead of the data lock, and a transplant spread later is followed for
as long as its place on the calendar allows. Per patient this is a fixed amount of work: one more
random stream, a date shift, one pass over the records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from remission.registry.codes import ANALYTE_UNITS
from remission.synth.cohort import LATEST_DAY0, Covariates
from remission.synth.plan import Rec
from remission.synth.targets import DATA_CUT

YEAR = 365.25
ENTRY_LAG_DAYS = (0, 120)  # ◐ forms are entered within four months of the visit
SPREAD_DAYS = 300  # transplants this many days before the cut or later are spread over …
AHEAD_DAYS = 30  # … the days up to this many after ``as_of`` (work-up patients: transplant ahead)
NOT_TRANSPLANTED = 0.01  # ◐ registered and worked up, never infused
LEGACY_BEFORE = dt.date(2008, 1, 1)  # transplants before this were imported from earlier databases
LEGACY_DEFECT = 0.10  # ◐ share of imported patients with one error the registry's rules now find
# Follow-up forms: due at day 100, 6 months, then every year after day 0 (EBMT and CIBMTR schedules).
FORM_DUE_DAYS = (100, 182)
FORM_GRACE_DAYS = 30  # a form is overdue this long after its due date …
VISIT_WINDOW_DAYS = 30  # … if no follow-up is dated from this long before the due date on
PRE_TRANSPLANT = frozenset(
    {"Diagnosis", "PriorTherapy", "WorkUp", "Assessment", "LabResult", "Mobilisation", "CellProduct"}
)
WORKED_UP = frozenset({"Diagnosis", "PriorTherapy", "WorkUp", "Assessment", "LabResult"})


@dataclass(frozen=True)
class Placement:
    """One patient on the calendar of ``as_of``: covariates moved, entry lock, and what the present adds."""

    covariates: Covariates
    as_of: dt.date
    lock: dt.date  # forms dated after this are not entered yet
    not_transplanted: bool
    legacy_defect: bool
    rng: random.Random

    @property
    def pending(self) -> bool:
        """The transplant is still ahead: the patient is in work-up."""
        return self.covariates.day0 > self.as_of


def place(cov: Covariates, as_of: dt.date, rng: random.Random) -> Placement:
    """``cov`` moved onto the calendar of ``as_of``, its follow-up window ending at the entry lock.

    ``rng`` is the patient's own stream for the present (the generator's stream is left as it is).
    """
    day0 = cov.day0 + (as_of - DATA_CUT)
    latest = LATEST_DAY0 + (as_of - DATA_CUT)
    start = latest - dt.timedelta(days=SPREAD_DAYS)
    if day0 > start:  # (start, latest] spread evenly over (start, as_of + AHEAD_DAYS]
        stretch = ((as_of - start).days + AHEAD_DAYS) / SPREAD_DAYS
        day0 = start + dt.timedelta(days=round((day0 - start).days * stretch))
    birth = dt.date(cov.birth_year, cov.birth_month, 1) + (day0 - cov.day0)
    lock = as_of - dt.timedelta(days=rng.randint(*ENTRY_LAG_DAYS))
    moved = dataclasses.replace(
        cov,
        day0=day0,
        birth_year=birth.year,
        birth_month=birth.month,
        follow_up_years=max(0, (lock - day0).days) / YEAR,
    )
    not_transplanted = rng.random() < NOT_TRANSPLANTED
    legacy = day0 < LEGACY_BEFORE and rng.random() < LEGACY_DEFECT
    return Placement(moved, as_of, lock, not_transplanted, legacy, rng)


def _dates(rec: Rec) -> list[dt.date]:
    return [v for v in rec.fields.values() if isinstance(v, dt.date)]


def settle(
    placement: Placement, records: list[Rec], *, death: dt.date | None, end: dt.date, consent: dt.date
) -> tuple[list[Rec], dt.date | None, dt.date]:
    """The records entered by ``as_of``, the death on record and the last contact (see the module)."""
    if placement.pending or placement.not_transplanted:
        models = PRE_TRANSPLANT if placement.pending else WORKED_UP
        kept = [r for r in records if r.model in models and all(d <= placement.lock for d in _dates(r))]
        if not any(r.model == "WorkUp" for r in kept):
            kept = []  # registered, no form entered yet
        return kept, None, max((d for r in kept for d in _dates(r)), default=consent)
    if death is None:  # an engraftment form with no date yet is not entered yet
        records = [
            r
            for r in records
            if not (
                r.model == "Engraftment"
                and r.fields["neutrophil_date"] is None
                and r.fields["missing"].get("neutrophil_date") == "unknown"
            )
        ]
    if placement.legacy_defect:
        _plant(placement, records, death)
    return records, death, end


# --- legacy data: one error of a kind an import before the rules brings ----------------------------------


def _performance_score(records: list[Rec], death: dt.date | None, as_of: dt.date, rng: random.Random) -> bool:
    workup = next((r for r in records if r.model == "WorkUp"), None)
    if workup is None or workup.fields["performance_scale"] not in ("karnofsky", "lansky"):
        return False
    score = workup.fields["performance_score"] - 5
    workup.fields["performance_score"] = score
    workup.defect = f"performance score {score} is not on the {workup.fields['performance_scale']} scale"
    return True


def _lab_unit(records: list[Rec], death: dt.date | None, as_of: dt.date, rng: random.Random) -> bool:
    for rec in records:
        if rec.model != "LabResult":
            continue
        f = rec.fields
        high = ANALYTE_UNITS[f["analyte"]][f["unit"]][1]
        if f["unit"] == "cells/uL" and f["value"] * 1000 > high:
            f["value"] = round(f["value"] * 1000, 1)
            rec.defect = f"{f['analyte']} {f['value']:g} cells/uL: counted per mL, not per µL"
            return True
    return False


def _platelet_year(records: list[Rec], death: dt.date | None, as_of: dt.date, rng: random.Random) -> bool:
    graft = next((r for r in records if r.model == "Engraftment" and r.fields["platelet_date"]), None)
    if graft is None:
        return False
    typed = graft.fields["platelet_date"] - dt.timedelta(days=365)
    graft.fields["platelet_date"] = typed
    graft.defect = f"platelet engraftment on {typed}: the year of the infusion typed one too low"
    return True


def _alive_after_death(records: list[Rec], death: dt.date | None, as_of: dt.date, rng: random.Random) -> bool:
    alive = [r for r in records if r.model == "FollowUp" and r.fields["vital_status"] == "alive"]
    if death is None or not alive or (as_of - death).days < 60:
        return False
    day = death + dt.timedelta(days=rng.randint(30, min(330, (as_of - death).days)))
    copied = Rec("FollowUp", {**alive[-1].fields, "date": day, "missing": dict(alive[-1].fields["missing"])})
    copied.defect = f"follow-up on {day} copied forward from the last visit: alive after the death on {death}"
    records.append(copied)
    return True


_FILLED_LATER = {"fvc_pct": 88.0, "dlco_pct": 79.0, "pasp_mmhg": 27.0, "mpap_mmhg": 18.0}


def _missing_filled(records: list[Rec], death: dt.date | None, as_of: dt.date, rng: random.Random) -> bool:
    workup = next((r for r in records if r.model == "WorkUp"), None)
    if workup is None:
        return False
    for name, value in _FILLED_LATER.items():
        if workup.fields[name] is None and name in workup.fields["missing"]:
            workup.fields[name] = value
            workup.defect = f"{name} {value:g} entered later; still marked {workup.fields['missing'][name]}"
            return True
    return False


# name -> plants the error in a patient's records if it applies to them (returns whether it did)
DEFECTS: dict[str, Callable[[list[Rec], dt.date | None, dt.date, random.Random], bool]] = {
    "performance_score": _performance_score,
    "lab_unit": _lab_unit,
    "platelet_year": _platelet_year,
    "alive_after_death": _alive_after_death,
    "missing_filled": _missing_filled,
}


def _plant(placement: Placement, records: list[Rec], death: dt.date | None) -> None:
    rng = placement.rng
    kinds = list(DEFECTS)
    rng.shuffle(kinds)
    for kind in kinds:
        if DEFECTS[kind](records, death, placement.as_of, rng):
            return


# --- forms due -----------------------------------------------------------------------------------------


def form_due_dates(day0: dt.date, today: dt.date) -> list[dt.date]:
    """The follow-up forms due for an infusion on ``day0`` by ``today`` (day 100, 6 months, yearly)."""
    due = [day0 + dt.timedelta(days=d) for d in FORM_DUE_DAYS]
    year = 1
    while (day := day0 + dt.timedelta(days=round(year * YEAR))) <= today:
        due.append(day)
        year += 1
    return [d for d in due if d <= today]


def overdue_visit(
    day0: dt.date | None, follow_ups: list[dt.date], death: dt.date | None, today: dt.date
) -> dt.date | None:
    """The due date of the latest follow-up form that is overdue on ``today``, or None.

    A form is overdue :data:`FORM_GRACE_DAYS` after its due date if no follow-up is dated from
    :data:`VISIT_WINDOW_DAYS` before it on. Not for a patient who died or was never infused.
    """
    if day0 is None or death is not None:
        return None
    due = [d for d in form_due_dates(day0, today) if d + dt.timedelta(days=FORM_GRACE_DAYS) <= today]
    if not due:
        return None
    latest = max(follow_ups, default=None)
    if latest is not None and latest >= due[-1] - dt.timedelta(days=VISIT_WINDOW_DAYS):
        return None
    return due[-1]
