"""Columnar endpoint derivation (issue 21) against the per-patient derivation, its oracle.

``derive_columns`` on the columns ``read_registry_columns`` reads must give, patient by patient, every
column of ``load_courses`` + ``derive_endpoints`` (values and dtypes; NaN/NaT/None equal), the same
findings in the same order, ``excluded`` and ``left_out``: on a synthetic registry under several settings,
and on hand-built edge cases (contradictory records, several infusions, death on day 0, no follow-up, no
infusion, an infusion after the cut-off) under several settings. The response columns
(:data:`RESPONSE_COLUMNS`: part columnar, part per patient, see the module docstring of ``columnar``) are
compared as every other column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest

from remission.analysis.columns import read_registry_columns
from remission.analysis.endpoints import COLUMNS, EndpointSettings, InfusionSelection, derive_endpoints
from remission.analysis.endpoints.columnar import (
    COLUMNAR_COLUMNS,
    RESPONSE_COLUMNS,
    ColumnarEndpoints,
    derive_columns,
)
from remission.analysis.loader import load_courses
from remission.clinical.settings_scores import AssistSettings, CdpSettings, NedaSettings
from remission.registry import models as m
from remission.registry.access import SYSTEM
from remission.registry.codes import Role
from remission.synth import bulk
from tests.registry.conftest import grant, make_user

pytestmark = pytest.mark.django_db

SEED = 29
PATIENTS = 250
DAY0 = dt.date(2018, 3, 1)
CUTOFF = dt.date(2019, 6, 30)


def test_every_column_is_columnar_or_listed_as_per_patient() -> None:
    assert set(COLUMNAR_COLUMNS) | set(RESPONSE_COLUMNS) == set(COLUMNS)
    assert not set(COLUMNAR_COLUMNS) & set(RESPONSE_COLUMNS)


def _same(a: Any, b: Any) -> bool:
    """Equal values, or both missing (None, NaN, NaT, pd.NA); the column's dtype is compared apart."""
    if pd.isna(a) or pd.isna(b):
        return bool(pd.isna(a) and pd.isna(b))
    return bool(a == b)


def assert_same_as_oracle(user: Any, **options: Any) -> ColumnarEndpoints:
    """derive_columns equals load_courses + derive_endpoints, column by column and patient by patient."""
    cutoff = options.get("cutoff")
    oracle = derive_endpoints(load_courses(user=user, cutoff=cutoff).courses, **options)
    expected = oracle.to_frame()
    got = derive_columns(read_registry_columns(user, cutoff), **options)
    frame = got.frame
    assert list(frame.columns) == list(COLUMNS)
    assert list(frame["registry_id"]) == list(expected["registry_id"])
    for name in COLUMNS:
        assert frame[name].dtype == expected[name].dtype, name
        differ = [
            (rid, x, y)
            for rid, x, y in zip(expected["registry_id"], frame[name], expected[name], strict=True)
            if not _same(x, y)
        ]
        assert not differ, (
            f"{name}: {len(differ)} patients differ (registry id, columnar, oracle): {differ[:5]}"
        )
    assert got.findings == oracle.findings
    assert got.excluded == oracle.excluded
    assert got.left_out == oracle.left_out
    return got


# -- a synthetic registry ----------------------------------------------------------------------------------


@pytest.fixture
def synthetic(db: None) -> None:
    bulk.bulk_load(seed=SEED, count=PATIENTS, validate="none", audit="patient")


CDP3 = CdpSettings(confirmation_days=90, relapse_exclusion_days=60)


def _response_settings(cdp: CdpSettings, neda: NedaSettings | None = None) -> EndpointSettings:
    """Settings that move every response definition's windows (and the CDP, NEDA-3 with it unless given)."""
    return EndpointSettings(
        baseline_lookback_days=60,
        response_timepoint_days=300,
        response_window_days=150,
        cdp=cdp,
        neda=neda or NedaSettings(mri_rebaseline_days=90, cdp=cdp),
        assist=AssistSettings(
            mrss_min_baseline=None, fvc_rise_relative=False, timepoint_days=300, window_days=150
        ),
    )


SETTINGS: dict[str, dict[str, Any]] = {
    "default": {},
    "cutoff": {"cutoff": dt.date(2016, 12, 31)},
    "any product, second infusion": {"selection": InfusionSelection(sequence=2, product_types=None)},
    "first infusion of any product": {"selection": InfusionSelection(sequence=1, product_types=None)},
    "censor at next infusion, no relapse from status": {
        "settings": EndpointSettings(censor_at_next_infusion=True, relapse_from_follow_up_status=False)
    },
    "response windows, CDP3": {"settings": _response_settings(CdpSettings(confirmation_days=90))},
    "NEDA-3 with its own CDP (per patient)": {
        "settings": _response_settings(CdpSettings(), NedaSettings(mri_rebaseline_days=180, cdp=CDP3))
    },
}


@pytest.mark.parametrize("name", list(SETTINGS))
def test_synthetic_registry_patient_by_patient(synthetic: None, name: str) -> None:
    got = assert_same_as_oracle(SYSTEM, **SETTINGS[name])
    if name == "default":
        assert len(got.frame) > PATIENTS // 2  # the comparison is not over an empty frame
        assert got.frame["os_event"].sum() > 0


def test_synthetic_registry_read_by_a_centre_user(synthetic: None) -> None:
    centre = m.Centre.objects.filter(patients__isnull=False).order_by("code").first()
    user = make_user("centre-reader")
    grant(user, Role.CENTRE_VIEWER, centre)
    got = assert_same_as_oracle(user)
    assert 0 < len(got.frame) < PATIENTS
    assert set(got.frame["centre"]) == {centre.code}


# -- hand-built edge cases ---------------------------------------------------------------------------------


def _day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


class _Registry:
    """Writes records straight through the models (contradictory records included: the services refuse
    some of them, and the registry can hold them from imports)."""

    def __init__(self) -> None:
        self.centre = m.Centre.objects.create(code="edge", name="Edge", country="NL")

    def patient(self, rid: str, disease: str = "ssc") -> m.Patient:
        patient = m.Patient.objects.create(
            registry_id=rid,
            centre=self.centre,
            sex="female",
            birth_year=1975,
            birth_month=5,
            consent_status="not_asked",
        )
        m.Diagnosis.objects.create(patient=patient, disease=disease, diagnosis_date=dt.date(2010, 1, 1))
        return patient

    def infuse(
        self, patient: m.Patient, day: int, sequence: int = 1, product: str = "auto_hsc"
    ) -> m.Infusion:
        cells = m.CellProduct.objects.create(patient=patient, product_type=product, source="pb")
        return m.Infusion.objects.create(patient=patient, product=cells, date=_day(day), sequence=sequence)

    def engraft(
        self, infusion: m.Infusion, neutrophil: int | None, platelet: int | None, **flags: bool
    ) -> None:
        m.Engraftment.objects.create(
            patient=infusion.patient,
            infusion=infusion,
            neutrophil_date=None if neutrophil is None else _day(neutrophil),
            platelet_date=None if platelet is None else _day(platelet),
            **flags,
        )

    def follow_up(self, patient: m.Patient, day: int, vital: str = "alive", status: str = "stable") -> None:
        m.FollowUp.objects.create(patient=patient, date=_day(day), vital_status=vital, disease_status=status)

    def event(self, patient: m.Patient, kind: str, day: int, cause: str = "") -> None:
        m.OutcomeEvent.objects.create(patient=patient, event_type=kind, date=_day(day), cause_of_death=cause)

    def lab(self, patient: m.Patient, day: int) -> None:
        m.LabResult.objects.create(patient=patient, date=_day(day), analyte="cd4", value=300, unit="cells/uL")

    def adverse(
        self, patient: m.Patient, day: int, category: str = "infection", resolved: int | None = None
    ) -> None:
        m.AdverseEvent.objects.create(
            patient=patient,
            term="event",
            category=category,
            grade=2,
            onset_date=_day(day),
            resolution_date=None if resolved is None else _day(resolved),
        )

    def score(self, patient: m.Patient, day: int, instrument: str, score: float | None, **more: Any) -> None:
        m.Assessment.objects.create(
            patient=patient, date=_day(day), instrument=instrument, score=score, **more
        )

    def mri(self, patient: m.Patient, day: int, **counts: Any) -> None:
        self.score(patient, day, "mri_brain", None, items=counts)

    def workup(self, patient: m.Patient, day: int, **values: Any) -> None:
        m.WorkUp.objects.create(patient=patient, date=_day(day), **values)


@pytest.fixture
def edge_cases(db: None) -> None:
    r = _Registry()
    # relapse after death (ignored), treatment-related death: NRM and TRM
    p = r.patient("E01-after-death")
    r.engraft(r.infuse(p, 0), 11, 400)  # platelets after the death: death competes
    r.follow_up(p, 50)
    r.event(p, "death", 100, "trm_infection")
    r.event(p, "relapse", 150)
    r.lab(p, 160)
    r.score(p, 170, "mrss", 12)
    r.score(p, 120, "mrss", 14)
    # follow-up after death reporting alive, and one reporting death before the death event
    p = r.patient("E02-alive-after-dead")
    r.infuse(p, 0)
    r.follow_up(p, 80, "dead")
    r.event(p, "death", 90, "disease")
    r.follow_up(p, 200, "alive")
    r.adverse(p, 95, resolved=120)
    # death before the infusion: left out, excluded
    p = r.patient("E03-died-before-day0")
    r.infuse(p, 0)
    r.event(p, "death", -5, "unrelated")
    r.follow_up(p, 30)
    # several infusions, out of order; MSC first, autologous second
    p = r.patient("E04-three-infusions")
    r.infuse(p, 0, 1, "msc")
    second = r.infuse(p, 60, 2)
    r.infuse(p, 40, 3)  # before infusion 2
    r.engraft(second, 72, None, platelets_never_below_20=True)
    r.follow_up(p, 300)
    r.event(p, "progression", 200)
    p = r.patient("E05-two-autologous")
    r.infuse(p, 0, 1)
    r.infuse(p, 180, 2)
    r.follow_up(p, 100)
    r.follow_up(p, 500, status="relapse")
    r.event(p, "malignancy", 400)
    # death on day 0
    p = r.patient("E06-death-day-0")
    r.engraft(r.infuse(p, 0), None, None, graft_failure=False)
    r.event(p, "death", 0, "trm_organ_toxicity")
    # no follow-up at all, a work-up before day 0
    p = r.patient("E07-no-follow-up")
    r.infuse(p, 0)
    r.workup(p, -20, hct_ci_score=3, performance_scale="karnofsky", performance_score=90)
    r.workup(p, -10, performance_scale="ecog", performance_score=1)
    r.workup(p, 5, hct_ci_score=7)
    # no infusion; CAR-T only
    r.follow_up(r.patient("E08-no-infusion"), 10)
    r.infuse(r.patient("E09-car-t"), 0, 1, "car_t")
    # infusion after the cut-off (left out with the cut-off), records after the cut-off
    p = r.patient("E10-infused-late")
    r.infuse(p, (CUTOFF - DAY0).days + 30)
    p = r.patient("E11-records-late")
    r.infuse(p, 0)
    r.follow_up(p, 100)
    r.follow_up(p, (CUTOFF - DAY0).days + 40)
    r.event(p, "death", (CUTOFF - DAY0).days + 50, "unrelated")
    # dead on a follow-up without a death event; engraftment before the infusion
    p = r.patient("E12-dead-no-event")
    r.engraft(r.infuse(p, 0), -3, 20)
    r.follow_up(p, 40)
    r.follow_up(p, 300, "dead")
    # relapse and death on the same day; secondary autoimmunity from an adverse event; events before day 0
    p = r.patient("E13-relapse-dies", disease="ms")
    r.infuse(p, 0)
    r.event(p, "relapse", -40)
    r.follow_up(p, -10)
    r.adverse(p, 30, category="secondary_autoimmunity")
    r.event(p, "secondary_autoimmune", 90)
    r.event(p, "relapse", 250)
    r.event(p, "death", 250, "trm_infection")
    r.score(p, -30, "edss", 3.0)
    r.score(p, 200, "edss", 4.5)
    # follow-up with vital status unknown is no contact; relapse from follow-up status
    p = r.patient("E14-unknown-vital")
    r.infuse(p, 0)
    r.follow_up(p, 100)
    r.follow_up(p, 400, "unknown", "progression")
    # MS: NEDA-3 met (quiet MRI, no confirmed EDSS rise)
    p = r.patient("E15-ms-neda", disease="ms")
    r.infuse(p, 0)
    for day, edss in ((-30, 3.0), (100, 3.0), (200, 3.5), (400, 3.0)):
        r.score(p, day, "edss", edss)
    r.mri(p, 150, new_or_enlarging_t2=0, gd_enhancing=0)
    r.follow_up(p, 450)
    # MS: MRI activity on day 200, a later scan without the Gd count
    p = r.patient("E16-ms-mri-active", disease="ms")
    r.infuse(p, 0)
    for day, edss in ((-10, 2.0), (100, 2.0), (300, 2.0)):
        r.score(p, day, "edss", edss)
    r.mri(p, 200, new_or_enlarging_t2=2, gd_enhancing=0)
    r.mri(p, 300, new_or_enlarging_t2=0)
    r.follow_up(p, 400)
    # MS: an EDSS that is not an EDSS step and a negative lesion count (response_input_invalid)
    p = r.patient("E17-ms-invalid", disease="ms")
    r.infuse(p, 0)
    r.score(p, -10, "edss", 3.3)
    r.score(p, 100, "edss", 3.5)
    r.mri(p, 120, new_or_enlarging_t2=-1, gd_enhancing=0)
    r.follow_up(p, 200)
    # MS: a rise within 30 days after a relapse is not used; a rating during a relapse is left out;
    # progression from day 200 confirmed on day 400
    p = r.patient("E18-ms-progression", disease="ms")
    r.infuse(p, 0)
    r.event(p, "relapse", 100)
    for day, edss in ((-10, 2.0), (110, 4.0), (200, 3.5), (300, 3.0), (400, 3.5)):
        r.score(p, day, "edss", edss)
    r.score(p, 250, "edss", 1.0, during_relapse=True)
    r.follow_up(p, 500)
    # MS: a rise held to the last rating but not yet confirmed
    p = r.patient("E19-ms-unconfirmed", disease="ms")
    r.infuse(p, 0)
    for day, edss in ((-10, 1.0), (100, 2.0), (150, 2.5)):
        r.score(p, day, "edss", edss)
    r.follow_up(p, 200)
    # SSc: mRSS fall of 10 % and an FVC rise of exactly 10 %: no response
    p = r.patient("E20-ssc-no-response")
    r.infuse(p, 0)
    r.score(p, -10, "mrss", 20)
    r.score(p, 365, "mrss", 18)
    r.workup(p, -20, fvc_pct=80)
    r.score(p, 360, "fvc_pct", 88)
    r.follow_up(p, 400)
    # SSc: baseline mRSS 10 (criterion not applicable), two follow-up ratings equally near day 365, no FVC
    p = r.patient("E21-ssc-mrss-n-a")
    r.infuse(p, 0)
    r.score(p, -10, "mrss", 10)
    r.score(p, 430, "mrss", 5)
    r.score(p, 300, "mrss", 6)
    r.follow_up(p, 500)
    # Crohn's disease: two CDAI values equally near day 365 (the earlier counts)
    p = r.patient("E22-crohn", disease="crohn")
    r.infuse(p, 0)
    for day, cdai in ((-30, 300), (370, 180), (360, 140)):
        r.score(p, day, "cdai_crohn", cdai)
    # RA: a DAS28-ESR out of range (response_input_invalid); DAS28-CRP not used once ESR has both values
    p = r.patient("E23-ra-invalid", disease="ra")
    r.infuse(p, 0)
    r.score(p, -10, "das28_esr", 6.0)
    r.score(p, 365, "das28_esr", 12.0)
    r.score(p, -10, "das28_crp", 6.0)
    r.score(p, 365, "das28_crp", 2.0)
    # follow-ups reporting death on and after the death event's day (no contradiction), neutrophils on the
    # day of death
    p = r.patient("E24-dead-follow-ups")
    r.engraft(r.infuse(p, 0), 150, None)
    r.event(p, "death", 150, "trm_infection")
    r.follow_up(p, 200, "dead")
    r.follow_up(p, 150, "dead")
    # ties after the death: two alive follow-ups on one day, an mRSS and an MRI on the latest day (the
    # mRSS is read first), secondary autoimmunity and a lab result after the death, a lab before day 0
    p = r.patient("E25-ties-after-death")
    r.infuse(p, 0)
    r.event(p, "death", 100, "trm_other")
    r.follow_up(p, 120)
    r.follow_up(p, 120)
    r.mri(p, 300, new_or_enlarging_t2=0, gd_enhancing=0)
    r.score(p, 300, "mrss", 9)
    r.score(p, 200, "mrss", 9)
    r.adverse(p, 130, category="secondary_autoimmunity")
    r.lab(p, -20)
    r.lab(p, 140)


EDGE_SETTINGS: dict[str, dict[str, Any]] = {
    "default": {},
    "cutoff": {"cutoff": CUTOFF},
    "first infusion of any product": {"selection": InfusionSelection(sequence=1, product_types=None)},
    "second infusion": {"selection": InfusionSelection(sequence=2)},
    "censor at next infusion": {"settings": EndpointSettings(censor_at_next_infusion=True)},
    "no relapse from status": {"settings": EndpointSettings(relapse_from_follow_up_status=False)},
    "response windows, CDP3": {"settings": _response_settings(CDP3)},
    "NEDA-3 with its own CDP": {"settings": _response_settings(CdpSettings(), NedaSettings(cdp=CDP3))},
}


@pytest.mark.parametrize("name", list(EDGE_SETTINGS))
def test_edge_cases_match_the_oracle(edge_cases: None, name: str) -> None:
    assert_same_as_oracle(SYSTEM, **EDGE_SETTINGS[name])


def test_edge_cases_hold_what_they_are_built_for(edge_cases: None) -> None:
    """The edge cases exercise the rules (values known from the records written above, not the code)."""
    got = derive_columns(read_registry_columns(SYSTEM, CUTOFF), cutoff=CUTOFF)
    rows = got.frame.set_index("registry_id")
    e1 = rows.loc["E01-after-death"]
    assert (e1["cr_days"], e1["cr_cause"], e1["trm_cause"], e1["os_days"]) == (100, 2, 1, 100)
    assert (e1["platelet_days"], e1["platelet_cause"]) == (100, 2)
    e6 = rows.loc["E06-death-day-0"]
    assert (e6["os_days"], e6["os_event"], e6["neutrophil_cause"]) == (0, 1, 2)
    assert rows.loc["E04-three-infusions", "sequence"] == 2
    assert pd.isna(rows.loc["E04-three-infusions", "platelet_days"])
    e7 = rows.loc["E07-no-follow-up"]
    assert (e7["os_days"], e7["hct_ci"], e7["performance_scale"], e7["performance_score"]) == (
        0,
        3,
        "ecog",
        1,
    )
    e11 = rows.loc["E11-records-late"]
    assert (e11["os_days"], e11["os_event"]) == (100, 0)
    e12 = rows.loc["E12-dead-no-event"]
    assert (e12["os_days"], e12["death_cause"]) == (300, "unknown")
    assert pd.isna(e12["neutrophil_days"]) and e12["platelet_days"] == 20
    e13 = rows.loc["E13-relapse-dies"]
    assert (e13["cr_days"], e13["cr_cause"], e13["sad_days"], e13["sad_cause"]) == (250, 1, 30, 1)
    e14 = rows.loc["E14-unknown-vital"]
    assert (e14["os_days"], e14["cr_days"], e14["cr_cause"]) == (100, 400, 1)
    assert (rows.loc["E15-ms-neda", "neda3"], rows.loc["E15-ms-neda", "cdp"]) == ("neda", "no_progression")
    e16 = rows.loc["E16-ms-mri-active"]
    assert (e16["neda3"], e16["response_date"]) == ("evidence_of_activity", pd.Timestamp(_day(200)))
    e18 = rows.loc["E18-ms-progression"]
    assert (e18["cdp"], e18["cdp_days"], e18["cdp_event"]) == ("progression", 200, 1)
    assert (e18["neda3"], e18["response_date"]) == ("evidence_of_activity", pd.Timestamp(_day(100)))
    e19 = rows.loc["E19-ms-unconfirmed"]
    assert (e19["cdp"], e19["cdp_days"], e19["cdp_event"]) == ("unconfirmed", 150, 0)
    assert rows.loc["E17-ms-invalid", "cdp"] == "not_computable"
    e20 = rows.loc["E20-ssc-no-response"]
    assert (e20["response"], e20["response_date"]) == ("no_response", pd.Timestamp(_day(365)))
    e21 = rows.loc["E21-ssc-mrss-n-a"]
    assert (e21["response"], e21["response_date"]) == ("not_computable", pd.Timestamp(_day(300)))
    invalid = [(f.registry_id, f.message) for f in got.findings if f.rule == "response_input_invalid"]
    assert {rid for rid, _ in invalid} == {"E17-ms-invalid", "E23-ra-invalid"}
    assert any(rid == "E23-ra-invalid" and message.startswith("EULAR response") for rid, message in invalid)
    e22 = rows.loc["E22-crohn"]
    assert (e22["response_date"], e22["remission_definition"]) == (pd.Timestamp(_day(360)), "cdai_remission")
    e24 = rows.loc["E24-dead-follow-ups"]
    assert (e24["os_days"], e24["death_cause"], e24["cr_cause"], e24["trm_cause"]) == (
        150,
        "trm_infection",
        2,
        1,
    )
    assert (e24["neutrophil_days"], e24["neutrophil_cause"]) == (150, 1)
    e25 = [f.message for f in got.findings if f.registry_id == "E25-ties-after-death"]
    assert len(e25) == 5  # two follow-ups, the adverse event's onset, the latest lab, the latest score
    assert any(message.startswith("mrss assessment on") for message in e25)
    e23 = rows.loc["E23-ra-invalid"]
    assert (e23["response"], e23["response_date"]) == ("not_computable", pd.Timestamp(_day(365)))
    assert {x.registry_id: x.rule for x in got.left_out} == {
        "E03-died-before-day0": "death_before_infusion",
        "E08-no-infusion": "no_infusion",
        "E09-car-t": "other_product",
        "E10-infused-late": "infused_after_cutoff",
    }
    assert got.excluded == ("E03-died-before-day0",)
    rules = {(f.registry_id, f.rule) for f in got.findings}
    assert {
        ("E01-after-death", "date_not_after_death"),  # relapse, lab, score, platelets
        ("E02-alive-after-dead", "alive_not_after_death"),
        ("E02-alive-after-dead", "death_not_after_dead_follow_up"),
        ("E04-three-infusions", "infusion_order"),
        ("E12-dead-no-event", "dead_without_death_event"),
        ("E12-dead-no-event", "infusion_before_engraftment"),
        ("E13-relapse-dies", "event_before_infusion"),
        ("E13-relapse-dies", "follow_up_before_infusion"),
    } <= rules
    after_death = [f.message for f in got.findings if f.registry_id == "E01-after-death"]
    assert len(after_death) == 4  # the relapse, the lab result, the latest of two scores, the platelets
    assert any("mrss assessment on 2018-08-18" in message for message in after_death)


def test_empty_registry(db: None) -> None:
    got = assert_same_as_oracle(SYSTEM)
    assert got.frame.empty and not got.left_out


def test_frame_dtypes_do_not_depend_on_the_data(edge_cases: None) -> None:
    got = derive_columns(read_registry_columns(SYSTEM, None))
    assert got.frame["age"].dtype == np.float64
    assert str(got.frame["graft_failure"].dtype) == "boolean"
