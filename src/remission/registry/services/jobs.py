"""Writing the computation jobs (``models/jobs.py``): create one, start it, move its stage, finish it with
its file, or fail it. The web layer's runner (``remission.web.jobs``) calls these from the request and from
its worker threads; reading jobs is ``selectors/jobs.py``.

Every write runs in its own transaction with an audit row (entity ``registry.computationjob``, no centre,
no patient; the actor is the user who asked for the job, also for the worker's writes on their behalf).
A finished file is audited by its SHA-256 and size, never by its content. Finishing and failing only
touch a job that is still queued or running: a job already finished stays as it is (so a job marked
failed as lost is not revived by a late worker, and a worker's finish is not overwritten). Old reports'
files are dropped (:func:`job_files_drop`), their rows kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from remission.registry.codes import JOB_UNFINISHED, AuditAction, JobFormat, JobKind, JobStage, JobStatus
from remission.registry.errors import Problem, ValidationFailed
from remission.registry.models.jobs import ComputationJob
from remission.registry.services.audit import audit_write

REASON = "background computation"
KIND_UNKNOWN = "a job computes one of: {choices}"
FORMAT_UNKNOWN = "a report comes as one of: {choices}; a page has no format"
STAGE_UNKNOWN = "a job's stage is one of: {choices}"
ERROR_MAX = 2000


def _audit(actor: Any, job: ComputationJob, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    audit_write(
        actor=actor,
        action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
        record=job,
        centre_id=None,
        patient_id=None,
        before=before,
        after=after,
        reason=REASON,
    )


def job_create(
    *,
    actor: Any,
    kind: str,
    fmt: str,
    request: Mapping[str, Any],
    results_key: str,
    refresh: bool = False,
) -> ComputationJob:
    """A new queued job of ``actor``: ``kind`` page (``fmt`` "") or report (``fmt`` html, pdf or zip),
    for ``request`` (JSON-ready cohort form data) whose results are kept under ``results_key``."""
    problems = []
    if kind not in JobKind.values:
        message = KIND_UNKNOWN.format(choices=", ".join(JobKind.values))
        problems.append(Problem("Job (new)", "kind", "job_kind", message))
    reports = [f for f in JobFormat.values if f]
    if (kind == JobKind.REPORT and fmt not in reports) or (kind == JobKind.PAGE and fmt):
        message = FORMAT_UNKNOWN.format(choices=", ".join(reports))
        problems.append(Problem("Job (new)", "format", "job_format", message))
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        job = ComputationJob.objects.create(
            user=actor,
            kind=kind,
            format=fmt,
            request=dict(request),
            refresh=refresh,
            results_key=results_key,
        )
        after = {"kind": kind, "format": fmt, "request": dict(request), "refresh": refresh}
        _audit(actor, job, None, {**after, "results_key": results_key, "status": job.status})
    return job


def _update(job: ComputationJob, changes: dict[str, Any], *, unfinished_only: bool) -> bool:
    """Write ``changes`` to ``job`` (and the instance) with an audit row; with ``unfinished_only``, only
    while the stored job is still queued or running. Whether it was written."""
    with transaction.atomic():
        rows = ComputationJob.objects.select_for_update().filter(pk=job.pk)
        if unfinished_only:
            rows = rows.filter(status__in=JOB_UNFINISHED)
        stored = rows.first()
        if stored is None:
            return False
        before = {name: _shown(getattr(stored, name)) for name in changes}
        ComputationJob.objects.filter(pk=job.pk).update(**changes)
        for name, value in changes.items():
            setattr(job, name, value)
        after = {name: _shown(value) for name, value in changes.items()}
        _audit(job.user, job, before, after)
    return True


def _shown(value: Any) -> Any:
    """A value as the audit row keeps it: a file by its SHA-256 and size, a date as ISO text."""
    if isinstance(value, bytes | memoryview):
        content = bytes(value)
        return {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
    return value.isoformat() if hasattr(value, "isoformat") else value


def job_start(*, job: ComputationJob) -> bool:
    """The worker took ``job``: running, at the first stage."""
    changes = {"status": JobStatus.RUNNING, "stage": JobStage.QUERY, "started_at": timezone.now()}
    return _update(job, changes, unfinished_only=True)


def job_stage(*, job: ComputationJob, stage: str) -> bool:
    """``job`` is now at ``stage`` (written only when it changes)."""
    if stage not in JobStage.values:
        message = STAGE_UNKNOWN.format(choices=", ".join(JobStage.values))
        raise ValidationFailed([Problem(str(job), "stage", "job_stage", message)])
    if job.stage == stage:
        return False
    return _update(job, {"stage": stage}, unfinished_only=True)


def job_finish(
    *, job: ComputationJob, content: bytes | None = None, file_name: str = "", n_patients: int | None = None
) -> bool:
    """``job`` is done; a report job keeps its file (``content``, ``file_name``)."""
    changes: dict[str, Any] = {
        "status": JobStatus.DONE,
        "finished_at": timezone.now(),
        "n_patients": n_patients,
        "error": "",
    }
    if content is not None:
        changes.update(content=content, file_name=file_name)
    return _update(job, changes, unfinished_only=True)


def job_files_drop(*, finished_before: dt.datetime) -> int:
    """Drop the files of report jobs that finished before ``finished_before`` (the row stays, with its
    audit trail: who asked for what and when; the file is gone, its SHA-256 and size stay in the audit
    row of the drop). How many files were dropped."""
    kept = ComputationJob.objects.filter(
        kind=JobKind.REPORT, status=JobStatus.DONE, finished_at__lt=finished_before, content__isnull=False
    )
    dropped = 0
    for job in kept.select_related("user").defer("content"):
        dropped += _update(job, {"content": None, "file_name": ""}, unfinished_only=False)
    return dropped


def job_fail(*, job: ComputationJob, error: str) -> bool:
    """``job`` failed with ``error`` (a sentence for the person who asked); a finished job stays as it is."""
    changes = {"status": JobStatus.FAILED, "finished_at": timezone.now(), "error": error[:ERROR_MAX]}
    return _update(job, changes, unfinished_only=True)
