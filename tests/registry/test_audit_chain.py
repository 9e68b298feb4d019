"""The tamper-evident audit trail: a hash chain built by ordinary writes, checked by ``verify_chain``;
tampering by raw SQL (triggers lifted first) found and named; UPDATE and DELETE refused by the database;
anchors; one chain under concurrent writers; patient deletion keeps the patient's audit rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import threading
from itertools import pairwise
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from remission.registry import selectors, services
from remission.registry.access import SYSTEM
from remission.registry.audit_chain import (
    ANCHOR_BEYOND,
    CHAIN_OK,
    GENESIS,
    content_hash,
    verify_chain,
)
from remission.registry.codes import AuditAction, ConsentStatus, Sex
from remission.registry.models import AuditChainHead, AuditRecord, HospitalIdentifier, Patient
from remission.registry.services.audit import audit_anchor, audit_write, audit_write_many
from remission.registry.services.exports import export_audit
from tests.audit_support import append_only_lifted, guard

TABLE = "registry_auditrecord"
BIG = 10**12  # a sequence number far beyond any test chain (moves rows out of the way of the unique key)


def chain() -> list[AuditRecord]:
    return list(AuditRecord.objects.order_by("sequence"))


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def log(reason: str = "test row", **after: Any) -> AuditRecord:
    return audit_write(
        actor=SYSTEM,
        action=AuditAction.EXPORT,
        record=None,
        centre_id=None,
        patient_id=None,
        before=None,
        after=after or None,
        reason=reason,
        entity="test.entity",
    )


# --- a chain built by ordinary writes ---------------------------------------------------------------


def test_ordinary_writes_build_one_chain_that_verifies(world: Any) -> None:
    rows = chain()
    assert len(rows) > 40  # the world's courses, written through the services
    assert [r.sequence for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS
    for before, after in pairwise(rows):
        assert after.prev_hash == before.row_hash
    check = verify_chain()
    assert (check.ok, check.rows_checked, check.first_broken) == (True, len(rows), None)
    assert check.head_hash == rows[-1].row_hash
    assert check.reason == CHAIN_OK.format(rows=len(rows))
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.row_hash) == (rows[-1].sequence, rows[-1].row_hash)


def test_the_hash_is_sha256_of_the_documented_canonical_json(world: Any) -> None:
    """Written out by hand from docs/security.md: sorted keys, no spaces, UTF-8, integral floats as
    integers, time in UTC with microseconds."""
    row = log(reason="Grüße", b=70.0, a="é", n=[1, 2.5], z=None)
    row = AuditRecord.objects.get(pk=row.pk)
    at = row.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    text = (
        '{"action":"export","actor_id":null,"after":{"a":"é","b":70,"n":[1,2.5],"z":null},'
        f'"at":"{at}","before":null,"centre_id":null,"entity":"test.entity","patient_id":null,'
        f'"prev_hash":"{row.prev_hash}","reason":"Grüße","record_id":null,"sequence":{row.sequence}}}'
    )
    assert row.row_hash == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert verify_chain().ok


def test_the_canonical_json_of_documents_written_as_they_are_and_rewritten() -> None:
    """Worked by hand: a document with string keys and no integral float is written as json.dumps
    writes it; keys that are not strings become strings, tuples lists, integral floats integers."""
    at = dt.datetime(2026, 12, 4, 8, 1, 26, 123456, tzinfo=dt.UTC)
    values = {
        "sequence": 7,
        "prev_hash": GENESIS,
        "at": at,
        "actor_id": 3,
        "action": "create",
        "entity": "registry.followup",
        "record_id": 11,
        "centre_id": 2,
        "patient_id": 5,
        "before": {"z": [1, "é", None], "a": {}, "m": 1.5, "t": True},
        "after": {"k": {1: (2.0, "x")}, "b": [], 3: -0.0},
        "reason": "import",
    }
    text = (
        '{"action":"create","actor_id":3,"after":{"3":0,"b":[],"k":{"1":[2,"x"]}},'
        '"at":"2026-12-04T08:01:26.123456+00:00","before":{"a":{},"m":1.5,"t":true,"z":[1,"é",null]},'
        '"centre_id":2,"entity":"registry.followup","patient_id":5,'
        f'"prev_hash":"{GENESIS}","reason":"import","record_id":11,"sequence":7}}'
    )
    assert content_hash(values) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert values["after"] == {"k": {1: (2.0, "x")}, "b": [], 3: -0.0}  # the row's values are left alone


def test_a_batch_of_rows_continues_the_chain(world: Any) -> None:
    before = AuditChainHead.objects.get()
    written = audit_write_many(
        [
            AuditRecord(action=AuditAction.EXPORT, entity="test.batch", reason=f"row {i}", after={"i": i})
            for i in range(5)
        ]
    )
    assert written == 5
    rows = chain()[-5:]
    assert [r.sequence for r in rows] == list(range(before.sequence + 1, before.sequence + 6))
    assert rows[0].prev_hash == before.row_hash
    assert verify_chain().ok


def test_viewing_identifiers_and_exports_are_on_the_chain(world: Any) -> None:
    user = world.users["dm_a"]
    for _ in range(2):  # two looks, two rows (one per view, not per identifier)
        list(selectors.hospital_identifier_list(user=user, patient=world.patient_a))
    export_audit(
        actor=user,
        entity="interop.extract",
        file_format="csv",
        file_name="x.csv",
        sha256="0" * 64,
        scope="alpha",
        filters={},
        row_counts={"patients": 1},
    )
    tail = chain()[-3:]
    assert [r.action for r in tail] == [AuditAction.VIEW_IDENTIFIERS] * 2 + [AuditAction.EXPORT]
    assert tail[0].patient_id == world.patient_a.pk and tail[0].actor_id == user.pk
    assert verify_chain().ok


# --- the database refuses UPDATE and DELETE ---------------------------------------------------------


def test_the_migrated_database_has_the_append_only_triggers(db: None) -> None:
    expected = (
        {f"{t}_append_only" for t in guard.TABLES} | {f"{t}_no_truncate" for t in guard.TABLES}
        if connection.vendor == "postgresql"
        else {f"{t}_no_{e}" for t in guard.TABLES for e in ("update", "delete")}
    )
    assert guard.guard_triggers(connection) == expected


def _refused(action: Any) -> None:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        action()
    assert guard.APPEND_ONLY in str(caught.value)


@pytest.mark.parametrize(
    "attempt",
    [
        "orm save",
        "orm delete",
        "queryset update",
        "queryset delete",
        "raw update",
        "raw delete",
        "anchor update",
        "anchor delete",
    ],
)
def test_update_and_delete_are_refused(world: Any, attempt: str) -> None:
    row = chain()[3]
    anchor = audit_anchor(actor=SYSTEM)

    def orm_save() -> None:
        row.reason = "rewritten"
        row.save()

    actions = {
        "orm save": orm_save,
        "orm delete": row.delete,
        "queryset update": lambda: AuditRecord.objects.filter(pk=row.pk).update(reason="x"),
        "queryset delete": lambda: AuditRecord.objects.all().delete(),
        "raw update": lambda: raw(f"UPDATE {TABLE} SET reason = 'x' WHERE id = %s", [row.pk]),
        "raw delete": lambda: raw(f"DELETE FROM {TABLE} WHERE id = %s", [row.pk]),
        "anchor update": lambda: raw(
            "UPDATE registry_auditanchor SET row_hash = 'x' WHERE id = %s", [anchor.pk]
        ),
        "anchor delete": lambda: raw("DELETE FROM registry_auditanchor WHERE id = %s", [anchor.pk]),
    }
    _refused(actions[attempt])
    assert AuditRecord.objects.get(pk=row.pk).reason == chain()[3].reason != "x"
    assert verify_chain().ok


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(world: Any) -> None:
    _refused(lambda: raw(f"TRUNCATE {TABLE}"))
    assert verify_chain().ok


# --- tampering is found and named ---------------------------------------------------------------------


def test_a_changed_field_is_named(world: Any) -> None:
    target = chain()[10]
    with append_only_lifted():
        raw(f"UPDATE {TABLE} SET reason = %s WHERE id = %s", ["nothing to see", target.pk])
    check = verify_chain()
    assert (check.ok, check.first_broken, check.rows_checked) == (False, target.pk, 10)
    assert "content hash differs" in check.reason and f"row id {target.pk}" in check.reason


def test_a_changed_json_value_is_named(world: Any) -> None:
    target = next(r for r in chain() if r.after)
    changed = {**target.after, "tampered": True}
    with append_only_lifted():
        AuditRecord.objects.filter(pk=target.pk).update(after=changed)
    check = verify_chain()
    assert (check.ok, check.first_broken) == (False, target.pk)
    assert "content hash differs" in check.reason


def test_a_deleted_row_is_named_by_the_row_after_it(world: Any) -> None:
    rows = chain()
    with append_only_lifted():
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [rows[7].pk])
    check = verify_chain()
    assert (check.ok, check.first_broken, check.rows_checked) == (False, rows[8].pk, 7)
    assert "link broken" in check.reason and "rows are missing" in check.reason


def test_a_deleted_first_row_is_found(world: Any) -> None:
    rows = chain()
    with append_only_lifted():
        raw(f"DELETE FROM {TABLE} WHERE id = %s", [rows[0].pk])
    check = verify_chain()
    assert (check.ok, check.first_broken) == (False, rows[1].pk)
    assert "link broken" in check.reason


def test_a_forged_row_with_a_made_up_hash_is_named(world: Any) -> None:
    head = AuditChainHead.objects.get()
    forged = AuditRecord.objects.create(
        action=AuditAction.DELETE,
        entity="registry.patient",
        reason="forged",
        sequence=head.sequence + 1,
        prev_hash=head.row_hash,
        row_hash="f" * 64,
    )
    check = verify_chain()
    assert (check.ok, check.first_broken) == (False, forged.pk)
    assert "content hash differs" in check.reason


def test_a_forged_row_with_a_right_hash_but_no_head_is_found(world: Any) -> None:
    """Whoever writes around the chain writer leaves the head behind."""
    head = AuditChainHead.objects.get()
    forged = AuditRecord(
        action=AuditAction.DELETE,
        entity="registry.patient",
        reason="forged",
        sequence=head.sequence + 1,
        prev_hash=head.row_hash,
    )
    forged.row_hash = content_hash(forged.__dict__)
    forged.save()
    check = verify_chain()
    assert (check.ok, check.first_broken) == (False, forged.pk)
    assert "rows after the chain head" in check.reason


def test_a_forged_row_slipped_into_the_middle_is_found(world: Any) -> None:
    """The forger renumbers the rows after the gap and links the forged row to the one before it: the
    first renumbered row no longer matches its hash."""
    rows = chain()
    k = rows[9]
    with append_only_lifted():
        raw(f"UPDATE {TABLE} SET sequence = sequence + %s WHERE sequence > %s", [BIG, k.sequence])
        raw(f"UPDATE {TABLE} SET sequence = sequence - %s WHERE sequence > %s", [BIG - 1, BIG])
        forged = AuditRecord(
            action=AuditAction.CREATE,
            entity="registry.patient",
            sequence=k.sequence + 1,
            prev_hash=k.row_hash,
        )
        forged.row_hash = content_hash(forged.__dict__)
        forged.save()
    check = verify_chain()
    assert (check.ok, check.first_broken, check.rows_checked) == (False, rows[10].pk, 11)
    assert "content hash differs" in check.reason


def test_two_rows_swapped_are_named(world: Any) -> None:
    rows = chain()
    first, second = rows[5], rows[6]
    with append_only_lifted():
        raw(f"UPDATE {TABLE} SET sequence = %s WHERE id = %s", [BIG, first.pk])
        raw(f"UPDATE {TABLE} SET sequence = %s WHERE id = %s", [first.sequence, second.pk])
        raw(f"UPDATE {TABLE} SET sequence = %s WHERE id = %s", [second.sequence, first.pk])
    check = verify_chain()
    assert (check.ok, check.first_broken, check.rows_checked) == (False, second.pk, 5)
    assert "content hash differs" in check.reason


def test_rows_removed_from_the_end_are_found_by_the_head(world: Any) -> None:
    rows = chain()
    with append_only_lifted():
        raw(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [rows[-1].pk, rows[-2].pk])
    check = verify_chain()
    assert not check.ok and check.first_broken is None
    assert "chain head differs from the last row" in check.reason


def _rewrite_from(rows: list[AuditRecord], start: int, reason: str) -> None:
    """A forger who knows the algorithm: change row ``start`` and rehash it and everything after it,
    and move the head."""
    prev = rows[start - 1].row_hash
    with append_only_lifted():
        for index, row in enumerate(rows[start:], start=start):
            if index == start:
                row.reason = reason
            row.prev_hash = prev
            row.row_hash = prev = content_hash(row.__dict__)
            AuditRecord.objects.filter(pk=row.pk).update(
                reason=row.reason, prev_hash=row.prev_hash, row_hash=row.row_hash
            )
        AuditChainHead.objects.update(row_hash=prev)


def test_a_full_rewrite_is_found_by_an_earlier_anchor(world: Any) -> None:
    anchor = audit_anchor(actor=SYSTEM, note="sent to the DPO")
    assert verify_chain().anchors_checked == 1
    rows = chain()
    target = next(i for i, r in enumerate(rows) if r.sequence == anchor.sequence) - 3
    _rewrite_from(rows, target, "rewritten")
    check = verify_chain()
    assert (check.ok, check.first_broken) == (False, rows[target + 3].pk)
    assert f"anchor {anchor.pk}" in check.reason and "the chain was rewritten" in check.reason


def test_without_an_anchor_a_full_rewrite_goes_unseen(world: Any) -> None:
    """The limit the docs state: the chain holds no secret, so only anchors catch a full rewrite."""
    rows = chain()
    _rewrite_from(rows, 4, "rewritten")
    assert verify_chain().ok


def test_an_anchor_beyond_a_shortened_chain_is_found(world: Any) -> None:
    anchor = audit_anchor(actor=SYSTEM)
    rows = chain()
    kept = next(r for r in rows if r.sequence == anchor.sequence - 2)
    with append_only_lifted():
        raw(f"DELETE FROM {TABLE} WHERE sequence > %s", [kept.sequence])
        AuditChainHead.objects.update(sequence=kept.sequence, row_hash=kept.row_hash)
    check = verify_chain()
    assert not check.ok
    assert check.reason == ANCHOR_BEYOND.format(
        anchor=anchor.pk,
        at=anchor.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        sequence=anchor.sequence,
        last=kept.sequence,
    )


# --- anchors -----------------------------------------------------------------------------------------


def test_an_anchor_stores_the_head_and_is_audited(world: Any) -> None:
    head = AuditChainHead.objects.get()
    anchor = audit_anchor(actor=world.users["admin"], note="ticket 42")
    assert (anchor.sequence, anchor.row_hash) == (head.sequence, head.row_hash)
    row = chain()[-1]
    assert (row.action, row.entity, row.record_id) == (AuditAction.ANCHOR, "registry.auditanchor", anchor.pk)
    assert row.after == {"sequence": head.sequence, "row_hash": head.row_hash, "note": "ticket 42"}
    assert row.sequence == anchor.sequence + 1 and row.prev_hash == anchor.row_hash
    check = verify_chain()
    assert check.ok and check.anchors_checked == 1


# --- the data migration gives existing rows the writers' hashes ---------------------------------------


def test_the_data_migration_rebuilds_the_same_chain(world: Any) -> None:
    from django.apps import apps

    fill = importlib.import_module("remission.registry.migrations.0004_audit_chain_fill").fill
    rows = chain()
    with append_only_lifted():
        raw(f"UPDATE {TABLE} SET prev_hash = '', row_hash = ''")
        AuditChainHead.objects.all().delete()
        fill(apps, SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name))
    assert [(r.pk, r.sequence, r.prev_hash, r.row_hash) for r in chain()] == [
        (r.pk, r.sequence, r.prev_hash, r.row_hash) for r in rows
    ]
    assert verify_chain().ok


# --- deleting a patient keeps its audit rows ----------------------------------------------------------


def test_deleting_a_patient_keeps_its_audit_rows(world: Any) -> None:
    user = world.users["dm_a"]
    patient = services.patient_register(
        actor=user,
        centre=world.centre_a,
        sex=Sex.FEMALE,
        birth_year=1980,
        birth_month=5,
        consent_status=ConsentStatus.GIVEN,
        consent_date=dt.date(2024, 1, 2),
    )
    services.hospital_identifier_add(actor=user, patient=patient, system="MRN", value="H-1")
    list(selectors.hospital_identifier_list(user=user, patient=patient))
    pk = patient.pk
    before = list(
        AuditRecord.objects.filter(patient_id=pk).order_by("sequence").values_list("id", "row_hash")
    )
    assert len(before) == 3
    Patient.objects.filter(pk=pk).delete()  # cascades to the identifier
    assert (
        not Patient.objects.filter(pk=pk).exists() and not HospitalIdentifier.objects.filter(pk=pk).exists()
    )
    after = list(AuditRecord.objects.filter(patient_id=pk).order_by("sequence").values_list("id", "row_hash"))
    assert after == before
    assert verify_chain().ok


# --- one chain under concurrent writers ---------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_keep_one_chain() -> None:
    """Two connections write at once, each row in its own transaction: the head lock queues them."""
    per_thread = 25
    start = AuditRecord.objects.count()  # rows of another fixture's world may be there already
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(name: str) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    log(reason=f"{name} {i}")
                    log(reason=f"{name} {i} second")  # two rows in one transaction stay adjacent
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = chain()[start:]
    assert [r.sequence for r in rows] == list(range(start + 1, start + 4 * per_thread + 1))
    for first, second in zip(rows[::2], rows[1::2], strict=True):
        assert second.reason == f"{first.reason} second"
    check = verify_chain()
    assert (check.ok, check.rows_checked) == (True, start + 4 * per_thread)
    assert {r.reason.split()[0] for r in rows} == {"one", "two"}


# --- the bulk writers append to the same chain --------------------------------------------------------


def test_the_bulk_writers_continue_the_chain(world: Any) -> None:
    from remission.registry.services.batch import NewPatient, patients_create
    from remission.synth import bulk

    outcome = patients_create(
        actor=world.users["dm_a"],
        patients=[
            NewPatient(
                centre_id=world.centre_a.pk,
                values={
                    "sex": Sex.MALE,
                    "birth_year": 1975,
                    "birth_month": 3,
                    "consent_status": ConsentStatus.NOT_ASKED,
                },
            )
        ],
    )
    assert outcome.audit_rows == 1 and not outcome.refused
    bulk.bulk_load(seed=61, count=3, validate="none", audit="record", writer="orm")
    if connection.vendor == "postgresql":
        bulk.bulk_load(seed=62, count=3, validate="none", audit="record", writer="copy", workers=0)
        bulk.bulk_load(seed=63, count=3, validate="none", audit="patient", writer="copy", workers=0)
    check = verify_chain()
    assert (check.ok, check.rows_checked) == (True, AuditRecord.objects.count()), check.reason
