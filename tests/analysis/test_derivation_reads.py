"""The querysets endpoint derivation reads (both roads: courses and columns): the cut-off, the patients
asked for, the contacts' latest dates in their kinds' order. Dates chosen by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from remission.analysis.derivation_reads import DerivationReads
from remission.analysis.endpoints.columnar import CONTACT_KINDS
from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import VitalStatus
from tests.registry.quality.hand_built import treated

DAY0 = dt.date(2020, 3, 2)
CUTOFF = dt.date(2021, 1, 1)


@pytest.fixture
def registry(db: None) -> dict[str, Any]:
    centre = services.centre_create(actor=SYSTEM, code="north", name="North", country="NL")
    a, b = (treated(SYSTEM, centre, DAY0, engrafted=False).patient for _ in range(2))
    for patient in (a, b):
        for day in (dt.date(2020, 9, 1), dt.date(2021, 6, 1)):  # one before the cut-off, one after
            services.follow_up_record(actor=SYSTEM, patient=patient, date=day, vital_status=VitalStatus.ALIVE)
    services.lab_result_record(
        actor=SYSTEM, patient=a, date=dt.date(2020, 5, 5), analyte="igg", value=7, unit="g/L"
    )
    services.lab_result_record(
        actor=SYSTEM, patient=a, date=dt.date(2021, 2, 2), analyte="igg", value=8, unit="g/L"
    )
    services.adverse_event_record(  # began before the cut-off, resolved after it
        actor=SYSTEM,
        patient=a,
        term="herpes zoster",
        category="infection",
        grade=2,
        onset_date=dt.date(2020, 12, 1),
        resolution_date=dt.date(2021, 1, 20),
    )
    return {"a": a, "b": b}


def test_dated_records_stop_at_the_cut_off(registry: dict[str, Any]) -> None:
    reads = DerivationReads(SYSTEM, CUTOFF)
    assert sorted(reads.follow_ups().values_list("date", flat=True)) == [dt.date(2020, 9, 1)] * 2
    assert len(DerivationReads(SYSTEM).follow_ups()) == 4  # no cut-off: all four
    latest = {kind: sorted(rows) for kind, rows in reads.latest_contacts().items()}
    a = registry["a"].pk
    assert latest["lab result"] == [(a, dt.date(2020, 5, 5))]  # the February 2021 value is after it
    assert latest["adverse event onset"] == [(a, dt.date(2020, 12, 1))]
    assert latest["adverse event resolution"] == []  # resolved after the cut-off
    assert DerivationReads(SYSTEM).infusions().count() == 2  # infusions are read whatever their date


def test_the_contacts_come_in_their_kinds_order(registry: dict[str, Any]) -> None:
    assert tuple(DerivationReads(SYSTEM).latest_contacts()) == CONTACT_KINDS


def test_patient_ids_narrow_every_read(registry: dict[str, Any]) -> None:
    b = registry["b"].pk
    reads = DerivationReads(SYSTEM, patient_ids=(b,))
    assert list(reads.patients().values_list("registry_id", flat=True)) == [registry["b"].registry_id]
    assert set(reads.follow_ups().values_list("patient_id", flat=True)) == {b}
    assert set(reads.infusions().values_list("patient_id", flat=True)) == {b}
    assert all(not list(rows) for rows in reads.latest_contacts().values())  # B has no lab, no event
