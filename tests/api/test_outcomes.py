"""GET /api/outcomes: the report's numbers for the cohort the user may read, scoped, cached, no registry ID.

The registry: the two-centre world of the registry tests (one living SSc patient per centre) and six more
example courses, each followed for 365 days (the last contact, or a death, on day 365):

==========  =========  ==========  ======
centre      disease    patients    deaths
==========  =========  ==========  ======
alpha       SSc        4           1
beta        SSc        1           0
beta        MS         3           2
==========  =========  ==========  ======

So the Kaplan-Meier OS at 1 year (365.25 days) is, by hand: alpha 3/4, beta 2/4, every centre 5/8; by
disease (every centre) SSc 4/5 and MS 1/3; and 1 at 100 days everywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from remission.registry.services.tokens import token_create
from remission.synth.course import record_example_course
from tests.registry.conftest import World, build_world, reload

EXTRA_COURSES = (  # centre, disease, dies, day 0
    ("a", "ssc", True, dt.date(2022, 5, 2)),
    ("a", "ssc", False, dt.date(2022, 8, 15)),
    ("a", "ssc", False, dt.date(2023, 1, 9)),
    ("b", "ms", True, dt.date(2021, 11, 22)),
    ("b", "ms", True, dt.date(2022, 2, 7)),
    ("b", "ms", False, dt.date(2022, 6, 20)),
)


@pytest.fixture(scope="module")
def cohort_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock():
        world = build_world()
        rng = random.Random(11)
        for centre, disease, dies, day0 in EXTRA_COURSES:
            record_example_course(
                actor=world.users[f"dm_{centre}"],
                centre=world.centre_a if centre == "a" else world.centre_b,
                rng=rng,
                day0=day0,
                disease=disease,
                dies=dies,
            )
    yield world
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def registry(cohort_world: World, db: None) -> World:
    return reload(cohort_world)


def get(registry: World, username: str, **params: Any) -> Any:
    raw = token_create(actor=registry.users[username], name="outcomes")[1]
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/outcomes", params)


def os_at(body: dict[str, Any], timepoint: str, group: str = "all") -> float:
    (row,) = [
        r
        for r in body["estimates"]
        if (r["stratum"], r["group"], r["endpoint"], r["timepoint"]) == ("all", group, "OS", timepoint)
    ]
    return row["estimate"]


@pytest.mark.parametrize(
    ("username", "n", "os_1y"),
    [("dm_a", 4, 3 / 4), ("viewer_a", 4, 3 / 4), ("dm_b", 4, 2 / 4), ("stat", 8, 5 / 8), ("admin", 8, 5 / 8)],
)
def test_each_user_gets_the_estimates_of_the_centres_they_read(
    registry: World, username: str, n: int, os_1y: float
) -> None:
    response = get(registry, username, by="none")
    body = response.json()
    assert response.status_code == 200, body
    assert body["n_patients"] == n and body["empty"] == ""
    assert os_at(body, "1 year") == pytest.approx(os_1y)
    assert os_at(body, "100 days") == pytest.approx(1.0)
    assert {r["group"] for r in body["estimates"]} == {"all"} and body["tests"] == []


def test_groups_below_the_minimum_size_are_not_compared(registry: World) -> None:
    # SSc 5 and MS 3 patients: both below the 10 of remission.analysis.groups, so neither is estimated
    # as a group nor tested (issue 22: tests, curves and tables use the same groups)
    body = get(registry, "stat", by="disease").json()
    assert {r["group"] for r in body["estimates"]} == {"all"}
    assert body["tests"] == []
    assert any("fewer than two disease groups of at least 10 patients" in note for note in body["notes"])
    # each disease on its own (a filter) still gives the numbers by hand
    assert os_at(get(registry, "stat", disease="ssc").json(), "1 year") == pytest.approx(4 / 5)
    assert os_at(get(registry, "stat", disease="ms").json(), "1 year") == pytest.approx(1 / 3)


def test_the_patient_flow_accounts_for_every_patient_you_may_read(registry: World) -> None:
    body = get(registry, "stat", disease="ms").json()
    stages = [(row["stage"], row["rule"], row["n"]) for row in body["flow"]]
    assert stages[0] == ("registry", "registry", 8)  # 4 + 1 + 3 patients (module docstring)
    assert ("left out", "filter_disease", 5) in stages  # the 5 SSc patients
    assert stages[-1] == ("analysed", "analysed", 3)
    assert sum(n for stage, _, n in stages if stage == "left out") == body["n_excluded"] == 5
    assert body["n_patients"] == 3
    assert get(registry, "dm_a").json()["flow"][0]["n"] == 4  # a centre reads its own patients


def test_the_numbers_are_the_outcomes_reports(registry: World) -> None:
    """The same cohort read and analysed step by step (load_analysis_set, standard_outcomes) gives the same
    tables."""
    from remission.analysis import Cohort, load_analysis_set
    from remission.analysis.flow import CUTOFF_EXTRACTION, data_cut_off
    from remission.analysis.outcomes import MODEL_COLUMNS, standard_outcomes
    from remission.api.outcomes import ESTIMATE_COLUMNS, TEST_COLUMNS, records

    user = registry.users["stat"]
    cutoff = data_cut_off(None, extracted=dt.date.today())  # the API's default: the date of extraction
    analysis_set = load_analysis_set(user=user, cohort=Cohort(sex="female"), cutoff=cutoff)
    report = standard_outcomes(analysis_set.frame, by="disease", cutoff=analysis_set.cutoff)
    body = get(registry, "stat", sex="female", by="disease", models="true").json()
    assert body["n_patients"] == len(analysis_set.frame)
    assert body["cutoff"] == report.cutoff.isoformat() == dt.date.today().isoformat()
    assert body["cutoff_rule"] == CUTOFF_EXTRACTION and body["cutoff_is_latest_contact"] is False
    assert body["estimates"] == records(report.estimates, ESTIMATE_COLUMNS)
    assert body["tests"] == records(report.tests, TEST_COLUMNS)
    assert body["models"] == records(report.models, MODEL_COLUMNS)
    assert body["notes"] == [str(note) for note in report.notes]  # English: no language is active here
    assert body["filters"] == {"sex": "female"}


def test_models_only_on_request(registry: World) -> None:
    assert get(registry, "stat").json()["models"] is None
    assert isinstance(get(registry, "stat", models="true").json()["models"], list)


def test_no_registry_id_in_the_answer(registry: World) -> None:
    from remission.registry.models import Patient

    text = get(registry, "stat", models="true").content.decode()
    ids = list(Patient.objects.values_list("registry_id", flat=True))
    assert len(ids) == 8 and not [i for i in ids if i in text]


def test_a_centre_filter_outside_your_centres_is_refused(registry: World) -> None:
    response = get(registry, "dm_a", centre=registry.centre_b.code)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("centre", "known_code")
    assert get(registry, "stat", centre=registry.centre_b.code).json()["n_patients"] == 4


def test_an_unknown_disease_is_refused_naming_field_and_rule(registry: World) -> None:
    response = get(registry, "stat", disease="flu")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "disease" and error["rule"] == "literal_error"


def test_infusion_dates_out_of_order_are_refused(registry: World) -> None:
    response = get(registry, "stat", infusion_from="2023-01-01", infusion_to="2022-01-01")
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("infusion_to", "date_order")


@pytest.mark.parametrize("username", ["nobody", "former_a"])
def test_an_empty_cohort_says_so(registry: World, username: str) -> None:
    response = get(registry, username)
    body = response.json()
    assert response.status_code == 200
    assert body["n_patients"] == 0 and body["empty"] and body["estimates"] == []


def test_a_filter_that_matches_nobody_says_so(registry: World) -> None:
    body = get(registry, "stat", disease="sle").json()
    assert body["n_patients"] == 0 and "No patient" in body["empty"]


def test_answers_are_cached_per_scope_and_refreshed_on_request(registry: World) -> None:
    first = get(registry, "dm_a").json()
    assert get(registry, "dm_a").json()["computed_at"] == first["computed_at"]
    assert get(registry, "dm_b").json()["n_patients"] == 4  # another scope: not dm_a's answer
    refreshed = get(registry, "dm_a", refresh="true").json()
    assert refreshed["computed_at"] != first["computed_at"]
    assert refreshed["estimates"] == first["estimates"]


def test_without_a_token_it_is_401(registry: World) -> None:
    response = Client().get("/api/outcomes")
    assert response.status_code == 401 and json.loads(response.content)["errors"]


def test_the_route_is_in_the_openapi_document(registry: World) -> None:
    document = Client().get("/api/openapi.json").json()
    operation = document["paths"]["/api/outcomes"]["get"]
    assert operation["operationId"] == "cohort_outcomes"
    names = {p["name"] for p in operation["parameters"]}
    assert names >= {"disease", "centre", "sex", "intensity", "product_type", "infusion_from", "by"}
