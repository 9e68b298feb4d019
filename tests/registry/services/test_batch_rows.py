"""The batch service's building blocks: unsaved rows built by position, rows written at once (``COPY`` on
PostgreSQL) with their values intact, and field checks that remember clean values without hiding a bad one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from remission.interop.models import ImportedRecord
from remission.registry.codes import ConsentStatus, ProductType, Sex, VitalStatus
from remission.registry.models import CellProduct, Engraftment, FollowUp, Infusion, Patient
from remission.registry.services.batch import _new_instance, insert_rows, insert_values, new_rows
from remission.registry.validation import RULE_FIELD, record_problems


def test_new_rows_take_the_defaults_and_each_its_own_copy_of_a_mutable_one() -> None:
    rows = new_rows(
        FollowUp,
        [
            {"date": dt.date(2021, 3, 1), "vital_status": VitalStatus.ALIVE},
            {"date": dt.date(2022, 3, 1), "vital_status": VitalStatus.DEAD, "missing": {"x": "unknown"}},
        ],
    )
    first, second = rows
    assert (first.date, first.vital_status, first.version, first.pk) == (
        dt.date(2021, 3, 1),
        "alive",
        1,
        None,
    )
    assert first.missing == {} and second.missing == {"x": "unknown"}
    first.missing["y"] = "unknown"
    assert new_rows(FollowUp, [{}])[0].missing == {}  # the default itself was not changed
    assert first._state.adding


def test_new_rows_refuse_a_field_the_model_does_not_have() -> None:
    with pytest.raises(TypeError, match="nonsense"):
        new_rows(FollowUp, [{"nonsense": 1}])


@pytest.mark.django_db
def test_inserted_rows_get_ids_and_keep_text_that_copy_escapes(world: Any) -> None:
    awkward = "tab\there, new\nline, back\\slash, return\r, ünïcode, \\N"
    rows = new_rows(
        ImportedRecord,
        [
            {
                "system": "test",
                "kind": "follow-up",
                "key": f"{n}/{awkward}",
                "entity": "registry.followup",
                "record_id": 10**12 + n,
                "patient_id": world.patient_a.pk,
                "source": awkward,
            }
            for n in range(3)
        ],
    )
    insert_rows(ImportedRecord, rows)
    assert all(row.pk is not None and not row._state.adding for row in rows)
    stored = {r.pk: r for r in ImportedRecord.objects.filter(system="test")}
    assert sorted(stored) == sorted(row.pk for row in rows)
    for row in rows:
        back = stored[row.pk]
        assert (back.key, back.source, back.record_id) == (row.key, awkward, row.record_id)
        assert back.imported_at is not None


def _patient(**values: Any) -> Patient:
    fields = {
        "registry_id": "RTESTCLEAN",
        "centre_id": 1,
        "sex": Sex.FEMALE,
        "birth_year": 1980,
        "birth_month": 6,
        "consent_status": ConsentStatus.NOT_ASKED,
    }
    return Patient(**(fields | values))


def test_a_value_found_clean_before_does_not_hide_a_bad_one() -> None:
    for _ in range(2):  # the second time, the clean values are remembered
        assert record_problems(_patient(), None, unique_fields=False) == []
    problems = record_problems(_patient(sex="martian"), None, unique_fields=False)
    assert [(p.field, p.rule) for p in problems] == [("sex", RULE_FIELD)]
    too_long = record_problems(_patient(consent_version="v" * 41), None, unique_fields=False)
    assert [(p.field, p.rule) for p in too_long] == [("consent_version", RULE_FIELD)]


def test_a_value_the_check_converts_is_converted_every_time() -> None:
    for _ in range(2):
        patient = _patient(birth_year="1980")
        assert record_problems(patient, None, unique_fields=False) == []
        assert patient.birth_year == 1980  # Django's check turned the text into a number, both times


def _fields_and_links(record: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """An unsaved instance as comparable data: its field values, and the objects its links hold."""
    values = {k: v for k, v in record.__dict__.items() if k != "_state"}
    return values, dict(record._state.fields_cache)


def test_a_record_built_without_init_is_the_one_the_model_builds() -> None:
    patient = _patient()
    product = CellProduct(patient=patient, product_type=ProductType.AUTOLOGOUS_HSC)
    values = {"patient": patient, "product": product, "date": dt.date(2021, 5, 3), "sequence": 1}
    ours, django = _new_instance(Infusion, values), Infusion(**values)
    assert _fields_and_links(ours) == _fields_and_links(django)
    assert ours.missing == {} and ours.missing is not django.missing  # each its own default document
    assert ours.product is product and ours.patient is patient and ours._state.adding
    engraftment = _new_instance(Engraftment, {"patient": patient, "infusion": ours})
    assert engraftment.infusion is ours and ours.engraftment is engraftment  # one-to-one: both ways
    with pytest.raises(ValueError, match="CellProduct"):
        _new_instance(Infusion, {"product": patient})


@pytest.mark.django_db
def test_values_inserted_as_values_are_stored_as_rows_inserted_as_instances(world: Any) -> None:
    awkward = "tab\there, new\nline, back\\slash, ünïcode, \\N"

    def row(n: int) -> dict[str, Any]:
        return {
            "system": "test",
            "kind": "follow-up",
            "key": f"{n}/{awkward}",
            "entity": "registry.followup",
            "record_id": n,
            "patient_id": world.patient_a.pk,
            "source": awkward,
        }

    insert_values(ImportedRecord, [row(1), row(2)])
    insert_rows(ImportedRecord, new_rows(ImportedRecord, [row(3)]))
    stored = list(ImportedRecord.objects.filter(system="test").order_by("record_id"))
    assert [(r.record_id, r.key, r.source, r.patient_id) for r in stored] == [
        (n, f"{n}/{awkward}", awkward, world.patient_a.pk) for n in (1, 2, 3)
    ]
    assert all(r.imported_at is not None for r in stored)
    with pytest.raises(TypeError, match="nonsense"):
        insert_values(ImportedRecord, [row(4) | {"nonsense": 1}])


def test_an_empty_document_found_clean_does_not_hide_a_document_that_is_not_json() -> None:
    for _ in range(2):
        assert record_problems(_patient(), None, unique_fields=False) == []
        follow_up = FollowUp(patient=_patient(), date=dt.date(2021, 3, 1), vital_status=VitalStatus.ALIVE)
        assert [p.rule for p in record_problems(follow_up, None, unique_fields=False)] == []
    follow_up = FollowUp(
        patient=_patient(), date=dt.date(2021, 3, 1), vital_status=VitalStatus.ALIVE, missing={"x": {1, 2}}
    )
    problems = record_problems(follow_up, None, unique_fields=False)
    assert ("missing", RULE_FIELD) in [(p.field, p.rule) for p in problems]
