"""How many queries one write costs: recording a death, registering a patient.

The bounds count every statement on SQLite (savepoints too) and PostgreSQL (one more: the patient's row
lock); they are there to catch a loop of queries, not to pin an exact number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from remission.registry import services
from remission.registry.codes import CauseOfDeath, ConsentStatus, OutcomeType, Sex

# 12 for the write itself (26 on SQLite while the death rule read each dated field of each table apart),
# then the data-quality bookkeeping in the same transaction: 1 to check no signed-off time point's window
# holds the date, 1 to see whether the patient has rule queries to re-check, 4 reads and up to 5 writes
# to bring the patient's time points in step (the death makes later points not required).
DEATH_MAX_QUERIES = 23


def test_recording_a_death_reads_the_timeline_in_one_query(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    after_everything = world.infusion_a.date + dt.timedelta(days=400)
    with django_assert_max_num_queries(DEATH_MAX_QUERIES):
        services.outcome_event_record(
            actor=world.users["dm_a"],
            patient=world.patient_a,
            event_type=OutcomeType.DEATH,
            date=after_everything,
            cause_of_death=CauseOfDeath.DISEASE,
        )


# two of them are the audit chain's: lock its head, move its head (registry/services/audit.py); two the
# data-quality bookkeeping's (rule queries to re-check? infusions to derive time points from?)
@pytest.mark.parametrize(("registry_id", "most"), [("RIMPORT01", 11), (None, 12)])
def test_registering_a_patient_checks_the_registry_id_once_or_twice(
    world: Any, django_assert_max_num_queries: Any, registry_id: str | None, most: int
) -> None:
    """An import (the synthetic registry's services path) names the ID: only the model's unique check
    reads it; a new pseudonym is also checked once when drawn."""
    with django_assert_max_num_queries(most):
        services.patient_register(
            actor=world.users["dm_a"],
            centre=world.centre_a,
            sex=Sex.FEMALE,
            birth_year=1980,
            birth_month=6,
            consent_status=ConsentStatus.NOT_ASKED,
            registry_id=registry_id,
        )
