"""A finished report's file is kept for a week (``web.jobs.FILES_KEPT``), then dropped when the next job
starts: the row and its audit trail stay, the drop is audited with the file's SHA-256 and size, and the
job's page says the file is gone instead of offering a download that would fail."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.urls import reverse
from django.utils import timezone

from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord, ComputationJob
from remission.registry.services.jobs import job_create, job_files_drop, job_finish
from remission.web import jobs

JOB_ENTITY = "registry.computationjob"
CONTENT = b"%PDF-1.4 a report of long ago"


def _finished_report(user: Any, *, days_ago: float) -> ComputationJob:
    job = job_create(actor=user, kind="report", fmt="pdf", request={"by": "era"}, results_key="k")
    assert job_finish(job=job, content=CONTENT, file_name="remission-outcomes.pdf", n_patients=2)
    finished = timezone.now() - dt.timedelta(days=days_ago)
    ComputationJob.objects.filter(pk=job.pk).update(finished_at=finished)
    return ComputationJob.objects.get(pk=job.pk)


def test_files_older_than_the_limit_are_dropped_and_the_drop_is_audited(world: Any) -> None:
    user = world.users["stat"]
    old = _finished_report(user, days_ago=8)
    recent = _finished_report(user, days_ago=1)
    assert job_files_drop(finished_before=timezone.now() - dt.timedelta(days=7)) == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.content is None and old.file_name == "" and old.status == "done"
    assert bytes(recent.content) == CONTENT and recent.file_name == "remission-outcomes.pdf"
    drop = AuditRecord.objects.filter(entity=JOB_ENTITY, record_id=old.pk).order_by("sequence").last()
    assert drop is not None and drop.action == AuditAction.UPDATE and drop.actor_id == user.pk
    assert drop.before["content"] == {"sha256": hashlib.sha256(CONTENT).hexdigest(), "bytes": len(CONTENT)}
    assert drop.after["content"] is None and drop.before["file_name"] == "remission-outcomes.pdf"
    # a second pass finds nothing left to drop
    assert job_files_drop(finished_before=timezone.now() - dt.timedelta(days=7)) == 0


def test_a_dropped_file_is_not_offered_for_download(world: Any, signed_in: Any) -> None:
    job = _finished_report(world.users["stat"], days_ago=8)
    job_files_drop(finished_before=timezone.now() - dt.timedelta(days=7))
    client = signed_in("stat")
    page = client.get(reverse("outcomes_job", args=[job.pk])).content.decode()
    assert 'data-testid="job-file-dropped"' in page
    assert reverse("outcomes_job_download", args=[job.pk]) not in page
    assert client.get(reverse("outcomes_job_download", args=[job.pk])).status_code == 404


def test_starting_a_job_drops_files_past_the_limit(world: Any) -> None:
    user = world.users["stat"]
    old = _finished_report(user, days_ago=jobs.FILES_KEPT.days + 1)
    kept = _finished_report(user, days_ago=jobs.FILES_KEPT.days - 1)
    started = jobs.start_job(user=user, kind="page", data={"by": "disease"})  # runs at once in a test
    assert started.status == "done"
    old.refresh_from_db()
    kept.refresh_from_db()
    assert old.content is None and kept.content is not None
