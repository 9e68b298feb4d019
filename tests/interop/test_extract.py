"""The registry extract: scope, filters, days from day 0, the data dictionary."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from remission.interop import fields
from remission.interop.extract import BAD_DISEASE, BAD_PERIOD, ExtractError, registry_extract
from remission.registry.access import SYSTEM
from remission.registry.errors import NotFound
from remission.registry.models import Infusion, LabResult, Patient


def frames(extract: Any) -> dict[str, Any]:
    return {t.name: t.frame() for t in extract.tables()}


def test_every_table_of_the_dictionary_is_produced_with_its_columns(world: Any) -> None:
    tables = frames(registry_extract(actor=SYSTEM))
    assert list(tables) == [t.name for t in fields.tables()]
    for t in fields.tables():
        assert list(tables[t.name].columns) == [c.name for c in t.columns_for(deidentify=False)]


def test_a_centre_user_sees_only_its_own_centre(world: Any) -> None:
    tables = frames(registry_extract(actor=world.users["dm_a"]))
    ids = {world.patient_a.registry_id}
    for name, frame in tables.items():
        assert set(frame["registry_id"]) <= ids, name
    assert set(tables["patient"]["registry_id"]) == ids
    assert set(tables["patient"]["centre"]) == {"alpha"}


def test_the_statistician_sees_every_centre(world: Any) -> None:
    tables = frames(registry_extract(actor=world.users["stat"]))
    assert set(tables["patient"]["registry_id"]) == {world.patient_a.registry_id, world.patient_b.registry_id}


def test_another_centres_filter_is_not_found(world: Any) -> None:
    with pytest.raises(NotFound):
        registry_extract(actor=world.users["dm_a"], centre="beta")


def test_lab_results_equal_the_registry_rows_with_days_from_day_0(world: Any) -> None:
    frame = frames(registry_extract(actor=SYSTEM))["lab_result"]
    assert len(frame) == LabResult.objects.count()
    by_id = frame.set_index("record_id")
    for lab in LabResult.objects.select_related("patient"):
        row = by_id.loc[lab.pk]
        day0 = Infusion.objects.filter(patient=lab.patient).order_by("date").first().date
        assert row["registry_id"] == lab.patient.registry_id
        assert row["date"].date() == lab.date
        assert row["date_day"] == (lab.date - day0).days
        assert (row["analyte"], row["value"], row["unit"]) == (lab.analyte, lab.value, lab.unit)


def test_the_infusion_is_day_0_and_references_its_product(world: Any) -> None:
    frame = frames(registry_extract(actor=SYSTEM))["infusion"].set_index("record_id")
    for infusion in Infusion.objects.all():
        assert frame.loc[infusion.pk, "date_day"] == 0
        assert frame.loc[infusion.pk, "product_id"] == infusion.product_id


def test_filters_by_disease_and_period(world: Any) -> None:
    # world: patient a has day 0 on 2022-03-14, patient b on 2021-09-01
    early = registry_extract(actor=SYSTEM, date_to=dt.date(2021, 12, 31))
    assert list(early.patients.registry_id) == [world.patient_b.registry_id]
    late = registry_extract(actor=SYSTEM, date_from=dt.date(2022, 3, 14), date_to=dt.date(2022, 3, 14))
    assert list(late.patients.registry_id) == [world.patient_a.registry_id]
    assert len(registry_extract(actor=SYSTEM, disease="ms").patients) == 0
    assert len(registry_extract(actor=SYSTEM, disease="ssc").patients) == 2


def test_bad_filters_are_named(world: Any) -> None:
    with pytest.raises(ExtractError) as bad:
        registry_extract(actor=SYSTEM, disease="nope")
    assert str(bad.value).startswith(BAD_DISEASE.split("{")[0] + "'nope'")
    with pytest.raises(ExtractError) as period:
        registry_extract(actor=SYSTEM, date_from=dt.date(2022, 1, 2), date_to=dt.date(2022, 1, 1))
    assert str(period.value) == BAD_PERIOD.format(start="2022-01-02", end="2022-01-01")


def test_a_user_without_a_centre_gets_empty_tables(world: Any) -> None:
    tables = frames(registry_extract(actor=world.users["nobody"]))
    assert all(len(frame) == 0 for frame in tables.values())


def test_patient_table_age_and_no_hospital_number(world: Any) -> None:
    tables = frames(registry_extract(actor=SYSTEM))
    patient = tables["patient"].set_index("registry_id")
    for p in Patient.objects.all():
        day0 = Infusion.objects.get(patient=p, sequence=1).date
        expected = day0.year - p.birth_year - (1 if day0.month < p.birth_month else 0)
        assert patient.loc[p.registry_id, "age_at_day0"] == expected
    for frame in tables.values():
        text = frame.astype(str).to_numpy().ravel().tolist()
        for p in Patient.objects.all():
            assert f"H-{p.pk}" not in text


def test_missing_values_table(world: Any) -> None:
    from remission.registry import services

    services.workup_record(
        actor=world.users["dm_a"],
        patient=world.patient_a,
        date=dt.date(2022, 1, 20),
        reason="test",
        missing={"lvef_pct": "not_evaluated"},
    )
    frame = frames(registry_extract(actor=SYSTEM))["missing_values"]
    rows = frame[(frame["table"] == "workup") & (frame["field"] == "lvef_pct")]
    assert list(rows["reason"]) == ["not_evaluated"]
    assert list(rows["registry_id"]) == [world.patient_a.registry_id]


def test_dictionary_names_types_units_codes_and_missing_reasons() -> None:
    rows = {(r[0], r[1]): r for r in fields.dictionary_rows()}
    header = fields.DICTIONARY_HEADER
    height = dict(zip(header, rows[("workup", "height_cm")], strict=True))
    assert (height["type"], height["unit"]) == ("number", "cm")
    assert "not_evaluated = Not evaluated" in height["missing_reasons"]
    sex = dict(zip(header, rows[("patient", "sex")], strict=True))
    assert sex["type"] == "code" and "female = Female" in sex["codes"]
    day = dict(zip(header, rows[("lab_result", "date_day")], strict=True))
    assert day["unit"] == "days" and "first infusion" in day["description"]
    assert ("patient", "birth_month") not in {(r[0], r[1]) for r in fields.dictionary_rows(deidentify=True)}


def test_tables_read_a_chunk_of_patients_at_a_time_give_the_same_rows(world: Any, monkeypatch: Any) -> None:
    from remission.interop import extract as extract_module

    whole = frames(registry_extract(actor=SYSTEM))
    monkeypatch.setattr(extract_module, "CHUNK_PATIENTS", 1)
    chunked_extract = registry_extract(actor=SYSTEM)
    assert len(list(next(iter(chunked_extract.tables())).chunks())) == 2  # one chunk per patient
    chunked = frames(chunked_extract)
    for name, frame in whole.items():
        pd.testing.assert_frame_equal(frame, chunked[name], check_dtype=False)
