"""The starting point of every selector: the rows a user may read, and nothing else."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from remission.registry.access import scope_for
from remission.registry.errors import NotFound
from remission.registry.models import Centre, Patient

M = TypeVar("M", bound=models.Model)

NOT_FOUND = "{what} {key} was not found"


def readable_patients(user: Any) -> models.QuerySet[Patient]:
    """Patients of the centres ``user`` may read today (none for a user without a membership)."""
    scope = scope_for(user)
    patients = Patient.objects.all()
    return patients if scope.readable is None else patients.filter(centre_id__in=scope.readable)


def readable_records(model: type[M], user: Any) -> models.QuerySet[M]:
    """Rows of a patient-owned ``model`` whose patient ``user`` may read."""
    scope = scope_for(user)
    rows = model.objects.all()
    return rows if scope.readable is None else rows.filter(patient__centre_id__in=scope.readable)


def readable_centres(user: Any) -> models.QuerySet[Centre]:
    scope = scope_for(user)
    centres = Centre.objects.all()
    return centres if scope.readable is None else centres.filter(pk__in=scope.readable)


def get_or_not_found(rows: models.QuerySet[M], what: str, **key: Any) -> M:
    """One row of ``rows`` by ``key``; NotFound both when it does not exist and when it is out of scope."""
    try:
        return rows.get(**key)
    except (rows.model.DoesNotExist, ValueError, TypeError) as exc:
        shown = ", ".join(f"{v}" for v in key.values())
        raise NotFound(NOT_FOUND.format(what=what, key=shown)) from exc
