"""Reading the stored prediction models as the registry keeps them: JSON content, validation, who and when.

A model set holds no record of any patient: coefficients, their covariance, baseline hazards, predictor
ranges and counts per disease. Every signed-in user may read it (a clinician screening a candidate needs
it); ``user=None`` is the caller inside the registry (the screening of a candidate, a command). A user who
is not signed in or not active is refused. The analysis layer turns the content into a model set and a
model card (``remission.analysis.prediction.stored``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from remission.registry.access import SYSTEM
from remission.registry.errors import NotFound, PermissionDenied
from remission.registry.models import Centre, Infusion, PredictionModelSet
from remission.registry.services.prediction_models import fitted_by

NO_MODEL = "no prediction model set is stored: fit one with `remission model fit`"
NO_VERSION = "no prediction model set of version {version!r} is stored"
NOT_SIGNED_IN = "sign in to read the prediction models"


def _require_reader(user: Any) -> None:
    if user is None or user is SYSTEM:
        return
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        raise PermissionDenied(NOT_SIGNED_IN)


def _row(version: str | None, *, content: bool = True) -> PredictionModelSet:
    rows = PredictionModelSet.objects.select_related("created_by")
    if not content:
        rows = rows.defer("content")
    if version is None:
        row = rows.order_by("-created_at", "-id").first()
        if row is None:
            raise NotFound(NO_MODEL)
        return row
    row = rows.filter(version=version).first()
    if row is None:
        raise NotFound(NO_VERSION.format(version=version))
    return row


def model_validation(version: str, *, user: Any = None) -> dict[str, Any] | None:
    """The validation stored with the model set ``version`` (``Validation.to_dict()``), or None when it
    was stored without one; :class:`NotFound` if there is no such version. Reads only that column."""
    _require_reader(user)
    rows = PredictionModelSet.objects.filter(version=version).values_list("validation", flat=True)
    if not rows:
        raise NotFound(NO_VERSION.format(version=version))
    return rows[0]


def model_set_versions(*, user: Any = None) -> list[dict[str, Any]]:
    """Every stored version, newest first: version, when, by whom, data cut-off, validated or not."""
    _require_reader(user)
    rows = PredictionModelSet.objects.select_related("created_by").order_by("-created_at", "-id")
    return [
        {
            "version": row.version,
            "created_at": row.created_at.isoformat(),
            "created_by": fitted_by(row),
            "data_cutoff": None if row.data_cutoff is None else row.data_cutoff.isoformat(),
            "validated": row.validation is not None,
        }
        for row in rows.defer("content", "settings")
    ]


def current_version(*, user: Any = None) -> str | None:
    """The version of the latest stored model set, or None when none is stored."""
    _require_reader(user)
    return PredictionModelSet.objects.order_by("-created_at", "-id").values_list("version", flat=True).first()


def model_content(version: str, *, user: Any = None) -> dict[str, Any]:
    """The stored content (``ModelSet.to_dict()``) of ``version``; :class:`NotFound` if there is none."""
    _require_reader(user)
    return _row(version).content


def model_info(version: str | None = None, *, user: Any = None) -> dict[str, Any]:
    """Version, when and by whom it was stored, data cut-off and validation of ``version`` (default: the
    current one), without the content; :class:`NotFound` when there is none."""
    _require_reader(user)
    row = _row(version, content=False)
    return {
        "version": row.version,
        "created_at": row.created_at.isoformat(),
        "created_by": fitted_by(row),
        "data_cutoff": None if row.data_cutoff is None else row.data_cutoff.isoformat(),
        "validation": row.validation,
    }


def centre_procedures(centre: Centre, product_types: Iterable[str], up_to: dt.date) -> int:
    """Infusions of ``product_types`` at ``centre`` dated up to ``up_to`` (its experience, as the analysis
    set counts it). The caller passes a centre the user may read (``centre_list``)."""
    return Infusion.objects.filter(
        patient__centre=centre, product__product_type__in=sorted(product_types), date__lte=up_to
    ).count()
