"""The one road from registry to results: computed once per request, shared by the faces.

The computation itself is replaced by a counting stand-in here (its numbers are tested with the report, the
page and the API); what is tested is the cached wrapper: one computation per (scope, request, day), a
refresh recomputes, and identical requests made while one is computing wait for it instead of computing
again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from typing import Any

import pytest
from django.core.cache import cache

from remission.analysis import Cohort
from remission.analysis import results as road
from remission.analysis.results import ResultsRequest, cohort_results, results_key
from remission.registry.access import SYSTEM

THREADS = 8


@dataclasses.dataclass(frozen=True)
class Stand:
    """What the stand-in computation returns: when, and which call it was."""

    computed_at: dt.datetime
    call: int


class CountingCompute:
    """A stand-in for :func:`remission.analysis.results.compute_results` that counts its calls; with
    ``wait_for`` it first waits until that many callers have started (so they overlap)."""

    def __init__(self, wait_for: int = 0) -> None:
        self.calls = 0
        self.started = 0
        self.wait_for = wait_for
        self.guard = threading.Lock()

    def arrived(self) -> None:
        with self.guard:
            self.started += 1

    def __call__(self, request: ResultsRequest, *, user: Any, on_stage: Any = None) -> Stand:
        while self.started < self.wait_for:
            time.sleep(0.001)
        time.sleep(0.05)  # let the other callers reach the lock while this one computes
        with self.guard:
            self.calls += 1
            return Stand(dt.datetime.now(dt.UTC), self.calls)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingCompute:
    cache.clear()
    stand_in = CountingCompute()
    monkeypatch.setattr(road, "compute_results", stand_in)
    yield stand_in
    cache.clear()


def test_a_second_request_is_served_from_the_cache_and_refresh_recomputes(counting: CountingCompute) -> None:
    request = ResultsRequest(cohort=Cohort(disease="ssc"))
    first = cohort_results(request, user=SYSTEM)
    again = cohort_results(request, user=SYSTEM)
    assert counting.calls == 1 and again == first
    refreshed = cohort_results(request, user=SYSTEM, refresh=True)
    assert counting.calls == 2 and refreshed.call == 2


def test_different_requests_are_computed_apart(counting: CountingCompute) -> None:
    cohort_results(ResultsRequest(cohort=Cohort(disease="ssc")), user=SYSTEM)
    cohort_results(ResultsRequest(cohort=Cohort(disease="ms")), user=SYSTEM)
    cohort_results(ResultsRequest(cohort=Cohort(disease="ms"), by=None), user=SYSTEM)
    assert counting.calls == 3


@pytest.mark.parametrize("refresh", [False, True])
def test_identical_concurrent_requests_share_one_computation(
    counting: CountingCompute, refresh: bool
) -> None:
    counting.wait_for = THREADS
    request = ResultsRequest(cohort=Cohort(disease="ssc"))
    answers: list[Any] = []

    def ask() -> None:
        counting.arrived()
        answers.append(cohort_results(request, user=SYSTEM, refresh=refresh))

    threads = [threading.Thread(target=ask) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counting.calls == 1
    assert len(answers) == THREADS and all(answer.call == 1 for answer in answers)


def test_the_key_holds_the_scope_the_request_and_the_day() -> None:
    request = ResultsRequest(cohort=Cohort(disease="ssc"))
    assert results_key(SYSTEM, request) == results_key(SYSTEM, ResultsRequest(cohort=Cohort(disease="ssc")))
    assert results_key(SYSTEM, request) != results_key(SYSTEM, ResultsRequest(cohort=Cohort(disease="ms")))
    assert results_key(SYSTEM, request) != results_key(SYSTEM, dataclasses.replace(request, by="era"))
    assert results_key(SYSTEM, request) != results_key(
        SYSTEM, dataclasses.replace(request, cutoff=dt.date(2020, 1, 1))
    )


def test_the_cache_keeps_a_bounded_number_of_results(counting: CountingCompute) -> None:
    """Results are large (about 185 MB at 100,000 patients): the cache the road keeps them in holds at
    most MAX_ENTRIES of them, the least recently used going first."""
    from django.conf import settings

    limit = settings.CACHES["default"]["OPTIONS"]["MAX_ENTRIES"]
    assert 1 <= limit <= 100
    requests = [
        ResultsRequest(cohort=Cohort(disease="ssc"), cutoff=dt.date(2020, 1, 1) + dt.timedelta(i))
        for i in range(limit + 1)
    ]
    for request in requests:
        cohort_results(request, user=SYSTEM)
    assert counting.calls == limit + 1
    cohort_results(requests[-1], user=SYSTEM)  # the latest is still kept
    assert counting.calls == limit + 1
    cohort_results(requests[0], user=SYSTEM)  # the oldest was culled when the cache was full
    assert counting.calls == limit + 2
