"""The outcomes page's first computation and the report downloads run as background jobs (issue 21).

The jobs run on the runner's worker threads, each with its own database connection, so these tests use a
committed database (``transactional_db``) and a world built for each test; a test waits for the job's
future, never for a time. The world (tests/registry/conftest.py) has one analysed patient per centre.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from remission.analysis import results as analysis_results
from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord, ComputationJob
from remission.registry.services.exports import REPORT_ENTITY
from remission.registry.services.jobs import job_create
from remission.web import jobs
from remission.web import outcomes as pages
from tests.registry.conftest import World, build_world

JOB_ENTITY = "registry.computationjob"


@pytest.fixture
def committed_world(transactional_db: None) -> World:
    """The registry tests' world, committed, so that the worker threads' connections see it."""
    return build_world()


@pytest.fixture
def client_of(committed_world: World) -> Callable[[str], Client]:
    def make(username: str) -> Client:
        client = Client()
        client.force_login(committed_world.users[username])
        return client

    return make


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Each call of the analysis's compute_results, by the user's name, counted."""
    calls: list[str] = []
    real = analysis_results.compute_results

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["user"].username)
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis_results, "compute_results", counted)
    yield calls


def _job_id(response: Any) -> int:
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    prefix = "/outcomes/jobs/"
    assert location.startswith(prefix) and location.endswith("/"), location
    return int(location[len(prefix) : -1])


def _finish(pk: int) -> ComputationJob:
    future = jobs.future_of(pk)
    assert future is not None, "the job was not handed to a worker"
    future.result()
    return ComputationJob.objects.get(pk=pk)


def test_a_download_is_a_job_whose_file_is_audited_at_each_download(
    client_of: Callable[[str], Client], computations: list[str]
) -> None:
    client = client_of("stat")
    pk = _job_id(client.get(reverse("outcomes_report", args=["pdf"])))
    job = _finish(pk)
    assert (job.kind, job.format, job.status, job.n_patients) == ("report", "pdf", "done", 2)
    assert job.file_name == "remission-outcomes.pdf" and job.error == ""
    stages = [
        row.after["stage"]
        for row in AuditRecord.objects.filter(entity=JOB_ENTITY, record_id=pk).order_by("sequence")
        if row.after and "stage" in row.after and row.action == AuditAction.UPDATE
    ]
    assert stages == ["query", "derivation", "models", "rendering"]  # started at query, then each next

    page = client.get(reverse("outcomes_job", args=[pk]))
    assert page.status_code == 200 and "Refresh" not in page
    download_url = reverse("outcomes_job_download", args=[pk])
    assert download_url in page.content.decode()
    first = client.get(download_url)
    second = client.get(download_url)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    assert first.content.startswith(b"%PDF") and second.content == first.content
    assert 'filename="remission-outcomes.pdf"' in first["Content-Disposition"]
    audits = AuditRecord.objects.filter(action=AuditAction.EXPORT, entity=REPORT_ENTITY)
    assert audits.count() == 2
    audit = audits.first()
    assert audit is not None and audit.actor_id == job.user_id
    assert audit.after["sha256"] == hashlib.sha256(first.content).hexdigest()
    assert audit.after["format"] == "pdf" and audit.after["row_counts"] == {"patients": 2}
    assert audit.after["filters"] == {"by": "disease"}
    assert computations == ["stat"]


def test_identical_requests_share_one_job_and_one_computation(
    client_of: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    started, release = threading.Event(), threading.Event()
    real = analysis_results.compute_results

    def held(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["user"].username)
        started.set()
        release.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(analysis_results, "compute_results", held)
    client = client_of("stat")
    url = reverse("outcomes_report", args=["html"]) + "?by=era"
    pk = _job_id(client.get(url))
    try:
        started.wait()
        running = client.get(reverse("outcomes_job", args=[pk]))
        assert running["Refresh"] == "2"
        assert 'data-status="running"' in running.content.decode()
        assert _job_id(client.get(url)) == pk
    finally:
        release.set()
    _finish(pk)
    other_format = _job_id(client.get(reverse("outcomes_report", args=["zip"]) + "?by=era"))
    assert other_format != pk
    assert _finish(other_format).status == "done"
    assert calls == ["stat"]  # the zip's job read the html job's results from the cache
    assert _job_id(client.get(url)) == pk  # done, its file kept: given back, not computed again
    assert ComputationJob.objects.filter(kind="report").count() == 2


def test_a_french_reader_s_page_job_lays_the_page_out_in_french_from_the_same_results(
    client_of: Callable[[str], Client], computations: list[str]
) -> None:
    """The worker thread has no request: the page job carries the reader's language, the page is laid
    out (and kept) in it, and the English page of the same cohort is laid out from the same results."""
    client = client_of("dm_a")
    pk = _job_id(client.get(reverse("outcomes"), {"by": "era"}, HTTP_ACCEPT_LANGUAGE="fr"))
    job = _finish(pk)
    assert job.status == "done" and job.request["language"] == "fr"
    page_url = reverse("outcomes") + "?by=era"  # the link back names the cohort, not the language
    job_page = client.get(reverse("outcomes_job", args=[pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f'href="{page_url}"' in job_page
    french = client.get(page_url, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.status_code == 200 and "Survie globale" in french.content.decode()
    english_job = _job_id(client.get(page_url, HTTP_ACCEPT_LANGUAGE="en-gb"))  # not kept in English yet
    assert _finish(english_job).status == "done"
    english = client.get(page_url, HTTP_ACCEPT_LANGUAGE="en-gb").content.decode()
    assert "Overall survival" in english and "Survie globale" not in english
    assert computations == ["dm_a"]  # one computation of the results for both languages


def test_another_user_cannot_see_the_job(client_of: Callable[[str], Client]) -> None:
    pk = _job_id(client_of("stat").get(reverse("outcomes_report", args=["html"])))
    _finish(pk)
    other = client_of("admin")
    assert other.get(reverse("outcomes_job", args=[pk])).status_code == 404
    assert other.get(reverse("outcomes_job_download", args=[pk])).status_code == 404
    assert not AuditRecord.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_failed_computation_shows_its_message(
    client_of: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the survival model did not converge")

    monkeypatch.setattr(analysis_results, "compute_results", broken)
    client = client_of("stat")
    pk = _job_id(client.get(reverse("outcomes_report", args=["pdf"])))
    job = _finish(pk)
    assert job.status == "failed" and job.content is None
    page = client.get(reverse("outcomes_job", args=[pk]))
    text = page.content.decode()
    assert 'data-status="failed"' in text and "the survival model did not converge" in text
    assert "Refresh" not in page
    assert client.get(reverse("outcomes_job_download", args=[pk])).status_code == 404


def test_an_empty_cohort_fails_with_the_page_s_words(client_of: Callable[[str], Client]) -> None:
    client = client_of("stat")
    pk = _job_id(client.get(reverse("outcomes_report", args=["html"]) + "?disease=sle"))
    job = _finish(pk)
    assert job.status == "failed" and job.error == pages.EMPTY


def test_the_page_job_warms_the_page(client_of: Callable[[str], Client], computations: list[str]) -> None:
    client = client_of("dm_a")
    pk = _job_id(client.get(reverse("outcomes"), {"by": "era", "sex": ""}))
    job = _finish(pk)
    assert (job.kind, job.format, job.status, job.n_patients) == ("page", "", "done", 1)
    page_url = reverse("outcomes") + "?by=era"
    assert f'href="{page_url}"' in client.get(reverse("outcomes_job", args=[pk])).content.decode()
    response = client.get(page_url)
    assert response.status_code == 200
    assert 'class="card report-section"' in response.content.decode()
    assert computations == ["dm_a"]
    recompute = client.get(page_url + "&refresh=1")  # Recompute: a new job, computing again
    again = _job_id(recompute)
    assert again != pk
    _finish(again)
    assert computations == ["dm_a", "dm_a"]


def test_a_download_after_the_page_writes_the_page_s_document(
    client_of: Callable[[str], Client], computations: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page job keeps the document it laid out (tables, figures drawn); a download of the same cohort
    in the same language writes it instead of laying the results out again; a download in another
    language, or after the results were computed again, lays them out again."""
    from django.core.cache import cache

    from remission.reports import outcomes_report, pipeline

    built: list[str] = []
    real = outcomes_report.build_document

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setattr(outcomes_report, "build_document", counted)
    monkeypatch.setattr(pipeline, "build_document", counted)
    client = client_of("stat")
    cohort = {"by": "era"}
    assert _finish(_job_id(client.get(reverse("outcomes"), cohort))).status == "done"
    assert len(built) == 1
    pdf = _finish(_job_id(client.get(reverse("outcomes_report", args=["pdf"]), cohort)))
    assert pdf.status == "done" and len(built) == 1  # the page's document, written as it is
    assert client.get(reverse("outcomes_job_download", args=[pdf.pk])).content.startswith(b"%PDF")
    french = client.get(reverse("outcomes_report", args=["html"]), cohort, HTTP_ACCEPT_LANGUAGE="fr")
    assert _finish(_job_id(french)).status == "done" and built[1:] == ["fr"]  # no French page: laid out
    assert computations == ["stat"]
    cache.delete(pages.results_key_of(committed_user(client), cohort))  # the results computed again ...
    zipped = _finish(_job_id(client.get(reverse("outcomes_report", args=["zip"]), cohort)))
    assert zipped.status == "done" and computations == ["stat", "stat"]
    assert len(built) == 3  # ... so the page's document, laid out from the earlier ones, is not used


def committed_user(client: Client) -> Any:
    """The user ``client`` is logged in as."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_a_job_left_by_a_stopped_server_is_shown_as_failed(
    committed_world: World, client_of: Callable[[str], Client], computations: list[str]
) -> None:
    user = committed_world.users["stat"]
    data = {"by": "disease"}
    lost = job_create(
        actor=user,
        kind="report",
        fmt="html",
        request=data,
        results_key=pages.results_key_of(user, data),
    )
    client = client_of("stat")
    text = client.get(reverse("outcomes_job", args=[lost.pk])).content.decode()
    assert 'data-status="failed"' in text and "The server restarted" in text
    assert ComputationJob.objects.get(pk=lost.pk).error == jobs.LOST
    pk = _job_id(client.get(reverse("outcomes_report", args=["html"])))
    assert pk != lost.pk  # the lost job is not given back: a new one runs
    assert _finish(pk).status == "done"
    assert computations == ["stat"]


def test_every_write_of_a_job_is_audited(client_of: Callable[[str], Client]) -> None:
    pk = _job_id(client_of("dm_b").get(reverse("outcomes_report", args=["zip"])))
    job = _finish(pk)
    rows = list(AuditRecord.objects.filter(entity=JOB_ENTITY, record_id=pk).order_by("sequence"))
    assert [r.action for r in rows] == [AuditAction.CREATE] + [AuditAction.UPDATE] * (len(rows) - 1)
    assert rows[0].after["status"] == "queued" and rows[1].after["status"] == "running"
    assert {r.actor_id for r in rows} == {job.user_id}
    finished = rows[-1].after
    assert finished["status"] == "done"
    assert finished["content"] == {
        "sha256": hashlib.sha256(bytes(job.content)).hexdigest(),
        "bytes": len(bytes(job.content)),
    }


def test_the_job_page_links_back_to_the_same_cohort() -> None:
    data = {"by": "", "sex": "", "disease": "ms", "infusion_from": dt.date(2015, 1, 1), "centre": None}
    assert pages.form_query(data) == "by=&disease=ms&infusion_from=2015-01-01"  # no grouping kept
    assert pages.revived(pages.jsonable(data)) == data
