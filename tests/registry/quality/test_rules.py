"""Each data-quality rule against hand-built patients: one that breaks it, one (or more) that does not.

The expected findings are worked out by hand from the dates written here; the rule is evaluated alone
(``evaluate(rules=[rule])``) over just these patients, on a fixed day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.registry.quality.hand_built import cd4, edss, seen, treated

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import CauseOfDeath, DiseaseStatus, OutcomeType, ProductType, Severity
from remission.registry.models import Centre, Engraftment, Patient, TimePoint
from remission.registry.quality.evaluate import evaluate
from remission.registry.quality.rules import RULES, RULES_BY_ID, configured_rules

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 6, 1)
D = dt.date


@pytest.fixture
def centre() -> Centre:
    return services.centre_create(actor=SYSTEM, code="rules", name="Rules Hospital", country="NL")


def found(rule_id: str, *patients: Patient, today: dt.date = TODAY) -> set[tuple[str, int, str]]:
    """(entity, record id, field) of each finding of ``rule_id`` among ``patients``."""
    result = evaluate(patient_ids=[p.pk for p in patients], today=today, rules=[RULES_BY_ID[rule_id]])
    assert all(f.rule == rule_id and f.severity == RULES_BY_ID[rule_id].severity for f in result.findings)
    return {(f.entity, f.record_id, f.field) for f in result.findings}


def test_every_rule_is_described_and_sourced() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.id == rule.id.lower() and " " not in rule.id
        assert rule.title and rule.description and rule.source
        assert rule.severity in Severity.values
        assert rule.entity.startswith("registry.") and rule.fields


def test_ms_edss_yearly(centre: Centre) -> None:
    # day 0 2020-01-01; baseline EDSS 2019-11-01; follow-up 2021-03-01 is 486 days later (> 365 + 90)
    breaks = treated(SYSTEM, centre, D(2020, 1, 1), disease="ms")
    edss(SYSTEM, breaks.patient, D(2019, 11, 1))
    early = seen(SYSTEM, breaks.patient, D(2020, 4, 10))  # before 1 year: not asked
    late = seen(SYSTEM, breaks.patient, D(2021, 3, 1))
    # the same course with an EDSS 19 days after the visit (counts for it: up to 30 days after)
    keeps = treated(SYSTEM, centre, D(2020, 1, 1), disease="ms")
    edss(SYSTEM, keeps.patient, D(2019, 11, 1))
    seen(SYSTEM, keeps.patient, D(2021, 3, 1))
    edss(SYSTEM, keeps.patient, D(2021, 3, 20))
    # not MS: no EDSS expected
    ssc = treated(SYSTEM, centre, D(2020, 1, 1), disease="ssc")
    seen(SYSTEM, ssc.patient, D(2021, 3, 1))
    assert found("ms-edss-yearly", breaks.patient, keeps.patient, ssc.patient) == {
        ("registry.followup", late.pk, "date")
    }
    assert early.pk != late.pk


def test_ms_edss_within_the_grace_is_enough(centre: Centre) -> None:
    # EDSS 2020-01-10, follow-up 2021-04-05: 451 days, inside 365 + 90
    patient = treated(SYSTEM, centre, D(2020, 1, 1), disease="ms").patient
    edss(SYSTEM, patient, D(2020, 1, 10))
    seen(SYSTEM, patient, D(2021, 4, 5))
    assert found("ms-edss-yearly", patient) == set()


def test_engraftment_by_day_60(centre: Centre) -> None:
    missing = treated(SYSTEM, centre, D(2025, 3, 1), engrafted=False)  # day 92 on TODAY
    recorded = treated(SYSTEM, centre, D(2025, 3, 1))
    too_soon = treated(SYSTEM, centre, D(2025, 4, 15), engrafted=False)  # day 47 on TODAY
    msc = treated(SYSTEM, centre, D(2025, 3, 1), product_type=ProductType.MSC, engrafted=False)
    patients = (missing.patient, recorded.patient, too_soon.patient, msc.patient)
    assert found("engraftment-by-d60", *patients) == {
        ("registry.infusion", missing.infusion.pk, "engraftment")
    }
    # day 60 of 2025-04-15 is 2025-06-14: due from then on
    assert found("engraftment-by-d60", too_soon.patient, today=D(2025, 6, 14)) == {
        ("registry.infusion", too_soon.infusion.pk, "engraftment")
    }
    assert found("engraftment-by-d60", too_soon.patient, today=D(2025, 6, 13)) == set()


def test_engraftment_neutrophils_given(centre: Centre) -> None:
    def engraftment(missing: dict[str, str] | None = None, graft_failure: bool = False) -> Engraftment:
        course = treated(SYSTEM, centre, D(2025, 1, 10), engrafted=False)
        return services.engraftment_record(
            actor=SYSTEM,
            infusion=course.infusion,
            neutrophil_date=None,
            platelet_date=None,
            graft_failure=graft_failure,
            missing=missing,
        )

    silent = engraftment()
    explained = engraftment(missing={"neutrophil_date": "unknown"})
    failed = engraftment(graft_failure=True)
    patients = [Patient.objects.get(pk=e.patient_id) for e in (silent, explained, failed)]
    assert found("engraftment-neutrophils-given", *patients) == {
        ("registry.engraftment", silent.pk, "neutrophil_date")
    }


def test_death_cause_given(centre: Centre) -> None:
    unknown = treated(SYSTEM, centre, D(2022, 1, 1)).patient
    death = services.outcome_event_record(
        actor=SYSTEM,
        patient=unknown,
        event_type=OutcomeType.DEATH,
        date=D(2023, 2, 1),
        cause_of_death=CauseOfDeath.UNKNOWN,
    )
    known = treated(SYSTEM, centre, D(2022, 1, 1)).patient
    services.outcome_event_record(
        actor=SYSTEM,
        patient=known,
        event_type=OutcomeType.DEATH,
        date=D(2023, 2, 1),
        cause_of_death=CauseOfDeath.DISEASE,
    )
    assert found("death-cause-given", unknown, known) == {
        ("registry.outcomeevent", death.pk, "cause_of_death")
    }


def test_death_recorded(centre: Centre) -> None:
    lacking = treated(SYSTEM, centre, D(2022, 1, 1)).patient
    dead = seen(SYSTEM, lacking, D(2023, 2, 1), vital_status="dead")
    complete = treated(SYSTEM, centre, D(2022, 1, 1)).patient
    seen(SYSTEM, complete, D(2023, 2, 1), vital_status="dead")
    services.outcome_event_record(
        actor=SYSTEM,
        patient=complete,
        event_type=OutcomeType.DEATH,
        date=D(2023, 2, 1),
        cause_of_death=CauseOfDeath.TRM_INFECTION,
    )
    assert found("death-recorded", lacking, complete) == {("registry.followup", dead.pk, "vital_status")}


def test_follow_up_items_given(centre: Centre) -> None:
    patient = treated(SYSTEM, centre, D(2022, 1, 1)).patient
    before_day0 = seen(SYSTEM, patient, D(2021, 12, 1), disease_status=DiseaseStatus.UNKNOWN)
    vital = seen(SYSTEM, patient, D(2022, 4, 11), vital_status="unknown")
    status = seen(SYSTEM, patient, D(2022, 7, 1), disease_status=DiseaseStatus.NOT_EVALUATED)
    therapy = seen(SYSTEM, patient, D(2023, 1, 2), current_therapy="")
    seen(SYSTEM, patient, D(2024, 1, 2), current_therapy="", missing={"current_therapy": "unknown"})
    seen(SYSTEM, patient, D(2025, 1, 2))  # complete
    assert found("follow-up-items-given", patient) == {
        ("registry.followup", vital.pk, "vital_status"),
        ("registry.followup", status.pk, "disease_status"),
        ("registry.followup", therapy.pk, "current_therapy"),
    }
    assert before_day0.pk not in {record_id for _, record_id, _ in found("follow-up-items-given", patient)}


def test_cd4_at_one_year(centre: Centre) -> None:
    # day 0 2022-01-01: the window is day 275 (2022-10-03) to day 455 (2023-04-01)
    lacking = treated(SYSTEM, centre, D(2022, 1, 1))
    seen(SYSTEM, lacking.patient, D(2023, 6, 1))
    cd4(SYSTEM, lacking.patient, D(2022, 4, 1))  # day 90: outside the window
    measured = treated(SYSTEM, centre, D(2022, 1, 1))
    seen(SYSTEM, measured.patient, D(2023, 6, 1))
    cd4(SYSTEM, measured.patient, D(2022, 12, 20))  # day 353
    lost = treated(SYSTEM, centre, D(2022, 1, 1))  # last seen before the window: not asked here
    seen(SYSTEM, lost.patient, D(2022, 6, 1))
    died = treated(SYSTEM, centre, D(2022, 1, 1))
    seen(SYSTEM, died.patient, D(2022, 6, 1), vital_status="dead")
    services.outcome_event_record(
        actor=SYSTEM,
        patient=died.patient,
        event_type=OutcomeType.DEATH,
        date=D(2022, 6, 1),
        cause_of_death=CauseOfDeath.TRM_INFECTION,
    )
    patients = (lacking.patient, measured.patient, lost.patient, died.patient)
    assert found("cd4-at-1y", *patients) == {("registry.infusion", lacking.infusion.pk, "cd4")}


def test_cd4_window_edges(centre: Centre) -> None:
    on_first_day = treated(SYSTEM, centre, D(2022, 1, 1))
    seen(SYSTEM, on_first_day.patient, D(2023, 6, 1))
    cd4(SYSTEM, on_first_day.patient, D(2022, 10, 3))  # day 275 exactly
    day_before = treated(SYSTEM, centre, D(2022, 1, 1))
    seen(SYSTEM, day_before.patient, D(2023, 6, 1))
    cd4(SYSTEM, day_before.patient, D(2022, 10, 2))  # day 274
    assert found("cd4-at-1y", on_first_day.patient, day_before.patient) == {
        ("registry.infusion", day_before.infusion.pk, "cd4")
    }


def test_primary_diagnosis_given(centre: Centre) -> None:
    without = treated(SYSTEM, centre, D(2024, 1, 1), disease=None).patient
    with_one = treated(SYSTEM, centre, D(2024, 1, 1)).patient
    assert found("primary-diagnosis-given", without, with_one) == {
        ("registry.patient", without.pk, "diagnosis")
    }


def test_withdrawn_consent_asks_for_no_new_data(centre: Centre) -> None:
    course = treated(SYSTEM, centre, D(2022, 1, 1))
    seen(SYSTEM, course.patient, D(2023, 6, 1))
    assert found("cd4-at-1y", course.patient) == {("registry.infusion", course.infusion.pk, "cd4")}
    patient = Patient.objects.get(pk=course.patient.pk)
    services.patient_consent_withdraw(
        actor=SYSTEM, patient=patient, version=patient.version, withdrawn_on=D(2023, 7, 1)
    )
    assert found("cd4-at-1y", course.patient) == set()


def test_a_centre_is_evaluated_alone(centre: Centre) -> None:
    other = services.centre_create(actor=SYSTEM, code="other", name="Other Hospital", country="BE")
    mine = treated(SYSTEM, centre, D(2024, 1, 1), disease=None).patient
    theirs = treated(SYSTEM, other, D(2024, 1, 1), disease=None).patient
    rule = RULES_BY_ID["primary-diagnosis-given"]
    result = evaluate(centre_id=centre.pk, today=TODAY, rules=[rule])
    assert [(f.patient_id, f.centre_id) for f in result.findings] == [(mine.pk, centre.pk)]
    assert theirs.pk not in {f.patient_id for f in result.findings}


# --- the settings -------------------------------------------------------------------------------------------


def test_settings_change_a_threshold_and_switch_a_rule_off() -> None:
    rules = configured_rules({"engraftment-by-d60": {"days": 45}, "cd4-at-1y": {"enabled": False}})
    by_id = {rule.id: rule for rule in rules}
    assert "cd4-at-1y" not in by_id
    assert by_id["engraftment-by-d60"].parameters["days"] == 45
    assert RULES_BY_ID["engraftment-by-d60"].parameters["days"] == 60  # the catalogue is unchanged
    assert len(rules) == len(RULES) - 1


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"no-such-rule": {}}, "no data-quality rule"),
        ({"engraftment-by-d60": {"weeks": 8}}, "parameters are days"),
        ({"engraftment-by-d60": {"days": "sixty"}}, "whole number of days"),
        ({"death-cause-given": {"days": 3}}, "parameters are none"),
    ],
)
def test_settings_that_name_nothing_are_refused(overrides: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        configured_rules(overrides)


def test_a_threshold_from_the_settings_applies(centre: Centre, settings: Any) -> None:
    course = treated(SYSTEM, centre, D(2025, 4, 15), engrafted=False)  # day 47 on TODAY
    assert found("engraftment-by-d60", course.patient) == set()
    settings.REMISSION_QUALITY_RULES = {"engraftment-by-d60": {"days": 45}}
    rules = [r for r in configured_rules(settings.REMISSION_QUALITY_RULES) if r.id == "engraftment-by-d60"]
    result = evaluate(patient_ids=[course.patient.pk], today=TODAY, rules=rules)
    assert [(f.record_id, f.field) for f in result.findings] == [(course.infusion.pk, "engraftment")]
    default = evaluate(patient_ids=[course.patient.pk], today=TODAY)  # rules from the settings
    assert default.counts["engraftment-by-d60"] == 1


def test_a_finding_names_the_time_point_its_day_falls_in(centre: Centre) -> None:
    course = treated(SYSTEM, centre, D(2022, 1, 1))
    follow_up = seen(SYSTEM, course.patient, D(2022, 4, 11), disease_status=DiseaseStatus.UNKNOWN)
    TimePoint.objects.filter(patient=course.patient).delete()  # the schedule's own: windows made here

    def point(code: str, due: dt.date, before: int, after: int) -> TimePoint:
        return TimePoint.objects.create(
            centre=centre,
            patient=course.patient,
            infusion=course.infusion,
            point=code,
            label=code,
            day=(due - D(2022, 1, 1)).days,
            due_date=due,
            window_start=due - dt.timedelta(days=before),
            window_end=due + dt.timedelta(days=after),
        )

    point("early", D(2022, 4, 1), 30, 30)  # holds 2022-04-11, due earlier
    later = point("later", D(2022, 5, 1), 30, 30)  # holds it too, due later: chosen
    point("far", D(2023, 1, 1), 30, 30)  # does not hold it
    result = evaluate(
        patient_ids=[course.patient.pk], today=TODAY, rules=[RULES_BY_ID["follow-up-items-given"]]
    )
    assert [(f.record_id, f.time_point_id) for f in result.findings] == [(follow_up.pk, later.pk)]
