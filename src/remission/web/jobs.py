"""The outcomes page's first computation and the report downloads, run off the web request (issue 21).

At 100,000 patients computing the outcomes takes about a minute: too long to hold a request. A view
calls :func:`start_job`, which records a job (``registry.models.ComputationJob``, written through
``registry.services.jobs``, audited) and hands it to a small pool of worker threads in this process; the
view sends the user to the job's page, which refreshes itself until the job is done.

Why threads in the server process (a :class:`~concurrent.futures.ThreadPoolExecutor`) and not a task
queue: ``remission serve`` and ``remission demo`` are one waitress process with threads, on one machine,
and a queue (Celery, django-tasks' database worker) needs another process to run and to watch. The
worker threads share the process's cache, so the results a job computes are the ones the page and the
downloads read, and identical requests share one computation (``analysis.results.cohort_results``'s
per-key lock, and :func:`start_job` giving an identical unfinished job back). The price: a job lives only
as long as the process. A job left queued or running by a server that stopped is not known to this
process; it is shown as failed (:data:`LOST`) when viewed, and the user starts it again.

A job started inside a database transaction (the test suite's) runs at once in the caller: a worker's
own connection would not see the job's row before the transaction commits.

What :func:`start_job` gives back instead of a new job: a job of the same user, results key (whose
patients the user reads, the request, the day), kind and format that is queued or running in this
process; for a report, also one done within :data:`KEEP_SECONDS` (the results cache's lifetime, so a
download shows what the page shows), whose file is stored in the row. A report's file is kept for
:data:`FILES_KEPT` after it finished, then dropped when the next job starts (the row, and its audit trail,
stay; its page says the file is no longer kept).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, connections
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from remission.analysis.results import CACHE_SECONDS
from remission.registry.codes import JOB_UNFINISHED, JobKind, JobStatus
from remission.registry.models.jobs import ComputationJob
from remission.registry.selectors.jobs import job_get, job_matching, job_to_run
from remission.registry.services.jobs import (
    job_create,
    job_fail,
    job_files_drop,
    job_finish,
    job_stage,
    job_start,
)
from remission.web import outcomes as pages

log = logging.getLogger(__name__)

WORKERS = 2  # computations at once; each holds a few hundred MB at 100,000 patients
KEEP_SECONDS = CACHE_SECONDS
FILES_KEPT = dt.timedelta(days=7)  # a finished report's file is dropped this long after (the row stays)
LOST = gettext_noop("The server restarted before this computation finished; start it again.")
WRITE_ATTEMPTS = 5  # a job's start, finish or failure is written this often before the worker gives up
WRITE_PAUSE = 0.5  # seconds between attempts
LANGUAGE_KEY = "language"  # a job's request: the language it is written in (not the source language)

_EXECUTOR = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="remission-job")
_FUTURES: dict[int, Future[None]] = {}  # the jobs this process runs or ran, by id
_GUARD = threading.Lock()  # one start decision at a time in this process


def start_job(
    *, user: Any, kind: str, data: dict[str, Any], fmt: str = "", refresh: bool = False, language: str = ""
) -> ComputationJob:
    """A job computing ``kind`` (``page``, or ``report`` in ``fmt``) of the cohort form's ``data`` for
    ``user``: an identical one already under way (or a kept report), else a new one, started. The page or
    report is written in ``language`` (the user's request's; empty: the source language): a French and an
    English report of the same cohort are two jobs and two files, computed from the same (language-free)
    results."""
    key = pages.results_key_of(user, data)
    request = _with_language(pages.jsonable(data), kind=kind, language=language)
    with _GUARD:
        job_files_drop(finished_before=timezone.now() - FILES_KEPT)
        found = _reusable(
            user=user, key=key, kind=kind, fmt=fmt, refresh=refresh, language=request.get(LANGUAGE_KEY, "")
        )
        if found is not None:
            return found
        job = job_create(actor=user, kind=kind, fmt=fmt, request=request, results_key=key, refresh=refresh)
        inline = connection.in_atomic_block
        if not inline:
            _prune()
            _FUTURES[job.pk] = _EXECUTOR.submit(_run, job.pk)
    if inline:
        _run(job.pk, own_connection=False)
        job.refresh_from_db()
    return job


def _with_language(request: dict[str, Any], *, kind: str, language: str) -> dict[str, Any]:
    """A job's request with the language its page or report is written in; the source language is left out
    (the request reads as the cohort form's data alone, as before languages)."""
    if language and language != settings.LANGUAGE_CODE:
        return {**request, LANGUAGE_KEY: language}
    return request


def _language_of(job: ComputationJob) -> str:
    return str((job.request or {}).get(LANGUAGE_KEY, ""))


def cohort_of(job: ComputationJob) -> dict[str, Any]:
    """The cohort form's data of ``job``'s request (without the language it is written in)."""
    return {k: v for k, v in (job.request or {}).items() if k != LANGUAGE_KEY}


def _reusable(
    *, user: Any, key: str, kind: str, fmt: str, refresh: bool, language: str = ""
) -> ComputationJob | None:
    kept = timezone.now() - dt.timedelta(seconds=KEEP_SECONDS)
    for job in job_matching(user=user, results_key=key, kind=kind, fmt=fmt)[:10]:
        if _language_of(job) != language:
            continue  # the same cohort in another language: another report
        if job.status in JOB_UNFINISHED:
            if _known(job.pk):
                return job
            job_fail(job=job, error=LOST)
        elif (
            kind == JobKind.REPORT
            and not refresh
            and job.status == JobStatus.DONE
            and job.file_name
            and job.finished_at is not None
            and job.finished_at >= kept
        ):
            return job
    return None


def _known(pk: int) -> bool:
    """Whether this process runs job ``pk`` (or is about to)."""
    future = _FUTURES.get(pk)
    return future is not None and not future.done()


def _prune() -> None:
    """Forget finished futures (their jobs' rows say how they ended)."""
    for pk in [pk for pk, future in _FUTURES.items() if future.done()]:
        del _FUTURES[pk]


def future_of(pk: int) -> Future[None] | None:
    """The future of job ``pk`` if this process runs it and has not forgotten it (tests wait on it)."""
    return _FUTURES.get(pk)


def job_view(*, user: Any, pk: int, with_file: bool = False) -> ComputationJob:
    """The user's job ``pk`` as it stands (NotFound for another user's; its file read ``with_file``); a
    job still queued or running that this process does not run was left by a server that stopped: it is
    marked failed (:data:`LOST`)."""
    job = job_get(user=user, pk=pk, with_file=with_file)
    if job.status in JOB_UNFINISHED:
        with _GUARD:
            lost = not _known(job.pk)
        if lost and job_fail(job=job, error=LOST):
            log.warning("job %s was left %s by a server that stopped", job.pk, job.status)
        job.refresh_from_db()
    return job


def _written(write: Callable[[], bool]) -> bool:
    """``write()``, tried again while the database is busy (SQLite answers "locked": a writer of another
    thread or process holds it past the busy timeout, or at once in a shared-memory database), so that a
    finished computation is not lost to a moment's contention."""
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return write()
        except OperationalError:
            if attempt == WRITE_ATTEMPTS:
                raise
            log.warning("job write refused (database busy), attempt %s of %s", attempt, WRITE_ATTEMPTS)
            time.sleep(WRITE_PAUSE)
    return False


def _run(pk: int, *, own_connection: bool = True) -> None:
    """The worker: compute job ``pk``'s results, stage by stage, then lay out the page (kind page: it
    lands in the cache) or render the file and store it (kind report). Any error fails the job with its
    message. A worker thread closes its database connection at the end."""
    job: ComputationJob | None = None
    try:
        job = job_to_run(pk=pk)
        if not _written(lambda: job_start(job=job)):
            return  # marked failed (lost) meanwhile
        user, data = job.user, pages.revived(cohort_of(job))

        def progress(stage: str) -> None:
            try:
                job_stage(job=job, stage=stage)
            except OperationalError:  # the stage shown is a courtesy: the computation goes on
                log.warning("job %s: stage %s not written (database busy)", pk, stage)

        with translation.override(_language_of(job) or settings.LANGUAGE_CODE):
            if job.kind == JobKind.PAGE:
                page = pages.outcomes_page(user=user, data=data, refresh=job.refresh, progress=progress)
                _written(lambda: job_finish(job=job, n_patients=page.n_patients))
                return
            produced = pages.report_file(user=user, data=data, fmt=job.format, progress=progress)
        if produced is None:
            _written(lambda: job_fail(job=job, error=pages.EMPTY))
            return
        content, name, n_patients = produced
        _written(lambda: job_finish(job=job, content=content, file_name=name, n_patients=n_patients))
    except Exception as exc:
        log.exception("job %s failed", pk)
        error = str(exc) or type(exc).__name__
        if job is not None:
            try:
                _written(lambda: job_fail(job=job, error=error))
            except Exception:
                log.exception("job %s: the failure could not be recorded", pk)
    finally:
        if own_connection:
            connections.close_all()  # this thread's connections only
