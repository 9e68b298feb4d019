"""The registry's one Finding: what the validation, data-quality and derivation findings share."""

from __future__ import annotations

import datetime as dt
from dataclasses import FrozenInstanceError

import pytest

from remission.registry.errors import Problem
from remission.registry.findings import Finding


def test_a_finding_reads_as_the_problem_the_services_would_report() -> None:
    finding = Finding(
        "date_not_after_death",
        "2021-10-01 is after the patient's death on 2021-09-01",
        registry_id="P1",
        patient_id=7,
        centre_id=2,
        entity="outcomeevent",
        record_id=31,
        record="Outcome event 31",
        field="date",
    )
    assert finding.problem == Problem(
        "Outcome event 31",
        "date",
        "date_not_after_death",
        "2021-10-01 is after the patient's death on 2021-09-01",
    )
    assert str(finding.problem) == (
        "Outcome event 31: date: 2021-10-01 is after the patient's death on 2021-09-01 [date_not_after_death]"
    )
    assert finding.key == ("date_not_after_death", "outcomeevent", 31, "date")


def test_what_a_finder_does_not_know_stays_empty_and_a_finding_is_immutable() -> None:
    finding = Finding(
        "infusion_order", "infusion 2 on 2020-01-01 is before infusion 1 on 2020-02-01", registry_id="P2"
    )
    assert (finding.patient_id, finding.centre_id, finding.record_id, finding.day, finding.time_point_id) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert (finding.entity, finding.record, finding.field, finding.severity) == ("", "", "", "")
    with pytest.raises(FrozenInstanceError):
        finding.day = dt.date(2020, 1, 1)  # type: ignore[misc]
