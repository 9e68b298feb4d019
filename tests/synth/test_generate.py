"""The generator on its own: deterministic, dates in a possible order, the planned share of missing data."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from remission.synth.generate import generate_patient
from remission.synth.targets import DATA_CUT

DATE_FIELDS = (
    "date",
    "start_date",
    "stop_date",
    "onset_date",
    "resolution_date",
    "diagnosis_date",
    "first_symptom_date",
    "collection_date",
    "neutrophil_date",
    "platelet_date",
)


def _dates(plan) -> list[tuple[str, str, dt.date]]:
    return [
        (rec.model, name, rec.fields[name])
        for rec in plan.records
        for name in DATE_FIELDS
        if isinstance(rec.fields.get(name), dt.date)
    ]


def test_same_seed_and_index_give_the_same_patient() -> None:
    first, second = generate_patient(11, 42), generate_patient(11, 42)
    assert first.patient == second.patient
    assert [(r.model, r.fields, r.refs) for r in first.records] == [
        (r.model, r.fields, r.refs) for r in second.records
    ]


def test_another_seed_gives_another_patient() -> None:
    assert [r.fields for r in generate_patient(11, 42).records] != [
        r.fields for r in generate_patient(12, 42).records
    ]


def test_every_date_lies_between_birth_and_the_data_cut_and_nothing_follows_death() -> None:
    for index in range(300):
        plan = generate_patient(3, index)
        for model, name, value in _dates(plan):
            assert plan.birth <= value <= DATA_CUT, (plan.registry_id, model, name, value)
            if plan.death is not None:
                assert value <= plan.death, (plan.registry_id, model, name, value, plan.death)


def test_treatment_dates_are_in_order() -> None:
    for index in range(300):
        plan = generate_patient(4, index)
        recs = {r.key: r.fields for r in plan.records if r.key}
        diagnosis = next(r.fields for r in plan.records if r.model == "Diagnosis")
        for key in ("inf1", "inf2"):
            if key not in recs:
                continue
            day0 = recs[key]["date"]
            assert diagnosis["diagnosis_date"] <= day0
            assert recs["cond" + key[-1]]["start_date"] < day0
            assert recs["product" + key[-1]]["collection_date"] <= day0
            engraftment = recs[f"{key}-engraftment"]
            for name in ("neutrophil_date", "platelet_date"):
                assert engraftment[name] is None or engraftment[name] > day0


def test_missing_data_uses_both_reasons_and_follow_up_is_lost_for_some() -> None:
    reasons: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    lost = 0
    for index in range(400):
        plan = generate_patient(5, index)
        for rec in plan.records:
            reasons.update(rec.fields.get("missing", {}).values())
            if rec.model == "FollowUp":
                statuses[rec.fields["disease_status"]] += 1
        early = plan.death is None and (DATA_CUT - plan.last_contact).days > 400
        lost += early
    assert reasons["not_evaluated"] > 0 and reasons["unknown"] > 0
    assert statuses["not_evaluated"] > 0 and statuses["unknown"] > 0
    assert 0 < lost < 400 * 0.5


def test_car_t_patients_get_crs_graded_by_astct() -> None:
    crs = []
    for index in range(20_000):
        plan = generate_patient(6, index)
        if any(r.fields.get("product_type") == "car_t" for r in plan.records):
            crs += [
                r.fields for r in plan.records if r.model == "AdverseEvent" and r.fields["category"] == "crs"
            ]
        if len(crs) >= 5:
            break
    assert crs and all(f["grading_system"] == "astct" for f in crs)
