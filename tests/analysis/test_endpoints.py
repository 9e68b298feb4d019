"""Endpoint derivation patient by patient, on hand-built courses with hand-computed times and events.

Day 0 is 10 January 2020 throughout; ``d(n)`` is day n. Expected values are written out from the rules in
``remission.analysis.endpoints.derive`` (module docstring), never produced by running the code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from remission.analysis.endpoints import (
    EndpointSettings,
    EngraftmentFacts,
    FollowUpFacts,
    InfusionFacts,
    InfusionSelection,
    OtherContact,
    OutcomeFacts,
    PatientCourse,
    ScoreFacts,
    WorkUpFacts,
    derive_endpoints,
    derive_patient,
)
from remission.analysis.endpoints import derive as rules
from remission.analysis.endpoints.responses import RULE_RESPONSE_INPUT
from remission.registry import validation as V
from remission.registry.findings import Finding

DAY0 = dt.date(2020, 1, 10)


def d(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def auto(day: int = 0, sequence: int = 1, engraftment: EngraftmentFacts | None = None) -> InfusionFacts:
    return InfusionFacts(date=d(day), sequence=sequence, product_type="auto_hsc", engraftment=engraftment)


def alive(day: int, status: str = "stable") -> FollowUpFacts:
    return FollowUpFacts(d(day), "alive", status)


def death(day: int, cause: str) -> OutcomeFacts:
    return OutcomeFacts("death", d(day), cause)


def event(kind: str, day: int) -> OutcomeFacts:
    return OutcomeFacts(kind, d(day))


def course(**kwargs: object) -> PatientCourse:
    base: dict[str, object] = {
        "registry_id": "P1",
        "disease": "other",
        "birth_year": 1980,
        "birth_month": 7,
        "infusions": (auto(),),
    }
    base.update(kwargs)
    return PatientCourse(**base)  # type: ignore[arg-type]


def derive(c: PatientCourse, **kwargs: object):
    row, findings = derive_patient(c, **kwargs)  # type: ignore[arg-type]
    return row, {f.rule for f in findings}


# -- the competing-risk orderings ---------------------------------------------------------------------


def test_relapse_then_death() -> None:
    row, found = derive(
        course(outcomes=(event("relapse", 100), death(200, "disease")), follow_ups=(alive(150),))
    )
    assert (row.os_days, row.os_event) == (200, 1)
    assert (row.pfs_days, row.pfs_event) == (100, 1)
    assert (row.cr_days, row.cr_cause) == (100, 1)
    assert row.trm_cause == 2
    assert row.relapse_date == d(100)
    assert row.last_contact == d(200)
    assert found == set()


def test_progression_counts_like_relapse() -> None:
    row, _ = derive(course(outcomes=(event("progression", 80),), follow_ups=(alive(300),)))
    assert (row.cr_days, row.cr_cause) == (80, 1)
    assert (row.os_days, row.os_event) == (300, 0)


def test_treatment_related_death_without_relapse_is_nrm() -> None:
    row, _ = derive(course(outcomes=(death(30, "trm_infection"),)))
    assert (row.os_days, row.os_event) == (30, 1)
    assert (row.pfs_days, row.pfs_event) == (30, 1)
    assert (row.cr_days, row.cr_cause) == (30, 2)
    assert row.death_treatment_related is True
    assert row.trm_cause == 1


def test_unrelated_death_without_relapse_is_nrm_but_not_treatment_related() -> None:
    row, _ = derive(course(outcomes=(death(400, "unrelated"),), follow_ups=(alive(100),)))
    assert (row.cr_days, row.cr_cause) == (400, 2)
    assert row.death_treatment_related is False
    assert row.death_cause == "unrelated"
    assert row.trm_cause == 2  # NRM, but not transplant-related


def test_death_from_the_disease_without_recorded_relapse_is_progression() -> None:
    row, _ = derive(course(outcomes=(death(250, "disease"),)))
    assert (row.cr_days, row.cr_cause) == (250, 1)
    assert (row.pfs_days, row.pfs_event) == (250, 1)


def test_censored_at_last_contact() -> None:
    # contacts: follow-ups day 100 and 365, a lab on day 500; a follow-up with vital status unknown on
    # day 700 is not a contact
    c = course(
        follow_ups=(alive(100), alive(365), FollowUpFacts(d(700), "unknown")),
        other_contacts=(OtherContact("lab result", d(500)),),
    )
    row, _ = derive(c)
    assert row.last_contact == d(500)
    assert (row.os_days, row.os_event) == (500, 0)
    assert (row.pfs_days, row.pfs_event) == (500, 0)
    assert (row.cr_days, row.cr_cause) == (500, 0)


def test_no_follow_up_at_all_is_censored_on_day_0() -> None:
    row, _ = derive(course())
    assert (row.os_days, row.os_event, row.cr_cause) == (0, 0, 0)


def test_death_on_day_0() -> None:
    row, _ = derive(course(outcomes=(death(0, "trm_organ_toxicity"),)))
    assert (row.os_days, row.os_event) == (0, 1)
    assert (row.cr_days, row.cr_cause) == (0, 2)


def test_relapse_and_death_on_the_same_day_count_as_relapse() -> None:
    row, _ = derive(course(outcomes=(death(50, "trm_infection"), event("relapse", 50))))
    assert (row.cr_days, row.cr_cause) == (50, 1)
    assert (row.pfs_days, row.pfs_event) == (50, 1)
    assert (row.os_days, row.os_event) == (50, 1)


def test_relapse_reported_at_follow_up_counts_unless_switched_off() -> None:
    c = course(follow_ups=(alive(90), alive(180, "relapse"), alive(365)))
    row, _ = derive(c)
    assert (row.cr_days, row.cr_cause) == (180, 1)
    row, _ = derive(c, settings=EndpointSettings(relapse_from_follow_up_status=False))
    assert (row.cr_days, row.cr_cause) == (365, 0)


def test_age_uses_the_15th_of_the_birth_month() -> None:
    row, _ = derive(course(birth_year=1990, birth_month=1))
    # 15 Jan 1990 to 10 Jan 2020: 10952 days
    assert row.age == pytest.approx(10952 / 365.25)


# -- engraftment -------------------------------------------------------------------------------------


def test_engraftment_dates() -> None:
    c = course(infusions=(auto(engraftment=EngraftmentFacts(d(11), d(14))),), follow_ups=(alive(100),))
    row, _ = derive(c)
    assert (row.neutrophil_days, row.neutrophil_cause) == (11, 1)
    assert (row.platelet_days, row.platelet_cause) == (14, 1)
    assert row.graft_failure is False


def test_death_before_platelet_engraftment_competes() -> None:
    c = course(
        infusions=(auto(engraftment=EngraftmentFacts(d(12), None)),),
        outcomes=(death(20, "trm_infection"),),
    )
    row, _ = derive(c)
    assert (row.neutrophil_days, row.neutrophil_cause) == (12, 1)
    assert (row.platelet_days, row.platelet_cause) == (20, 2)


def test_engraftment_after_death_is_impossible() -> None:
    c = course(
        infusions=(auto(engraftment=EngraftmentFacts(d(25), None)),),
        outcomes=(death(20, "trm_infection"),),
    )
    row, found = derive(c)
    assert V.RULE_AFTER_DEATH in found
    assert (row.neutrophil_days, row.neutrophil_cause) == (20, 2)


def test_engraftment_on_the_day_of_death_counts() -> None:
    c = course(
        infusions=(auto(engraftment=EngraftmentFacts(d(20), None)),),
        outcomes=(death(20, "trm_infection"),),
    )
    row, found = derive(c)
    assert (row.neutrophil_days, row.neutrophil_cause) == (20, 1)
    assert found == set()


def test_no_engraftment_record_leaves_engraftment_missing() -> None:
    row, _ = derive(course(follow_ups=(alive(100),)))
    assert row.neutrophil_days is None and row.neutrophil_cause is None and row.graft_failure is None


def test_graft_failure_without_engraftment_is_censored_at_last_contact() -> None:
    c = course(
        infusions=(auto(engraftment=EngraftmentFacts(None, None, graft_failure=True)),),
        follow_ups=(alive(60),),
    )
    row, _ = derive(c)
    assert (row.neutrophil_days, row.neutrophil_cause) == (60, 0)
    assert row.graft_failure is True


def test_platelets_never_below_20_leave_platelet_engraftment_missing() -> None:
    c = course(infusions=(auto(engraftment=EngraftmentFacts(d(10), None, platelets_never_below_20=True)),))
    row, _ = derive(c)
    assert row.platelet_days is None and row.platelet_cause is None


def test_engraftment_before_infusion_is_a_finding_and_missing() -> None:
    c = course(infusions=(auto(engraftment=EngraftmentFacts(d(-3), d(15))),), follow_ups=(alive(30),))
    row, found = derive(c)
    assert V.RULE_INFUSION_BEFORE_ENGRAFTMENT in found
    assert row.neutrophil_days is None
    assert (row.platelet_days, row.platelet_cause) == (15, 1)


# -- secondary autoimmune disease and malignancy -------------------------------------------------------


def test_secondary_autoimmune_disease_from_event_or_adverse_event() -> None:
    c = course(
        outcomes=(event("secondary_autoimmune", 400), death(600, "unrelated")),
        secondary_autoimmune_onsets=(d(300),),
    )
    row, _ = derive(c)
    assert (row.sad_days, row.sad_cause) == (300, 1)
    assert (row.malignancy_days, row.malignancy_cause) == (600, 2)


def test_malignancy_then_censored() -> None:
    row, _ = derive(course(outcomes=(event("malignancy", 700),), follow_ups=(alive(900),)))
    assert (row.malignancy_days, row.malignancy_cause) == (700, 1)
    assert (row.sad_days, row.sad_cause) == (900, 0)


# -- contradictory records: findings and the stated handling ------------------------------------------


def test_event_after_death_is_a_finding_and_ignored() -> None:
    row, found = derive(course(outcomes=(death(100, "trm_infection"), event("relapse", 150))))
    assert found == {V.RULE_AFTER_DEATH}
    assert (row.cr_days, row.cr_cause) == (100, 2)
    assert row.relapse_date is None


def test_alive_follow_up_after_death_keeps_the_death() -> None:
    row, found = derive(course(outcomes=(death(100, "unrelated"),), follow_ups=(alive(50), alive(300))))
    assert found == {V.RULE_ALIVE_AFTER_DEATH}
    assert (row.os_days, row.os_event) == (100, 1)
    assert row.last_contact == d(100)


def test_follow_up_before_infusion_is_a_finding_and_ignored() -> None:
    row, found = derive(course(follow_ups=(alive(-20), alive(100))))
    assert found == {rules.RULE_FOLLOW_UP_BEFORE_INFUSION}
    assert (row.os_days, row.os_event) == (100, 0)


def test_relapse_before_infusion_is_a_finding_and_ignored() -> None:
    row, found = derive(course(outcomes=(event("relapse", -40),), follow_ups=(alive(200),)))
    assert found == {rules.RULE_EVENT_BEFORE_INFUSION}
    assert (row.cr_days, row.cr_cause) == (200, 0)


def test_death_before_infusion_excludes_the_patient() -> None:
    c = course(outcomes=(death(-5, "disease"),))
    row, found = derive(c)
    assert row is None
    assert found == {V.RULE_AFTER_DEATH}
    result = derive_endpoints([c, course(registry_id="P2", follow_ups=(alive(10),))])
    assert [r.registry_id for r in result.rows] == ["P2"]
    assert result.excluded == ("P1",)
    assert [(x.registry_id, x.rule) for x in result.left_out] == [("P1", "death_before_infusion")]


def test_dead_at_follow_up_without_death_event() -> None:
    c = course(follow_ups=(alive(100), FollowUpFacts(d(300), "dead"), FollowUpFacts(d(400), "dead")))
    row, found = derive(c)
    assert found == {rules.RULE_DEAD_WITHOUT_DEATH_EVENT}
    assert (row.os_days, row.os_event) == (300, 1)
    assert (row.cr_days, row.cr_cause) == (300, 2)
    assert row.death_cause == "unknown"


def test_follow_up_reporting_an_earlier_death_keeps_the_death_event() -> None:
    row, found = derive(
        course(outcomes=(death(300, "unrelated"),), follow_ups=(FollowUpFacts(d(250), "dead"),))
    )
    assert found == {V.RULE_DEATH_AFTER_DEAD_FOLLOW_UP}
    assert (row.os_days, row.os_event) == (300, 1)


def test_record_after_death_is_a_finding_and_not_a_contact() -> None:
    c = course(outcomes=(death(100, "unrelated"),), other_contacts=(OtherContact("lab result", d(130)),))
    row, found = derive(c)
    assert found == {V.RULE_AFTER_DEATH}
    assert row.last_contact == d(100)


def test_contradictions_the_registry_names_are_its_findings_in_its_words() -> None:
    c = course(
        infusions=(auto(engraftment=EngraftmentFacts(d(-3), d(130))),),
        outcomes=(death(100, "unrelated"), event("relapse", 150)),
        follow_ups=(FollowUpFacts(d(90), "dead"), alive(120)),
        other_contacts=(OtherContact("lab result", d(140)),),
    )
    _, findings = derive_patient(c)
    assert findings == (
        Finding(
            "death_not_after_dead_follow_up",
            "death on 2020-04-19 is after the follow-up on 2020-04-09 that already records the patient as "
            "dead; the death's date stands",
            registry_id="P1",
            entity="outcomeevent",
            field="date",
        ),
        Finding(
            "alive_not_after_death",
            "follow-up on 2020-05-09 says alive, but the patient died on 2020-04-19; ignored",
            registry_id="P1",
            entity="followup",
            field="date",
        ),
        Finding(
            "date_not_after_death",
            "relapse on 2020-06-08 is after the patient's death on 2020-04-19; ignored",
            registry_id="P1",
            entity="outcomeevent",
            field="date",
        ),
        Finding(
            "date_not_after_death",
            "lab result on 2020-05-29 is after the patient's death on 2020-04-19; ignored",
            registry_id="P1",
        ),
        Finding(
            "infusion_before_engraftment",
            "the neutrophil engraftment on 2020-01-07 is before the infusion on 2020-01-10; "
            "ignored (endpoint missing)",
            registry_id="P1",
            entity="engraftment",
            field="neutrophil_date",
        ),
        Finding(
            "date_not_after_death",
            "platelet engraftment on 2020-05-19 is after the patient's death on 2020-04-19; ignored",
            registry_id="P1",
            entity="engraftment",
            field="platelet_date",
        ),
    )


def test_death_before_the_infusion_is_the_registrys_date_not_after_death() -> None:
    _, findings = derive_patient(course(outcomes=(death(-5, "disease"),)))
    assert findings == (
        Finding(
            "date_not_after_death",
            "infusion on 2020-01-10 is after the patient's death on 2020-01-05; the infusion is not analysed",
            registry_id="P1",
            entity="infusion",
            field="date",
        ),
    )


def test_infusions_out_of_order_are_a_finding() -> None:
    c = course(infusions=(auto(0, 1), auto(-30, 2)))
    _, found = derive(c)
    assert found == {rules.RULE_INFUSION_ORDER}


# -- cut-off, infusion selection -----------------------------------------------------------------------


def test_cutoff_hides_later_records() -> None:
    c = course(follow_ups=(alive(100), alive(400)), outcomes=(death(600, "unrelated"),))
    row, _ = derive(c, cutoff=d(450))
    assert row.last_contact == d(400)
    assert (row.os_days, row.os_event) == (400, 0)
    row, _ = derive(c, cutoff=d(600))
    assert (row.os_days, row.os_event) == (600, 1)


def test_infusion_after_cutoff_is_not_analysed() -> None:
    row, found = derive(course(), cutoff=d(-1))
    assert row is None and found == set()


def test_selecting_another_product_moves_time_zero() -> None:
    c = course(
        infusions=(auto(0, 1), InfusionFacts(d(500), 2, "car_t")),
        outcomes=(event("relapse", 300), event("relapse", 800)),
        follow_ups=(alive(1000),),
    )
    row, found = derive(c, selection=InfusionSelection(product_types=frozenset({"car_t"})))
    assert row.infusion_date == d(500) and row.sequence == 2
    assert (row.cr_days, row.cr_cause) == (300, 1)  # the relapse on day 300 was before this day 0
    assert (row.os_days, row.os_event) == (500, 0)
    assert found == set()
    row, _ = derive(c, selection=InfusionSelection(sequence=2, product_types=None))
    assert row.infusion_date == d(500)
    row, _ = derive(c, selection=InfusionSelection(sequence=2))  # sequence 2 is not autologous HSC
    assert row is None


def test_censor_at_next_infusion() -> None:
    c = course(
        infusions=(auto(0, 1), auto(400, 2)),
        outcomes=(event("relapse", 450),),
        follow_ups=(alive(200), alive(800)),
    )
    row, _ = derive(c)
    assert (row.cr_days, row.cr_cause) == (450, 1)
    row, _ = derive(c, settings=EndpointSettings(censor_at_next_infusion=True))
    assert (row.cr_days, row.cr_cause) == (400, 0)


def test_patient_without_a_matching_infusion_is_not_in_the_result() -> None:
    c = course(infusions=(InfusionFacts(DAY0, 1, "msc"),))
    result = derive_endpoints([c])
    assert result.rows == () and result.excluded == ()


def test_to_frame_has_one_row_per_infusion() -> None:
    result = derive_endpoints(
        [
            course(registry_id="A", follow_ups=(alive(30),)),
            course(registry_id="B", outcomes=(death(5, "unknown"),)),
        ]
    )
    frame = result.to_frame()
    assert list(frame["registry_id"]) == ["A", "B"]
    assert list(frame["os_days"]) == [30, 5]
    assert list(frame["os_event"]) == [0, 1]
    assert list(frame["cr_cause"]) == [0, 2]


# -- disease-specific response ------------------------------------------------------------------------


def edss(day: int, value: float, during_relapse: bool | None = None) -> ScoreFacts:
    return ScoreFacts(d(day), "edss", value, during_relapse=during_relapse)


def test_ms_confirmed_disability_progression() -> None:
    # baseline 3.0 (day -30); needs +1.0 → 4.0 on day 365, still 4.5 on day 550 (185 days ≥ 180): CDP on 365
    c = course(
        disease="ms",
        scores=(edss(-30, 3.0), edss(180, 3.0), edss(365, 4.0), edss(550, 4.5)),
        follow_ups=(alive(600),),
    )
    row, _ = derive(c)
    assert row.cdp == "progression"
    assert (row.cdp_days, row.cdp_event) == (365, 1)
    assert row.neda3 == "evidence_of_activity"
    assert row.response_date == d(365)


def test_ms_without_progression_is_censored_at_last_edss() -> None:
    mri = tuple(
        ScoreFacts(d(day), "mri_brain", None, {"new_or_enlarging_t2": 0, "gd_enhancing": 0})
        for day in (180, 540)
    )
    c = course(
        disease="ms", scores=(edss(-30, 3.0), edss(180, 3.0), edss(400, 3.5)), follow_ups=(alive(600),)
    )
    row, _ = derive(c)
    assert row.cdp == "no_progression"
    assert (row.cdp_days, row.cdp_event) == (400, 0)
    assert row.neda3 == "not_computable"  # no MRI
    row, _ = derive(replace(c, scores=c.scores + mri))
    assert row.neda3 == "neda"


def test_ms_relapse_makes_neda3_fail() -> None:
    c = course(
        disease="ms",
        scores=(edss(-30, 3.0), edss(180, 3.0), edss(400, 3.0)),
        outcomes=(event("relapse", 250),),
        follow_ups=(alive(600),),
    )
    row, _ = derive(c)
    assert row.neda3 == "evidence_of_activity"
    assert row.response_date == d(250)


def test_ms_without_baseline_edss_is_not_computable() -> None:
    row, _ = derive(course(disease="ms", scores=(edss(180, 3.0), edss(400, 5.0)), follow_ups=(alive(600),)))
    assert row.cdp == "not_computable" and row.cdp_days is None


def test_invalid_edss_is_a_finding() -> None:
    row, found = derive(
        course(disease="ms", scores=(edss(-30, 3.0), edss(180, 3.3)), follow_ups=(alive(200),))
    )
    assert RULE_RESPONSE_INPUT in found
    assert row.cdp == "not_computable"


def test_ssc_assist_response() -> None:
    # mRSS 30 → 20 at day 365: a fall of 33 % (> 25 %)
    c = course(
        disease="ssc",
        scores=(ScoreFacts(d(-60), "mrss", 30), ScoreFacts(d(365), "mrss", 20)),
        follow_ups=(alive(400),),
    )
    row, _ = derive(c)
    assert (row.response_definition, row.response, row.response_date) == (
        "assist_response",
        "response",
        d(365),
    )


def test_ssc_assist_no_response() -> None:
    # mRSS 30 → 24 (20 %) and FVC 80 → 84 (5 %): neither threshold
    c = course(
        disease="ssc",
        scores=(
            ScoreFacts(d(-60), "mrss", 30),
            ScoreFacts(d(-60), "fvc_pct", 80),
            ScoreFacts(d(360), "mrss", 24),
            ScoreFacts(d(360), "fvc_pct", 84),
        ),
        follow_ups=(alive(400),),
    )
    row, _ = derive(c)
    assert row.response == "no_response"


def test_ra_eular_good_response() -> None:
    # DAS28 5.5 → 3.0 at day 360: improvement 2.5 > 1.2 and current ≤ 3.2: good
    c = course(
        disease="ra",
        scores=(ScoreFacts(d(-20), "das28_esr", 5.5), ScoreFacts(d(360), "das28_esr", 3.0)),
        follow_ups=(alive(400),),
    )
    row, _ = derive(c)
    assert (row.response_definition, row.response) == ("eular_response", "good")


def test_crohn_cdai_response_and_remission() -> None:
    # CDAI 300 → 140 at day 370: fall 160 ≥ 100 (CR-100) and 140 < 150
    c = course(
        disease="crohn",
        scores=(ScoreFacts(d(-10), "cdai_crohn", 300), ScoreFacts(d(370), "cdai_crohn", 140)),
        follow_ups=(alive(400),),
    )
    row, _ = derive(c)
    assert (row.response, row.remission) == ("response", "remission")


def test_sle_doris_remission() -> None:
    from remission.clinical.scores.sledai2k_gladman2002 import WEIGHTS

    items = {code: False for code in WEIGHTS} | {"pga": 0.2, "prednisone_mg": 5.0}
    c = course(disease="sle", scores=(ScoreFacts(d(350), "sledai2k", None, items),), follow_ups=(alive(400),))
    row, _ = derive(c)
    assert (row.response_definition, row.response) == ("doris_remission", "remission")
    c = course(disease="sle", scores=(ScoreFacts(d(350), "sledai2k", None, items | {"arthritis": True}),))
    row, _ = derive(c)
    assert row.response == "no_remission"


def test_response_outside_the_window_is_not_computable() -> None:
    c = course(
        disease="ra",
        scores=(ScoreFacts(d(-20), "das28_esr", 5.5), ScoreFacts(d(200), "das28_esr", 3.0)),
        follow_ups=(alive(400),),
    )
    row, _ = derive(c)
    assert row.response == "not_computable"


def test_ms_progression_event_is_not_a_relapse_for_cdp() -> None:
    # a progression event on day 170 must not hide the EDSS of day 180 (only relapses exclude 30 days)
    c = course(
        disease="ms",
        scores=(edss(-30, 3.0), edss(180, 4.0), edss(365, 4.0)),
        outcomes=(event("progression", 170),),
        follow_ups=(alive(400),),
    )
    row, _ = derive(c)
    assert (row.cdp, row.cdp_days, row.cdp_event) == ("progression", 180, 1)
    assert (row.cr_days, row.cr_cause) == (170, 1)


# -- work-up: the HCT-CI and performance status a prediction model uses ---------------------------------


def test_hct_ci_and_performance_come_from_the_latest_work_up_on_or_before_day_0() -> None:
    workups = (
        WorkUpFacts(d(-60), hct_ci_score=1, performance_scale="ecog", performance_score=0),
        WorkUpFacts(d(-10), hct_ci_score=3),  # a later HCT-CI without a performance status
        WorkUpFacts(d(0), performance_scale="karnofsky", performance_score=80),  # day 0 counts
        WorkUpFacts(d(5), hct_ci_score=6, performance_scale="ecog", performance_score=2),  # after: ignored
    )
    row, _ = derive(course(workups=workups, follow_ups=(alive(100),)))
    assert (row.hct_ci, row.performance_scale, row.performance_score) == (3, "karnofsky", 80)


def test_no_work_up_before_day_0_leaves_them_missing() -> None:
    row, _ = derive(course(workups=(WorkUpFacts(d(1), hct_ci_score=2),), follow_ups=(alive(100),)))
    assert (row.hct_ci, row.performance_scale, row.performance_score) == (None, "", None)
