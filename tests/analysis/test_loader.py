"""The loader and load_cohort on a small registry written through the services.

Expected values come from the courses as written here (dates chosen by hand), not from the code.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pandas as pd
import pytest

from remission.analysis import load_analysis_set, load_cohort
from remission.analysis.loader import load_courses
from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.codes import (
    CauseOfDeath,
    ConsentStatus,
    DiseaseStatus,
    OutcomeType,
    ProductSource,
    ProductType,
    Role,
    Sex,
    VitalStatus,
)
from remission.registry.models import Centre, Engraftment
from remission.synth.course import record_example_course
from tests.registry.conftest import grant, make_user

DAY_A = dt.date(2022, 3, 14)
DAY_B = dt.date(2021, 9, 1)
DAY_C = dt.date(2019, 5, 1)
DAY_D = dt.date(2018, 2, 1)


def _patient(centre: Centre, registry_id: str, birth: tuple[int, int], consent: dt.date) -> Any:
    return services.patient_register(
        actor=SYSTEM,
        centre=centre,
        sex=Sex.MALE,
        birth_year=birth[0],
        birth_month=birth[1],
        consent_status=ConsentStatus.GIVEN,
        consent_date=consent,
        registry_id=registry_id,
    )


def _infuse(patient: Any, day: dt.date, product_type: str = ProductType.AUTOLOGOUS_HSC) -> Any:
    product = services.cell_product_record(
        actor=SYSTEM, patient=patient, product_type=product_type, source=ProductSource.PERIPHERAL_BLOOD
    )
    return services.infusion_record(actor=SYSTEM, patient=patient, product=product, date=day)


def _day(day0: dt.date, n: int) -> dt.date:
    return day0 + dt.timedelta(days=n)


@pytest.fixture
def registry(db: None) -> dict[str, Any]:
    alpha = services.centre_create(actor=SYSTEM, code="alpha", name="Alpha", country="NL")
    beta = services.centre_create(actor=SYSTEM, code="beta", name="Beta", country="DE")
    rng = random.Random(3)
    # A: SSc at alpha, alive; last follow-up on day 365
    a = record_example_course(actor=SYSTEM, centre=alpha, rng=rng, day0=DAY_A, registry_id="RA-A")
    # B: SSc at beta, dies of the disease on day 365
    b = record_example_course(actor=SYSTEM, centre=beta, rng=rng, day0=DAY_B, dies=True, registry_id="RA-B")
    # C: MS at alpha, relapse on day 200, alive on day 300, dies of infection on day 500
    c = _patient(alpha, "RA-C", (1980, 6), _day(DAY_C, -90))
    services.diagnosis_record(
        actor=SYSTEM, patient=c, disease="ms", subtype="rrms", diagnosis_date=dt.date(2010, 1, 1)
    )
    infusion_c = _infuse(c, DAY_C)
    services.engraftment_record(
        actor=SYSTEM, infusion=infusion_c, neutrophil_date=_day(DAY_C, 10), platelet_date=_day(DAY_C, 13)
    )
    services.outcome_event_record(
        actor=SYSTEM, patient=c, event_type=OutcomeType.RELAPSE, date=_day(DAY_C, 200)
    )
    services.follow_up_record(
        actor=SYSTEM,
        patient=c,
        date=_day(DAY_C, 300),
        vital_status=VitalStatus.ALIVE,
        disease_status=DiseaseStatus.STABLE,
    )
    services.outcome_event_record(
        actor=SYSTEM,
        patient=c,
        event_type=OutcomeType.DEATH,
        date=_day(DAY_C, 500),
        cause_of_death=CauseOfDeath.TRM_INFECTION,
    )
    # D: an MSC infusion only, at alpha, earlier than everyone: not analysed, not an HSCT procedure
    d = _patient(alpha, "RA-D", (1970, 1), _day(DAY_D, -30))
    services.diagnosis_record(actor=SYSTEM, patient=d, disease="crohn", diagnosis_date=dt.date(2010, 1, 1))
    _infuse(d, DAY_D, ProductType.MSC)
    return {"alpha": alpha, "beta": beta, "a": a, "b": b}


def test_load_cohort_rows(registry: dict[str, Any]) -> None:
    frame = load_cohort().set_index("registry_id")
    assert sorted(frame.index) == ["RA-A", "RA-B", "RA-C"]

    a, b, c = frame.loc["RA-A"], frame.loc["RA-B"], frame.loc["RA-C"]
    assert (a["os_days"], a["os_event"], a["cr_cause"]) == (365, 0, 0)
    assert (b["os_days"], b["os_event"]) == (365, 1)
    assert (b["cr_days"], b["cr_cause"]) == (365, 1)  # death from the disease
    assert (c["os_days"], c["os_event"]) == (500, 1)
    assert (c["pfs_days"], c["pfs_event"]) == (200, 1)
    assert (c["cr_days"], c["cr_cause"]) == (200, 1)
    assert (c["neutrophil_days"], c["neutrophil_cause"]) == (10, 1)
    assert (c["platelet_days"], c["platelet_cause"]) == (13, 1)
    assert c["death_cause"] == "trm_infection"

    stored = Engraftment.objects.get(infusion=registry["a"].infusion)
    assert a["neutrophil_days"] == (stored.neutrophil_date - DAY_A).days

    assert (a["centre"], a["country"], a["disease"], a["subtype"]) == ("alpha", "NL", "ssc", "diffuse")
    assert (c["disease"], c["subtype"], c["sex"]) == ("ms", "rrms", "male")
    assert c["age"] == pytest.approx((DAY_C - dt.date(1980, 6, 15)).days / 365.25)
    assert (a["era"], c["era"]) == ("≥2020", "2010–2019")
    assert a["intensity"] == "intermediate"  # Cy 200 mg/kg + ATG: intermediate (EBMT ADWP classification)
    assert pd.isna(c["intensity"])  # no conditioning recorded: missing
    # alpha: C (2019) is before A (2022); D's MSC infusion is not an HSCT procedure
    assert (c["centre_experience"], a["centre_experience"], b["centre_experience"]) == (0, 1, 0)
    assert a["response_definition"] == "assist_response"


def test_scoping(registry: dict[str, Any]) -> None:
    dm_a, stat, nobody = make_user("dm_a"), make_user("stat"), make_user("nobody")
    grant(dm_a, Role.CENTRE_DATA_MANAGER, registry["alpha"])
    grant(stat, Role.REGISTRY_STATISTICIAN, None)
    assert sorted(load_cohort(user=dm_a)["registry_id"]) == ["RA-A", "RA-C"]
    assert sorted(load_cohort(user=stat)["registry_id"]) == ["RA-A", "RA-B", "RA-C"]
    assert load_cohort(user=nobody).empty


def test_filters_and_cutoff(registry: dict[str, Any]) -> None:
    assert list(load_cohort(disease="ms")["registry_id"]) == ["RA-C"]
    assert sorted(load_cohort(country="NL")["registry_id"]) == ["RA-A", "RA-C"]
    assert list(load_cohort(era="2010–2019")["registry_id"]) == ["RA-C"]
    # cut-off on C's day 400: the death on day 500 is not yet known; last contact is day 300
    frame = load_cohort(disease="ms", cutoff=_day(DAY_C, 400))
    row = frame.iloc[0]
    assert (row["os_days"], row["os_event"], row["cr_days"], row["cr_cause"]) == (300, 0, 200, 1)
    # the MSC patient appears when MSC infusions are analysed
    from remission.analysis import InfusionSelection

    msc = load_cohort(selection=InfusionSelection(product_types=frozenset({"msc"})))
    assert list(msc["registry_id"]) == ["RA-D"]


def test_a_handful_of_queries_whatever_the_size(
    registry: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(16):
        extract = load_courses(user=SYSTEM)
    assert len(extract.courses) == 4
    analysis = load_analysis_set()
    assert analysis.findings.empty and analysis.excluded == ()


def test_database_url_cannot_switch_a_running_django() -> None:
    from remission.settings.startup import OTHER_DATABASE

    with pytest.raises(RuntimeError) as caught:
        load_cohort(database_url="postgres://someone@elsewhere.invalid:5432/another_registry")
    assert str(caught.value).startswith(OTHER_DATABASE.split("{")[0])


def test_table1_and_outcomes_run_on_the_loaded_cohort(registry: dict[str, Any]) -> None:
    from remission.analysis.outcomes import standard_outcomes
    from remission.analysis.table1 import table1

    frame = load_cohort()
    t = table1(frame, by="disease")
    n_row = t[t["variable"] == "n"].iloc[0]
    assert (n_row["overall"], n_row["ms"], n_row["ssc"]) == ("3", "1", "2")
    result = standard_outcomes(frame, per_disease=False)
    os_1y = result.estimates[
        (result.estimates["endpoint"] == "OS") & (result.estimates["timepoint"] == "1 year")
    ]
    # deaths: B on day 365 (of 3 at risk) → S(365.25) = 2/3; C dies on day 500, later
    assert os_1y["estimate"].item() == pytest.approx(2 / 3)
    assert result.patients_per_centre_year["n"].sum() == 3


def test_the_flow_counts_infusions_after_the_cut_off(registry: dict[str, Any]) -> None:
    # cut-off between C (2019) and B (2021): A and B are infused after it, D had MSC only
    analysis_set = load_analysis_set(cutoff=dt.date(2020, 1, 1))
    flow = analysis_set.flow
    assert flow is not None
    assert flow.in_registry == 4
    assert flow.count("infused_after_cutoff") == 2
    assert flow.count("other_product") == 1
    assert flow.count("no_infusion") == 0
    assert flow.analysed == 1
    assert list(analysis_set.frame["registry_id"]) == ["RA-C"]
