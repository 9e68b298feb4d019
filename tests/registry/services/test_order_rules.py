"""Every pair of record types whose dates are ordered, each accepted and refused through the services
(written in order, written out of order, and an earlier record edited to fall after a later one, or a
later one edited to fall before), and found by ``patient_findings`` in data stored around the services.

Each case builds a small history on a new patient: the earlier record on ``early`` and the later one on
``late`` (the last write links or dates them); ``gap`` is how far apart they are when accepted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models

from remission.registry import services, validation
from remission.registry.codes import (
    AdverseEventCategory,
    ConsentStatus,
    OutcomeType,
    ProductSource,
    ProductType,
    Sex,
    VitalStatus,
)
from remission.registry.errors import ValidationFailed
from remission.registry.models import Patient
from remission.registry.validation import patient_findings

D = dt.date(2023, 3, 1)
DAY = dt.timedelta(days=1)


@dataclass
class History:
    """Writes one new patient's records through the services, with just the fields the rules need."""

    actor: Any
    patient: Patient

    def diagnosis(self, date: dt.date, first_symptom: dt.date | None = None) -> Any:
        return services.diagnosis_record(
            actor=self.actor,
            patient=self.patient,
            disease="ssc",
            diagnosis_date=date,
            first_symptom_date=first_symptom,
        )

    def mobilisation(self, date: dt.date) -> Any:
        return services.mobilisation_record(
            actor=self.actor, patient=self.patient, date=date, regimen="mob_cy2_gcsf"
        )

    def product(
        self,
        collection: dt.date | None = None,
        mobilisation: Any = None,
        product_type: str = ProductType.AUTOLOGOUS_HSC,
    ) -> Any:
        return services.cell_product_record(
            actor=self.actor,
            patient=self.patient,
            product_type=product_type,
            source=ProductSource.PERIPHERAL_BLOOD,
            mobilisation=mobilisation,
            collection_date=collection,
        )

    def conditioning(self, start: dt.date) -> Any:
        return services.conditioning_record(
            actor=self.actor, patient=self.patient, regimen="cy200_ratg", start_date=start
        )

    def infusion(self, date: dt.date, product: Any = None, conditioning: Any = None) -> Any:
        return services.infusion_record(
            actor=self.actor,
            patient=self.patient,
            product=product or self.product(),
            conditioning=conditioning,
            date=date,
        )

    def engraftment(self, infusion: Any, neutrophil: dt.date | None, platelet: dt.date | None) -> Any:
        return services.engraftment_record(
            actor=self.actor, infusion=infusion, neutrophil_date=neutrophil, platelet_date=platelet
        )

    def follow_up(self, date: dt.date, status: str) -> Any:
        return services.follow_up_record(
            actor=self.actor, patient=self.patient, date=date, vital_status=status
        )

    def death(self, date: dt.date) -> Any:
        return services.outcome_event_record(
            actor=self.actor,
            patient=self.patient,
            event_type=OutcomeType.DEATH,
            date=date,
            cause_of_death="unknown",
        )


@pytest.fixture
def history(world: Any) -> History:
    actor = world.users["dm_a"]
    patient = services.patient_register(
        actor=actor,
        centre=world.centre_a,
        sex=Sex.FEMALE,
        birth_year=1980,
        birth_month=6,
        consent_status=ConsentStatus.NOT_ASKED,
    )
    return History(actor, patient)


Built = dict[str, models.Model]


@dataclass(frozen=True)
class Case:
    """``build(history, early, late)`` writes the pair; ``earlier``/``later`` name (record, date field)."""

    name: str
    rule: str  # the rule that refuses the last write of an impossible build, and a later record moved back
    build: Callable[[History, dt.date, dt.date], Built]
    earlier: tuple[str, str]
    later: tuple[str, str]
    gap: int = 10
    earlier_rule: str = ""  # when the earlier record is edited to fall after the later one (default: rule)
    later_rule: str = ""  # when the later record is edited to fall before the earlier one (default: rule)
    found_rule: str = ""  # what patient_findings reports for stored data (default: earlier_rule)

    @property
    def rule_moving_earlier(self) -> str:
        return self.earlier_rule or self.rule

    @property
    def rule_moving_later(self) -> str:
        return self.later_rule or self.rule

    @property
    def rule_found(self) -> str:
        return self.found_rule or self.rule_moving_earlier


def _anchor(early: dt.date, late: dt.date) -> dt.date:
    """A day after both (an infusion that only links the pair)."""
    return max(early, late) + 10 * DAY


def mobilisation_collection(h: History, early: dt.date, late: dt.date) -> Built:
    mobilisation = h.mobilisation(early)
    return {"mobilisation": mobilisation, "product": h.product(late, mobilisation)}


def mobilisation_conditioning(h: History, early: dt.date, late: dt.date) -> Built:
    mobilisation = h.mobilisation(early)
    product = h.product(None, mobilisation)
    conditioning = h.conditioning(late)
    infusion = h.infusion(_anchor(early, late), product, conditioning)
    return {"mobilisation": mobilisation, "conditioning": conditioning, "infusion": infusion}


def mobilisation_infusion(h: History, early: dt.date, late: dt.date) -> Built:
    mobilisation = h.mobilisation(early)
    return {"mobilisation": mobilisation, "infusion": h.infusion(late, h.product(None, mobilisation))}


def collection_conditioning(h: History, early: dt.date, late: dt.date) -> Built:
    product = h.product(early)
    conditioning = h.conditioning(late)
    infusion = h.infusion(_anchor(early, late), product, conditioning)
    return {"product": product, "conditioning": conditioning, "infusion": infusion}


def car_t_collection_lymphodepletion(h: History, early: dt.date, late: dt.date) -> Built:
    product = h.product(early, product_type=ProductType.CAR_T)
    conditioning = h.conditioning(late)
    infusion = h.infusion(_anchor(early, late), product, conditioning)
    return {"product": product, "conditioning": conditioning, "infusion": infusion}


def collection_infusion(h: History, early: dt.date, late: dt.date) -> Built:
    product = h.product(early)
    return {"product": product, "infusion": h.infusion(late, product)}


def conditioning_infusion(h: History, early: dt.date, late: dt.date) -> Built:
    conditioning = h.conditioning(early)
    return {"conditioning": conditioning, "infusion": h.infusion(late, conditioning=conditioning)}


def infusion_neutrophils(h: History, early: dt.date, late: dt.date) -> Built:
    infusion = h.infusion(early)
    return {"infusion": infusion, "engraftment": h.engraftment(infusion, late, None)}


def infusion_platelets(h: History, early: dt.date, late: dt.date) -> Built:
    infusion = h.infusion(early)
    return {"infusion": infusion, "engraftment": h.engraftment(infusion, None, late)}


def diagnosis_infusion(h: History, early: dt.date, late: dt.date) -> Built:
    return {"diagnosis": h.diagnosis(early), "infusion": h.infusion(late)}


def dead_follow_up_then_death(h: History, early: dt.date, late: dt.date) -> Built:
    follow_up = h.follow_up(late, VitalStatus.DEAD)
    return {"follow_up": follow_up, "death": h.death(early)}


# A record of each type dated ``date`` (with what it needs, dated earlier), for "death is the last event".
RECORD_MAKERS: dict[str, tuple[Callable[[History, dt.date], models.Model], str]] = {
    "diagnosis": (lambda h, d: h.diagnosis(d), "diagnosis_date"),
    "prior therapy": (
        lambda h, d: services.prior_therapy_record(
            actor=h.actor, patient=h.patient, agent="mycophenolate", start_date=d
        ),
        "start_date",
    ),
    "assessment": (
        lambda h, d: services.assessment_record(
            actor=h.actor, patient=h.patient, date=d, instrument="mrss", score=20
        ),
        "date",
    ),
    "work-up": (lambda h, d: services.workup_record(actor=h.actor, patient=h.patient, date=d), "date"),
    "mobilisation": (lambda h, d: h.mobilisation(d), "date"),
    "cell product": (lambda h, d: h.product(d), "collection_date"),
    "conditioning": (lambda h, d: h.conditioning(d), "start_date"),
    "infusion": (lambda h, d: h.infusion(d), "date"),
    "engraftment": (lambda h, d: h.engraftment(h.infusion(d - 20 * DAY), d, None), "neutrophil_date"),
    "adverse event": (
        lambda h, d: services.adverse_event_record(
            actor=h.actor,
            patient=h.patient,
            term="herpes zoster",
            category=AdverseEventCategory.INFECTION,
            grade=2,
            onset_date=d,
        ),
        "onset_date",
    ),
    "lab result": (
        lambda h, d: services.lab_result_record(
            actor=h.actor, patient=h.patient, date=d, analyte="cd4", value=300, unit="cells/uL"
        ),
        "date",
    ),
    "follow-up": (lambda h, d: h.follow_up(d, VitalStatus.UNKNOWN), "date"),
    "outcome event": (
        lambda h, d: services.outcome_event_record(
            actor=h.actor, patient=h.patient, event_type=OutcomeType.RELAPSE, date=d
        ),
        "date",
    ),
}


def _before_end(kind: str, end: str) -> Callable[[History, dt.date, dt.date], Built]:
    """The record, then the end (a death or a follow-up that says dead) after it."""
    make = RECORD_MAKERS[kind][0]

    def build(h: History, early: dt.date, late: dt.date) -> Built:
        record = make(h, early)
        last = h.death(late) if end == "death" else h.follow_up(late, VitalStatus.DEAD)
        return {"record": record, "end": last}

    return build


def _after_end(kind: str, end: str) -> Callable[[History, dt.date, dt.date], Built]:
    """The end first, then the record (refused when dated after it)."""
    make = RECORD_MAKERS[kind][0]

    def build(h: History, early: dt.date, late: dt.date) -> Built:
        last = h.death(late) if end == "death" else h.follow_up(late, VitalStatus.DEAD)
        return {"end": last, "record": make(h, early)}

    return build


def _alive_then_end(end: str) -> Callable[[History, dt.date, dt.date], Built]:
    def build(h: History, early: dt.date, late: dt.date) -> Built:
        alive = h.follow_up(early, VitalStatus.ALIVE)
        return {
            "alive": alive,
            "end": h.death(late) if end == "death" else h.follow_up(late, VitalStatus.DEAD),
        }

    return build


def _end_then_alive(end: str) -> Callable[[History, dt.date, dt.date], Built]:
    def build(h: History, early: dt.date, late: dt.date) -> Built:
        last = h.death(late) if end == "death" else h.follow_up(late, VitalStatus.DEAD)
        return {"end": last, "alive": h.follow_up(early, VitalStatus.ALIVE)}

    return build


V = validation
CASES: list[Case] = [
    Case("mobilisation → collection", V.RULE_MOBILISATION_BEFORE_COLLECTION, mobilisation_collection,
         ("mobilisation", "date"), ("product", "collection_date")),
    Case("mobilisation → conditioning (autologous)", V.RULE_MOBILISATION_BEFORE_CONDITIONING,
         mobilisation_conditioning, ("mobilisation", "date"), ("conditioning", "start_date")),
    Case("mobilisation → infusion", V.RULE_MOBILISATION_BEFORE_INFUSION, mobilisation_infusion,
         ("mobilisation", "date"), ("infusion", "date")),
    Case("collection → conditioning (auto HSC)", V.RULE_COLLECTION_BEFORE_CONDITIONING,
         collection_conditioning, ("product", "collection_date"), ("conditioning", "start_date")),
    Case("leukapheresis → lymphodepletion (CAR-T)", V.RULE_COLLECTION_BEFORE_CONDITIONING,
         car_t_collection_lymphodepletion, ("product", "collection_date"), ("conditioning", "start_date")),
    Case("collection → infusion", V.RULE_COLLECTION_BEFORE_INFUSION, collection_infusion,
         ("product", "collection_date"), ("infusion", "date")),
    Case("conditioning → infusion", V.RULE_CONDITIONING_BEFORE_INFUSION, conditioning_infusion,
         ("conditioning", "start_date"), ("infusion", "date")),
    Case("infusion → neutrophil engraftment", V.RULE_INFUSION_BEFORE_ENGRAFTMENT, infusion_neutrophils,
         ("infusion", "date"), ("engraftment", "neutrophil_date")),
    Case("infusion → platelet engraftment", V.RULE_INFUSION_BEFORE_ENGRAFTMENT, infusion_platelets,
         ("infusion", "date"), ("engraftment", "platelet_date")),
    Case("diagnosis → infusion", V.RULE_BEFORE_DIAGNOSIS, diagnosis_infusion,
         ("diagnosis", "diagnosis_date"), ("infusion", "date")),
    Case("death on the day of the dead follow-up", V.RULE_DEATH_AFTER_DEAD_FOLLOW_UP,
         dead_follow_up_then_death, ("death", "date"), ("follow_up", "date"), gap=0,
         later_rule=V.RULE_DEAD_FOLLOW_UP_BEFORE_RECORDS),
    Case("alive follow-up → death", V.RULE_DEATH_BEFORE_RECORDS, _alive_then_end("death"),
         ("alive", "date"), ("end", "date"), earlier_rule=V.RULE_ALIVE_AFTER_DEATH),
    Case("death, then an alive follow-up", V.RULE_ALIVE_AFTER_DEATH, _end_then_alive("death"),
         ("alive", "date"), ("end", "date"), later_rule=V.RULE_DEATH_BEFORE_RECORDS),
    Case("alive follow-up → dead follow-up", V.RULE_DEAD_FOLLOW_UP_BEFORE_RECORDS, _alive_then_end("dead"),
         ("alive", "date"), ("end", "date"), earlier_rule=V.RULE_ALIVE_AFTER_DEATH),
    Case("dead follow-up, then an alive follow-up", V.RULE_ALIVE_AFTER_DEATH, _end_then_alive("dead"),
         ("alive", "date"), ("end", "date"), later_rule=V.RULE_DEAD_FOLLOW_UP_BEFORE_RECORDS),
]  # fmt: skip
for _kind, (_make, _field) in RECORD_MAKERS.items():
    CASES += [
        Case(f"{_kind} → death", V.RULE_DEATH_BEFORE_RECORDS, _before_end(_kind, "death"),
             ("record", _field), ("end", "date"), earlier_rule=V.RULE_AFTER_DEATH),
        Case(f"death, then {_kind}", V.RULE_AFTER_DEATH, _after_end(_kind, "death"),
             ("record", _field), ("end", "date"), later_rule=V.RULE_DEATH_BEFORE_RECORDS),
        Case(f"{_kind} → dead follow-up", V.RULE_DEAD_FOLLOW_UP_BEFORE_RECORDS, _before_end(_kind, "dead"),
             ("record", _field), ("end", "date"), earlier_rule=V.RULE_AFTER_DEAD_FOLLOW_UP),
        Case(f"dead follow-up, then {_kind}", V.RULE_AFTER_DEAD_FOLLOW_UP, _after_end(_kind, "dead"),
             ("record", _field), ("end", "date"), later_rule=V.RULE_DEAD_FOLLOW_UP_BEFORE_RECORDS),
    ]  # fmt: skip
_ALL = pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])


def _refusal(write: Callable[[], Any]) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        write()
    return caught.value


def _problem(error: ValidationFailed, rule: str) -> Any:
    found = [p for p in error.problems if p.rule == rule]
    assert found, f"expected {rule}, got {[str(p) for p in error.problems]}"
    return found[0]


@_ALL
def test_accepted_in_order(case: Case, history: History) -> None:
    built = case.build(history, D, D + case.gap * DAY)
    assert all(record.pk for record in built.values())
    assert patient_findings(history.patient) == []


@_ALL
def test_refused_out_of_order(case: Case, history: History) -> None:
    early, late = D + 5 * DAY, D  # the later record dated before the earlier one
    problem = _problem(_refusal(lambda: case.build(history, early, late)), case.rule)
    assert str(early) in problem.message and str(late) in problem.message


@_ALL
def test_earlier_record_edited_to_fall_after(case: Case, history: History) -> None:
    late = D + case.gap * DAY
    built = case.build(history, D, late)
    key, field = case.earlier
    record = built[key]
    moved = late + DAY
    error = _refusal(
        lambda: services.record_update(
            record, actor=history.actor, version=record.version, changes={field: moved}
        )
    )
    problem = _problem(error, case.rule_moving_earlier)
    assert problem.field == field and str(moved) in problem.message and str(late) in problem.message


@_ALL
def test_later_record_edited_to_fall_before(case: Case, history: History) -> None:
    built = case.build(history, D, D + case.gap * DAY)
    key, field = case.later
    record = built[key]
    moved = D - DAY
    error = _refusal(
        lambda: services.record_update(
            record, actor=history.actor, version=record.version, changes={field: moved}
        )
    )
    problem = _problem(error, case.rule_moving_later)
    assert problem.field == field and str(moved) in problem.message and str(D) in problem.message


@_ALL
def test_found_once_in_stored_data(case: Case, history: History) -> None:
    """The earlier record moved after the later one around the services (as an old import might have):
    ``remission check`` finds it, once."""
    late = D + case.gap * DAY
    built = case.build(history, D, late)
    key, field = case.earlier
    record = built[key]
    type(record).objects.filter(pk=record.pk).update(**{field: late + DAY})
    rules = [f.problem.rule for f in patient_findings(history.patient)]
    assert rules == [case.rule_found]


# --- products from a donor, and the history of issue 22 ---------------------------------------------


@pytest.mark.parametrize("product_type", [ProductType.ALLOGENEIC_HSC, ProductType.MSC, ProductType.TREG])
def test_a_donor_product_may_be_collected_during_conditioning(history: History, product_type: str) -> None:
    """A donor's graft is collected while the recipient is conditioned (day −1): no rule refuses it."""
    conditioning = history.conditioning(D)
    product = history.product(D + 5 * DAY, product_type=product_type)
    infusion = history.infusion(D + 6 * DAY, product, conditioning)
    assert infusion.pk and patient_findings(history.patient) == []


def test_the_impossible_history_of_issue_22_is_refused_step_by_step(history: History) -> None:
    history.diagnosis(D - 400 * DAY)
    mobilisation = history.mobilisation(D)
    # a collection before the mobilisation
    error = _refusal(lambda: history.product(D - 8 * DAY, mobilisation))
    assert [p.rule for p in error.problems] == [V.RULE_MOBILISATION_BEFORE_COLLECTION]
    assert error.problems[0].message == V.ORDER_BEFORE.format(
        what="collection",
        value=D - 8 * DAY,
        other="mobilisation",
        other_date=D,
        other_record=f"Mobilisation #{mobilisation.pk}",
    )
    product = history.product(D + 10 * DAY, mobilisation)
    # conditioning before the mobilisation, joined by the infusion
    conditioning = history.conditioning(D - 5 * DAY)
    error = _refusal(lambda: history.infusion(D + 30 * DAY, product, conditioning))
    assert {p.rule for p in error.problems} == {
        V.RULE_MOBILISATION_BEFORE_CONDITIONING,
        V.RULE_COLLECTION_BEFORE_CONDITIONING,
    }
    assert {p.field for p in error.problems} == {"conditioning"}
    good = history.conditioning(D + 25 * DAY)
    history.infusion(D + 30 * DAY, product, good)
    # a follow-up saying dead before the infusion
    error = _refusal(lambda: history.follow_up(D + 20 * DAY, VitalStatus.DEAD))
    assert [p.rule for p in error.problems] == [V.RULE_DEAD_FOLLOW_UP_BEFORE_RECORDS]
    # dead at D+200, then alive at D+300
    history.follow_up(D + 200 * DAY, VitalStatus.DEAD)
    error = _refusal(lambda: history.follow_up(D + 300 * DAY, VitalStatus.ALIVE))
    assert [p.rule for p in error.problems] == [V.RULE_ALIVE_AFTER_DEATH]
    assert patient_findings(history.patient) == []


def test_a_second_death_is_refused_with_a_sentence(history: History) -> None:
    first = history.death(D)
    error = _refusal(lambda: history.death(D))
    assert [(p.field, p.rule) for p in error.problems] == [("event_type", V.RULE_ONE_DEATH)]
    assert error.problems[0].message == V.DEATH_TAKEN.format(
        patient=history.patient.registry_id, other_date=D, other=f"Outcome event #{first.pk}"
    )
