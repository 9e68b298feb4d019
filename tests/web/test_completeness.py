"""The Completeness page and its CSV download: a centre sees its own row, registry roles every centre's;
the numbers are those of centre gamma worked by hand (tests/analysis/test_centre_completeness.py)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from remission.analysis.centre_completeness import BENCHMARK_ENTITY
from remission.registry.models import AuditRecord
from tests.registry.conftest import World
from tests.registry.quality.completeness_world import build_gamma

pytestmark = pytest.mark.django_db

GAMMA = "?cutoff=2024-12-31"


@pytest.fixture
def gamma(world: World) -> dict[str, Any]:
    return build_gamma()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_centre_sees_its_own_table(gamma: dict[str, Any]) -> None:
    page = _client(gamma["dm"]).get(reverse("completeness") + GAMMA)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="completeness-gamma"' in html
    assert 'data-testid="completeness-alpha"' not in html and "Beta Klinikum" not in html
    # gamma over 2023-2024: C = 342/891 = 0.384; forms 2 of 3 = 66.7 %; 4 open queries, median 7.5 days
    assert "0.384" in html and "66.7" in html and "2 of 3" in html and "7.5" in html
    # 2023 alone: C = 181/730 = 0.248
    assert "0.248" in html
    # the three patients' cell products were recorded without collection date (3 of 3 empty: 100.0 %)
    assert "Cell product</td><td>Collection date</td>" in html


def test_registry_roles_see_every_centre(world: World, gamma: dict[str, Any], signed_in: Callable) -> None:
    html = signed_in("stat").get(reverse("completeness") + GAMMA).content.decode()
    for code in ("alpha", "beta", "gamma"):
        assert f'data-testid="completeness-{code}"' in html
    assert world.patient_a.registry_id not in html  # no patient is named


def test_period_and_filters(gamma: dict[str, Any], signed_in: Callable) -> None:
    client = _client(gamma["dm"])
    html = client.get(reverse("completeness") + GAMMA + "&first_year=2024&last_year=2024").content.decode()
    assert "0.248" not in html and "1.000" in html  # only 2024: C = 161/161
    wrong = client.get(reverse("completeness") + "?first_year=2024&last_year=2023")
    assert wrong.status_code == 200 and "The last year is before the first." in wrong.content.decode()
    other = client.get(reverse("completeness") + "?centre=alpha")  # not one of gamma's choices
    assert other.status_code == 200 and 'data-testid="completeness-alpha"' not in other.content.decode()


def test_quality_page_and_nav_link_here(signed_in: Callable) -> None:
    html = signed_in("dm_a").get(reverse("quality")).content.decode()
    assert html.count(f'href="{reverse("completeness")}"') >= 2  # the nav and the quality page


def test_the_benchmark_csv_is_audited(world: World, gamma: dict[str, Any], signed_in: Callable) -> None:
    before = AuditRecord.objects.filter(entity=BENCHMARK_ENTITY).count()
    response = signed_in("stat").get(reverse("completeness_csv") + GAMMA)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="remission-completeness-20241231.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:6] == [
        "centre",
        "patients",
        "clark_c",
        "forms_in_window_pct",
        "open_queries",
        "median_query_age_days",
    ]
    assert [r[0] for r in rows[1:]] == ["alpha", "beta", "gamma"]
    assert rows[3][:6] == ["gamma", "3", "0.384", "66.7", "4", "7.5"]
    assert AuditRecord.objects.filter(entity=BENCHMARK_ENTITY).count() == before + 1
    mine = _client(gamma["dm"]).get(reverse("completeness_csv") + GAMMA)
    assert [r[0] for r in csv.reader(io.StringIO(mine.content.decode()))][1:] == ["gamma"]
