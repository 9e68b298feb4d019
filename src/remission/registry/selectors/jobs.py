"""Reading computation jobs (``models/jobs.py``): a user sees their own jobs only; another user's job is
"not found". Writing them is ``services/jobs.py``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from remission.registry.models.jobs import ComputationJob
from remission.registry.selectors.scoping import get_or_not_found


def job_list(*, user: Any) -> QuerySet[ComputationJob]:
    """The user's own jobs, newest first (never another user's)."""
    return ComputationJob.objects.filter(user_id=getattr(user, "pk", None)).order_by("-created_at", "-id")


def job_get(*, user: Any, pk: int, with_file: bool = False) -> ComputationJob:
    """One of the user's own jobs; NotFound when there is none or it is another user's. Its stored file
    (``content``) is read only ``with_file``."""
    rows = job_list(user=user).select_related("user")
    return get_or_not_found(rows if with_file else rows.defer("content"), "computation job", pk=pk)


def job_matching(*, user: Any, results_key: str, kind: str, fmt: str) -> QuerySet[ComputationJob]:
    """The user's jobs of the same results key, kind and format, newest first (the file left out)."""
    rows = job_list(user=user).filter(results_key=results_key, kind=kind, format=fmt)
    return rows.defer("content").select_related("user")


def job_to_run(*, pk: int) -> ComputationJob:
    """The job a worker was handed (``remission.web.jobs``), with its owner, the file left out. Not scoped by
    a reader: the worker acts for the job's owner, whose scope the computation then applies."""
    return ComputationJob.objects.select_related("user").defer("content").get(pk=pk)
