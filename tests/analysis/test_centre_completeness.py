"""Completeness per centre and year from the registry (analysis/centre_completeness.py and
registry/selectors/completeness.py), against a centre built by hand; centre isolation; the benchmark CSV
and its audit row.

Centre *gamma*, cut-off 2024-12-31, no engraftment records (an engraftment date would be a contact):

=======  ==========  ======================  =====================================  ==========  =========
patient  day 0       records after day 0     Clark: observed / potential (days)     forms       queries
=======  ==========  ======================  =====================================  ==========  =========
P1       2023-01-01  seen 2023-07-01         181 (Jan–Jun) / 730 (two years)        2 of 3      ages 10,
                                                                                    in window   1, 90
P2       2024-03-01  died 2024-05-10         70 / 70 (death is complete follow-up)  0 of 0      —
P3       2024-10-01  seen 2024-12-31         91 / 91                                0 of 0      age 5
=======  ==========  ======================  =====================================  ==========  =========

2023: C = 181/730; 2024: C = 161/161 = 1; gamma over both years: C = 342/891.
Forms of P1 (time points written by hand): day 100 (window to 2023-05-11) received, 6 months (to
2023-08-25) received, 1 year (to 2024-03-31) not received, 2 years (to 2025-03-01) still open: 2 of 3;
P2's day 100 is not required (death), P3's window is still open: gamma 2 of 3.
Queries not closed, ages at the cut-off: P1 raised 2024-12-21 (10 days), 2024-12-30 (1), answered one
raised 2024-10-02 (90: Oct 29 + Nov 30 + Dec 31); a closed one is not counted; P3 raised 2024-12-26 (5):
2023 median of 1, 10, 90 = 10; 2024: 5; gamma: median of 1, 5, 10, 90 = 7.5.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import pytest

from remission.analysis.centre_completeness import (
    BENCHMARK_ENTITY,
    BENCHMARK_HEADER,
    CompletenessQuery,
    benchmark_download,
    compute_completeness,
)
from remission.registry import services
from remission.registry.codes import OutcomeType
from remission.registry.models import AuditRecord, Patient
from remission.registry.selectors.completeness import field_gaps
from tests.registry.conftest import World, stored_world, world  # noqa: F401
from tests.registry.quality.completeness_world import CUTOFF, D, build_gamma

pytestmark = pytest.mark.django_db


@pytest.fixture
def gamma(world: World) -> dict[str, Any]:  # noqa: F811
    return build_gamma()


def _gamma_rows(report: Any) -> dict[Any, Any]:
    return {r.year: r for r in report.by_year if r.centre == "gamma"}


def test_centre_and_year_by_hand(world: World, gamma: dict[str, Any]) -> None:  # noqa: F811
    report = compute_completeness(user=gamma["dm"], query=CompletenessQuery(cutoff=CUTOFF))
    assert [r.centre for r in report.by_centre] == ["gamma"]  # a centre reads its own row only
    years = _gamma_rows(report)
    assert sorted(years) == [2023, 2024]
    y23, y24 = years[2023], years[2024]
    assert (y23.clark.observed_days, y23.clark.potential_days) == (181, 730)
    assert (y24.clark.observed_days, y24.clark.potential_days, y24.clark.deaths) == (161, 161, 1)
    assert y24.clark.index == 1.0
    assert (y23.forms.expected, y23.forms.received) == (2 + 1, 2)
    assert y24.forms.expected == 0 and math.isnan(y24.forms.share)
    assert (y23.queries.count, y23.queries.median_age_days) == (3, 10.0)
    assert (y24.queries.count, y24.queries.median_age_days) == (1, 5.0)
    whole = report.by_centre[0]
    assert (whole.clark.patients, whole.clark.observed_days, whole.clark.potential_days) == (3, 342, 891)
    assert whole.clark.index == pytest.approx(342 / 891)
    assert whole.forms.share == pytest.approx(2 / 3)
    assert (whole.queries.count, whole.queries.median_age_days) == (4, 7.5)
    assert report.overall.clark.observed_days == 342  # the overall row of one centre is that centre


def test_the_period_narrows_to_years_of_day0(world: World, gamma: dict[str, Any]) -> None:  # noqa: F811
    query = CompletenessQuery(first_year=2024, last_year=2024, cutoff=CUTOFF)
    report = compute_completeness(user=gamma["dm"], query=query)
    whole = report.by_centre[0]
    assert (whole.clark.patients, whole.clark.observed_days, whole.clark.potential_days) == (2, 161, 161)
    assert (whole.queries.count, whole.queries.median_age_days) == (1, 5.0)
    assert sorted(_gamma_rows(report)) == [2024]
    with pytest.raises(ValueError, match="before the first"):
        CompletenessQuery(first_year=2024, last_year=2023)


def test_centre_isolation(world: World, gamma: dict[str, Any]) -> None:  # noqa: F811
    mine = compute_completeness(user=world.users["dm_a"], query=CompletenessQuery(cutoff=CUTOFF))
    assert [r.centre for r in mine.by_centre] == ["alpha"]
    assert all(r.centre == "alpha" for r in mine.by_year)
    assert mine.overall.clark.patients == 1  # alpha's one example patient, not gamma's three
    with pytest.raises(LookupError, match="gamma"):
        compute_completeness(user=world.users["dm_a"], query=CompletenessQuery(centre="gamma"))
    assert all(g.centre_id == world.centre_a.pk for g in field_gaps(user=world.users["dm_a"]))
    everyone = compute_completeness(user=world.users["stat"], query=CompletenessQuery(cutoff=CUTOFF))
    assert [r.centre for r in everyone.by_centre] == ["alpha", "beta", "gamma"]
    gamma_row = next(r for r in everyone.by_centre if r.centre == "gamma")
    assert gamma_row.clark.observed_days == 342  # the same numbers as the centre's own view
    one = compute_completeness(
        user=world.users["stat"], query=CompletenessQuery(centre="gamma", cutoff=CUTOFF)
    )
    assert [r.centre for r in one.by_centre] == ["gamma"]
    assert one.overall.clark.potential_days == 891


def test_fields_missing_by_hand(world: World, gamma: dict[str, Any]) -> None:  # noqa: F811
    gaps = [
        g
        for g in field_gaps(user=gamma["dm"])
        if (g.entity, g.field) == ("registry.followup", "current_therapy")
    ]
    assert len(gaps) == 1
    # two follow-ups (P1 and P3); P3's current therapy is empty, with the reason 'unknown'
    assert (gaps[0].rows, gaps[0].empty, gaps[0].with_reason) == (2, 1, 1)
    in_2023 = [
        g
        for g in field_gaps(user=gamma["dm"], first=D(2023, 1, 1), last=D(2023, 12, 31))
        if (g.entity, g.field) == ("registry.followup", "current_therapy")
    ]
    assert (in_2023[0].rows, in_2023[0].empty) == (1, 0)  # P1's follow-up only


def test_benchmark_csv_is_audited(world: World, gamma: dict[str, Any]) -> None:  # noqa: F811
    stat = world.users["stat"]
    before = AuditRecord.objects.filter(entity=BENCHMARK_ENTITY).count()
    content, name = benchmark_download(user=stat, query=CompletenessQuery(cutoff=CUTOFF), via="test")
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert tuple(rows[0]) == BENCHMARK_HEADER
    by_code = {r[0]: r for r in rows[1:]}
    assert sorted(by_code) == ["alpha", "beta", "gamma"]
    g = by_code["gamma"]
    assert g[:6] == ["gamma", "3", f"{342 / 891:.3f}", "66.7", "4", "7.5"]
    assert name == "remission-completeness-20241231.csv"
    audit = AuditRecord.objects.filter(entity=BENCHMARK_ENTITY).order_by("-pk").first()
    assert AuditRecord.objects.filter(entity=BENCHMARK_ENTITY).count() == before + 1
    assert audit.after["file"] == name and audit.after["row_counts"] == {"centres": 3}
    assert audit.after["scope"] == "all centres"


def test_a_field_that_applies_only_to_some_records(world: World, gamma: dict[str, Any]) -> None:  # noqa: F811
    patient = Patient.objects.get(centre=gamma["centre"], infusions__date=D(2023, 1, 1))
    services.outcome_event_record(
        actor=gamma["dm"], patient=patient, event_type=OutcomeType.RESPONSE, date=D(2023, 6, 1)
    )
    gaps = {(g.entity, g.field): g for g in field_gaps(user=gamma["dm"])}
    # two outcome events (P2's death with its cause, P1's response): the cause of death applies to the
    # death only, so it is not missing; the free-text detail applies to both and is empty in both
    cause = gaps["registry.outcomeevent", "cause_of_death"]
    assert (cause.rows, cause.empty) == (1, 0)
    detail = gaps["registry.outcomeevent", "detail"]
    assert (detail.rows, detail.empty) == (2, 2)
