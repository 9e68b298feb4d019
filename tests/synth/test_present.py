"""The registry as it stands on a given day (the demo): dated up to that day, forms entered with a lag,
a minority of follow-up overdue, a few patients in work-up, and legacy errors that the rules find."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from remission.registry.access import SYSTEM
from remission.registry.models import Patient
from remission.registry.selectors.browse import QUALITY_FLAGS, centre_quality
from remission.registry.validation import patient_findings
from remission.synth import bulk, present
from remission.synth.generate import generate_patient
from remission.synth.plan import PatientPlan
from remission.synth.targets import DATA_CUT

AS_OF = dt.date(2026, 11, 15)
SEED = 61
PATIENTS = 3000
YEAR_AGO = AS_OF - dt.timedelta(days=365)


@cache
def registry() -> tuple[PatientPlan, ...]:
    return tuple(generate_patient(SEED, i, as_of=AS_OF) for i in range(PATIENTS))


def _infusions(plan: PatientPlan) -> list[dt.date]:
    return [r.fields["date"] for r in plan.records if r.model == "Infusion"]


def _follow_ups(plan: PatientPlan) -> list[dt.date]:
    return [r.fields["date"] for r in plan.records if r.model == "FollowUp"]


def _overdue(plan: PatientPlan) -> bool:
    """The data-quality flag: alive, no follow-up in the last 12 months."""
    return plan.death is None and not any(d >= YEAR_AGO for d in _follow_ups(plan))


def test_the_registry_runs_up_to_the_day_and_no_further() -> None:
    dates = [v for p in registry() for r in p.records for v in r.fields.values() if isinstance(v, dt.date)]
    assert max(dates) <= AS_OF
    last_month = AS_OF - dt.timedelta(days=31)
    assert any(d > last_month for p in registry() for d in _infusions(p))
    assert any(d > last_month for p in registry() for d in _follow_ups(p))


def test_the_calibrated_patient_is_kept_only_moved_in_time() -> None:
    for index in range(50):
        calibrated, placed = generate_patient(SEED, index), generate_patient(SEED, index, as_of=AS_OF)
        assert placed.outcome == calibrated.outcome  # the latent times: same outcome model
        assert placed.covariates.stratum == calibrated.covariates.stratum
        shift = (placed.covariates.day0 - calibrated.covariates.day0).days
        assert shift >= (AS_OF - DATA_CUT).days  # moved onto the later calendar (spread: a little more)


def test_a_minority_is_overdue_not_everyone_alive() -> None:
    alive = [p for p in registry() if p.death is None]
    overdue = [p for p in alive if _overdue(p)]
    # Before: every alive patient was a year or more without follow-up (data cut a year back).
    assert 0.05 < len(overdue) / PATIENTS < 0.35
    assert len(overdue) / len(alive) < 0.4
    seen = [p for p in alive if _infusions(p) and not _overdue(p)]
    due = [p for p in seen if present.overdue_visit(min(_infusions(p)), _follow_ups(p), None, AS_OF)]
    assert 0 < len(due) / len(seen) < 0.15  # forms due within the entry lag, still outstanding


def test_some_patients_are_in_work_up_or_were_never_infused() -> None:
    no_infusion = [p for p in registry() if not _infusions(p)]
    ahead = [p for p in no_infusion if p.covariates.day0 > AS_OF]
    assert 0 < len(ahead) < len(no_infusion) < 0.05 * PATIENTS
    for plan in no_infusion:
        assert plan.death is None
        assert not {r.model for r in plan.records} & {"Conditioning", "Infusion", "FollowUp", "OutcomeEvent"}
    assert any(not p.records for p in ahead)  # registered, no form entered yet: no primary diagnosis


def test_recent_infusions_may_lack_their_engraftment_form() -> None:
    missing = [p for p in registry() if len(p.of("Engraftment")) < len(_infusions(p))]
    assert 0 < len(missing) < 0.05 * PATIENTS
    for plan in missing:  # observation ended before recovery: a recent infusion (or lost right after)
        assert plan.death is None and (plan.last_contact - max(_infusions(plan))).days < 30
    recent = [
        p for p in missing if max(_infusions(p)) > AS_OF - dt.timedelta(days=present.ENTRY_LAG_DAYS[1] + 30)
    ]
    assert len(recent) > len(missing) / 2


def test_legacy_errors_are_planted_only_in_imported_patients_and_say_what_is_wrong() -> None:
    planted = [p for p in registry() if p.defects()]
    legacy = [p for p in registry() if _infusions(p) and min(_infusions(p)) < present.LEGACY_BEFORE]
    assert planted and all(p in legacy for p in planted)
    assert 0.5 * present.LEGACY_DEFECT < len(planted) / len(legacy) < 1.5 * present.LEGACY_DEFECT
    assert all(len(p.defects()) == 1 and p.defects()[0].defect for p in planted)
    kinds = {p.defects()[0].model for p in planted}
    assert {"WorkUp", "LabResult", "Engraftment", "FollowUp"} <= kinds


def test_without_a_day_the_registry_ends_at_the_data_cut() -> None:
    for index in range(200):
        plan = generate_patient(SEED, index)
        assert not plan.defects()
        assert all(v <= DATA_CUT for r in plan.records for v in r.fields.values() if isinstance(v, dt.date))


@pytest.mark.django_db
def test_stored_the_quality_page_shows_every_flag_and_the_rules_find_the_planted_errors() -> None:
    count = 400
    bulk.bulk_load(seed=SEED, count=count, batch_size=200, validate="all", as_of=AS_OF)
    flags = {code: 0 for code in QUALITY_FLAGS}
    for centre in centre_quality(user=SYSTEM, today=AS_OF):
        for code in QUALITY_FLAGS:
            flags[code] += getattr(centre, f"flag_{code}")
    assert flags["follow_up_overdue"] < 0.35 * count
    assert flags["no_infusion"] > 0 and flags["no_engraftment"] > 0
    planted = {p.registry_id for p in registry()[:count] if p.defects()}
    assert planted
    with_findings = {
        patient.registry_id
        for patient in Patient.objects.filter(registry_id__in=planted)
        if patient_findings(patient, today=AS_OF)
    }
    assert with_findings == planted
