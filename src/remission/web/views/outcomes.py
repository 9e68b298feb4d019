"""Outcomes: the cohort filters, curves, estimates and Table 1 of the analysis layer; the report download.

The page is rendered at once when it is in the cache; otherwise its computation, like every report
download, runs as a background job (``remission.web.jobs``) and the user is sent to the job's page,
which refreshes itself until the job is done and then links to the page or the file.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language

from remission.interop.extract import scope_words
from remission.registry.codes import JobKind, JobStage, JobStatus
from remission.registry.models.jobs import ComputationJob
from remission.registry.services.exports import REPORT_ENTITY, export_audit
from remission.web import jobs
from remission.web import outcomes as pages
from remission.web.views.common import registry_errors

CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf", "zip": "application/zip"}
REFRESH_SECONDS = 2  # the job page reloads itself this often while the job runs
NO_FILE = "this job has no file to download"


def _data(request: HttpRequest) -> tuple[pages.CohortForm, dict | None]:
    form = pages.CohortForm(request.GET or None, user=request.user)
    if not request.GET:
        return form, {"by": "disease"}
    return form, (form.cleaned_data if form.is_valid() else None)


@login_required
def outcomes(request: HttpRequest) -> HttpResponse:
    form, data = _data(request)
    page = None
    if data is not None:
        refresh = request.GET.get("refresh") == "1"
        page = None if refresh else pages.cached_page(user=request.user, data=data)
        if page is None:
            language = get_language() or ""
            job = jobs.start_job(
                user=request.user, kind=JobKind.PAGE, data=data, refresh=refresh, language=language
            )
            if job.status == JobStatus.DONE:  # run at once (inside a transaction): the page is cached
                page = pages.cached_page(user=request.user, data=data)
            if page is None:
                return redirect("outcomes_job", pk=job.pk)
    query = request.GET.copy()
    query.pop("refresh", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "web/outcomes.html", context)


@login_required
def report(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404("the report comes as .html or .pdf, its tables as .zip")
    _, data = _data(request)
    if data is None:
        raise Http404("the cohort filters are not valid")
    # the report is written in the language of the request (a job of its own per language)
    job = jobs.start_job(
        user=request.user, kind=JobKind.REPORT, data=data, fmt=fmt, language=get_language() or ""
    )
    return redirect("outcomes_job", pk=job.pk)


@login_required
@registry_errors
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = jobs.job_view(user=request.user, pk=pk)
    context = {
        "job": job,
        "refresh_seconds": REFRESH_SECONDS,
        "page_url": f"{reverse('outcomes')}?{pages.form_query(jobs.cohort_of(job))}",
        "download_url": reverse("outcomes_job_download", args=[job.pk]),
        "stages": _stages(job),
    }
    response = render(request, "web/outcomes_job.html", context)
    if not job.finished:
        response["Refresh"] = str(REFRESH_SECONDS)  # a header: the content policy forbids inline scripts
    return response


def _stages(job: ComputationJob) -> list[tuple[str, str]]:
    """Each stage's name with "done", "current" or "" (to come), for the job page."""
    at = JobStage.values.index(job.stage) if job.stage in JobStage.values else 0
    shown = []
    for i, (_, label) in enumerate(JobStage.choices):
        if job.status == JobStatus.DONE or (i < at and job.status != JobStatus.QUEUED):
            state = "done"
        elif i == at and job.status == JobStatus.RUNNING:
            state = "current"
        else:
            state = ""
        shown.append((label, state))
    return shown


@login_required
@registry_errors
def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = jobs.job_view(user=request.user, pk=pk, with_file=True)
    if job.kind != JobKind.REPORT or job.status != JobStatus.DONE or job.content is None:
        raise Http404(NO_FILE)
    content = bytes(job.content)
    export_audit(
        actor=request.user,
        entity=REPORT_ENTITY,
        file_format=job.format,
        file_name=job.file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        scope=scope_words(request.user),
        filters=job.request,
        row_counts={"patients": job.n_patients or 0},
        reason="web report download",
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[job.format])
    response["Content-Disposition"] = f'attachment; filename="{job.file_name}"'
    return response
