"""GET /api/quality/completeness and the benchmark CSV: centre gamma worked by hand
(tests/analysis/test_centre_completeness.py); centre isolation; the CSV download audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from remission.analysis.centre_completeness import BENCHMARK_ENTITY
from remission.registry.models import AuditRecord
from remission.registry.services.tokens import token_create
from tests.registry.conftest import World
from tests.registry.quality.completeness_world import build_gamma

pytestmark = pytest.mark.django_db

URL = "/api/quality/completeness"


@pytest.fixture
def gamma(world: World) -> dict[str, Any]:
    return build_gamma()


def _headers(user: Any) -> dict[str, str]:
    _, raw = token_create(actor=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_centre_gets_its_own_numbers(gamma: dict[str, Any]) -> None:
    body = Client().get(URL, {"cutoff": "2024-12-31"}, **_headers(gamma["dm"])).json()
    assert [c["centre"] for c in body["centres"]] == ["gamma"]
    g = body["centres"][0]
    assert (g["patients"], g["observed_person_days"], g["potential_person_days"], g["deaths"]) == (
        3,
        342,
        891,
        1,
    )
    assert g["clark_c"] == pytest.approx(342 / 891)
    assert (g["forms_expected"], g["forms_received_in_window"]) == (3, 2)
    assert (g["open_queries"], g["median_query_age_days"]) == (4, 7.5)
    years = {r["year"]: r for r in body["by_year"]}
    assert (years[2023]["observed_person_days"], years[2023]["potential_person_days"]) == (181, 730)
    assert years[2024]["forms_in_window"] is None  # no form expected yet: undefined, not 0
    assert body["overall"]["centre"] == "" and body["cutoff"] == "2024-12-31"
    first = body["most_missing"][0]  # 3 of 3 cell products without CD34+ dose (ranked by share, then name)
    assert (first["entity"], first["field"], first["records"], first["empty"]) == (
        "registry.cellproduct",
        "cd34_dose_per_kg",
        3,
        3,
    )


def test_another_centre_is_refused_and_the_period_checked(gamma: dict[str, Any]) -> None:
    headers = _headers(gamma["dm"])
    refused = Client().get(URL, {"centre": "alpha"}, **headers)
    assert refused.status_code == 422 and "alpha" in refused.json()["errors"][0]["message"]
    wrong = Client().get(URL, {"first_year": 2024, "last_year": 2023}, **headers)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "last_year"
    narrowed = Client().get(URL, {"cutoff": "2024-12-31", "first_year": 2024}, **headers).json()
    assert narrowed["centres"][0]["potential_person_days"] == 161


def test_registry_roles_read_every_centre(world: World, gamma: dict[str, Any], token_for: Callable) -> None:
    body = Client().get(URL, {"cutoff": "2024-12-31"}, **token_for("stat")).json()
    assert [c["centre"] for c in body["centres"]] == ["alpha", "beta", "gamma"]
    one = Client().get(URL, {"cutoff": "2024-12-31", "centre": "gamma"}, **token_for("stat")).json()
    assert [c["centre"] for c in one["centres"]] == ["gamma"]


def test_the_csv_is_audited(gamma: dict[str, Any], token_for: Callable) -> None:
    before = AuditRecord.objects.filter(entity=BENCHMARK_ENTITY).count()
    response = Client().get(URL + ".csv", {"cutoff": "2024-12-31"}, **token_for("stat"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith(
        "centre,patients,clark_c,forms_in_window_pct,open_queries,median_query_age_days"
    )
    assert lines[3].startswith("gamma,3,0.384,66.7,4,7.5,")
    audit = AuditRecord.objects.filter(entity=BENCHMARK_ENTITY).order_by("-pk").first()
    assert AuditRecord.objects.filter(entity=BENCHMARK_ENTITY).count() == before + 1
    assert audit.reason == "API GET /quality/completeness.csv"
