"""The registry's messages and labels in the active language: a refused write names the record, the field
and the rule id as they are (never translated), with the sentence for a person in French or in English."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from remission.registry import services
from remission.registry.errors import Problem, ValidationFailed
from remission.registry.labels import code_label, field_label, model_label
from remission.registry.models import Assessment, Diagnosis, FollowUp, OutcomeEvent


def future_follow_up(world: Any) -> tuple[ValidationFailed, dt.date]:
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationFailed) as caught:
        services.follow_up_record(
            actor=world.users["dm_a"], patient=world.patient_a, date=tomorrow, vital_status="alive"
        )
    return caught.value, tomorrow


def only_problem(error: ValidationFailed, field: str) -> Problem:
    problems = error.for_field(field)
    assert len(problems) == 1, problems
    return problems[0]


def test_refused_write_in_french(world: Any) -> None:
    with translation.override("fr"):
        error, tomorrow = future_follow_up(world)
    problem = only_problem(error, "date")
    today = dt.date.today()
    assert problem.rule == "date_not_in_future"
    assert problem.field == "date"
    assert problem.record == f"Follow-up (new) of patient {world.patient_a.registry_id}"
    assert problem.message == f"{tomorrow.isoformat()} est dans le futur (nous sommes le {today.isoformat()})"
    assert type(problem.message) is str  # fixed when the rule ran, not a lazy translation
    assert str(problem) == (
        f"Follow-up (new) of patient {world.patient_a.registry_id}: date: "
        f"{tomorrow.isoformat()} est dans le futur (nous sommes le {today.isoformat()}) [date_not_in_future]"
    )


def test_refused_write_in_english(world: Any) -> None:
    with translation.override("en-gb"):
        error, tomorrow = future_follow_up(world)
    problem = only_problem(error, "date")
    assert problem.rule == "date_not_in_future"
    assert (
        problem.message == f"{tomorrow.isoformat()} is in the future (today is {dt.date.today().isoformat()})"
    )


def test_message_keeps_the_language_it_was_written_in(world: Any) -> None:
    with translation.override("fr"):
        error, _ = future_follow_up(world)
    with translation.override("en-gb"):
        assert "est dans le futur" in only_problem(error, "date").message


def test_constraint_rule_in_french(world: Any) -> None:
    """A database constraint checked first by the services: its rule id as it is, its sentence in French."""
    with translation.override("fr"), pytest.raises(ValidationFailed) as caught:
        services.outcome_event_record(
            actor=world.users["dm_a"],
            patient=world.patient_a,
            date=dt.date.today() - dt.timedelta(days=1),
            event_type="death",
            cause_of_death="",
        )
    problem = only_problem(caught.value, "cause_of_death")
    assert problem.rule == "cause_only_for_death"
    assert (
        problem.message == "un décès doit avoir sa cause (choisissez « inconnue » si elle n'est pas connue)"
    )


def test_labels_in_french() -> None:
    with translation.override("fr"):
        assert field_label(Diagnosis, "diagnosis_date") == "Date du diagnostic"
        assert field_label(Diagnosis, "icd10") == "CIM-10"
        assert field_label(FollowUp, "vital_status") == "Statut vital"
        assert code_label(FollowUp, "vital_status", "dead") == "Décédé"
        assert code_label(OutcomeEvent, "cause_of_death", "trm_infection") == "Liée au traitement : infection"
        assert code_label(Diagnosis, "disease", "ssc") == "Sclérodermie systémique"
        assert code_label(Diagnosis, "subtype", "rrms", disease="ms") == "SEP récurrente-rémittente"
        assert model_label(FollowUp, plural=True) == "suivis"
        assert code_label(Assessment, "instrument", "edss") == "Échelle EDSS (Kurtzke)"
        assert code_label(Assessment, "instrument", "das28_crp") == "DAS28-CRP"  # an acronym stays
        assert code_label(FollowUp, "vital_status", "no_such_code") == "no_such_code"  # stored as it is


def test_labels_in_english_after_french() -> None:
    """Each language has its own code lists: French labels are not kept for the next English page."""
    with translation.override("fr"):
        assert code_label(FollowUp, "vital_status", "alive") == "Vivant"
    with translation.override("en-gb"):
        assert code_label(FollowUp, "vital_status", "alive") == "Alive"
        assert field_label(Diagnosis, "diagnosis_date") == "Diagnosis date"
        assert field_label(Diagnosis, "icd10") == "ICD-10"
        assert code_label(Diagnosis, "disease", "ssc") == "Systemic sclerosis"


def digest_item() -> Any:
    from remission.registry.services.digests import DigestItem

    return DigestItem(
        query_id=7,
        kind="Raised",
        at=dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC),
        actor="coord",
        patient="R7KQ2M4XA",
        record="Follow-up #17",
        field="Disease status",
        text="Relapse without treatment?",
        url="https://registry.example.org/queries/7/",
    )


def test_query_digest_in_french() -> None:
    from types import SimpleNamespace

    from remission.registry.services.digests import digest_message

    user = SimpleNamespace(get_full_name=lambda: "Anne Martin", username="amartin", email="a@example.org")
    with translation.override("fr"):
        message = digest_message(user, [digest_item(), digest_item()])
    assert message.subject == "Remission : 2 nouveautés sur vos requêtes"
    assert message.body.startswith("Bonjour Anne Martin,\n")
    assert (
        "2 nouveautés sur les requêtes de qualité des données depuis votre dernier récapitulatif :"
        in message.body
    )
    assert "- Requête n° 7 : raised par coord le 2026-03-02 09:30 UTC" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="fr">' in html and "Toutes vos requêtes" in html
    with translation.override("en-gb"):
        english = digest_message(user, [digest_item()])
    assert english.subject == "Remission: 1 query update"
    assert english.body.startswith(
        "Hello Anne Martin,\n\n1 update on data-quality queries since your last digest:"
    )
