"""patient_register and patient_update: the pseudonym, the refusals, and the audit row."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from remission.registry import services, validation
from remission.registry.access import SYSTEM
from remission.registry.codes import AuditAction, ConsentStatus, Sex
from remission.registry.errors import NotFound, PermissionDenied, ValidationFailed
from remission.registry.models import AuditRecord, Patient


def register(world: Any, username: str = "dm_a", **overrides: Any) -> Patient:
    values = {
        "centre": world.centre_a,
        "sex": Sex.FEMALE,
        "birth_year": 1980,
        "birth_month": 6,
        "consent_status": ConsentStatus.GIVEN,
        "consent_version": "v3",
        "consent_date": dt.date(2023, 1, 10),
    }
    values.update(overrides)
    return services.patient_register(actor=world.users[username], **values)


def test_registers_under_a_pseudonym_and_audits(world: Any) -> None:
    patient = register(world, reason="referral")
    assert re.fullmatch(r"R[0-9A-HJKMNP-TV-Z]{8}", patient.registry_id)
    row = AuditRecord.objects.get(entity="registry.patient", record_id=patient.pk, action=AuditAction.CREATE)
    assert row.actor == world.users["dm_a"]
    assert row.centre_id == world.centre_a.pk
    assert row.before is None
    assert row.after["birth_year"] == 1980 and row.after["consent_date"] == "2023-01-10"
    assert row.reason == "referral"


@pytest.mark.parametrize("username", ["clin_a", "dm_a"])
def test_centre_staff_who_write_may_register(world: Any, username: str) -> None:
    assert register(world, username).centre == world.centre_a


def test_viewer_may_not_register(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        register(world, "viewer_a")


@pytest.mark.parametrize("username", ["dm_b", "nobody", "former_a"])
def test_other_centres_and_outsiders_get_not_found(world: Any, username: str) -> None:
    with pytest.raises(NotFound):
        register(world, username)


def test_statistician_may_read_but_not_register(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        register(world, "stat")


def refused(world: Any, **overrides: Any) -> ValidationFailed:
    patients, audits = Patient.objects.count(), AuditRecord.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        register(world, **overrides)
    assert Patient.objects.count() == patients, "a refused registration must write nothing"
    assert AuditRecord.objects.count() == audits, "a refused registration must leave no audit row"
    return caught.value


def test_birth_month_out_of_range_is_named(world: Any) -> None:
    error = refused(world, birth_month=13)
    assert [(p.field, p.rule, p.message) for p in error.problems] == [
        ("birth_month", validation.RULE_BIRTH_MONTH, "birth month must be 1 to 12, not 13")
    ]
    assert all(p.record == "Patient (new)" or p.record.startswith("Patient R") for p in error.problems)


def test_birth_in_the_future_is_refused(world: Any) -> None:
    error = refused(world, birth_year=dt.date.today().year + 1, consent_date=None, consent_status="not_asked")
    assert [p.rule for p in error.for_field("birth_year")] == [validation.RULE_FUTURE]


def test_consent_given_needs_a_date(world: Any) -> None:
    error = refused(world, consent_date=None)
    assert [(p.field, p.rule, p.message) for p in error.problems] == [
        ("consent_date", validation.RULE_CONSENT_DATED, validation.CONSENT_UNDATED)
    ]


def test_unknown_sex_code_is_refused(world: Any) -> None:
    error = refused(world, sex="x")
    assert [p.field for p in error.problems] == ["sex"]


def test_withdrawal_before_consent_is_refused(world: Any) -> None:
    patient = register(world)
    with pytest.raises(ValidationFailed) as caught:
        services.patient_consent_withdraw(
            actor=world.users["dm_a"],
            patient=patient,
            version=patient.version,
            withdrawn_on=dt.date(2022, 1, 1),
        )
    assert [p.rule for p in caught.value.problems] == [validation.RULE_CONSENT_ORDER]
    patient.refresh_from_db()
    assert patient.consent_status == ConsentStatus.GIVEN and patient.version == 1


def test_update_bumps_version_and_records_before_and_after(world: Any) -> None:
    patient = register(world)
    updated = services.patient_update(
        actor=world.users["clin_a"], patient=patient, version=1, birth_month=7, reason="typo in month"
    )
    assert updated.version == 2 and updated.birth_month == 7
    row = AuditRecord.objects.get(entity="registry.patient", record_id=patient.pk, action=AuditAction.UPDATE)
    assert (row.before["birth_month"], row.after["birth_month"]) == (6, 7)
    assert (row.before["version"], row.after["version"]) == (1, 2)
    assert row.reason == "typo in month" and row.actor == world.users["clin_a"]


def test_fields_that_are_not_editable_are_refused(world: Any) -> None:
    patient = register(world)
    with pytest.raises(ValidationFailed) as caught:
        services.patient_update(actor=world.users["dm_a"], patient=patient, version=1, centre=world.centre_b)
    assert caught.value.problems[0].field == "centre"
    assert caught.value.problems[0].rule == "editable_field"


def test_system_actor_is_audited_as_command_line(world: Any) -> None:
    patient = services.patient_register(
        actor=SYSTEM,
        centre=world.centre_b,
        sex=Sex.MALE,
        birth_year=1970,
        birth_month=1,
        consent_status="not_asked",
    )
    row = AuditRecord.objects.get(entity="registry.patient", record_id=patient.pk)
    assert row.actor is None and row.reason == "command line"


@pytest.mark.parametrize("username", ["dm_a", "stat", "viewer_a"])
def test_only_administrators_create_accounts(world: Any, username: str) -> None:
    with pytest.raises(PermissionDenied):
        services.user_create(actor=world.users[username], username="newcomer", password="a-long-pass-phrase")


def test_administrator_creates_an_audited_account(world: Any) -> None:
    admin = world.users["admin"]
    user = services.user_create(actor=admin, username="newcomer", password="a-long-pass-phrase")
    row = AuditRecord.objects.get(entity="auth.user", record_id=user.pk)
    assert row.actor == admin and row.after["username"] == "newcomer"
