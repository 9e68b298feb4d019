"""Storing a fitted set of prediction models (issue 16): ``store_model_content``, audited, append-only.

Who may: the operator at the command line, a registry statistician or a registry administrator — the
people who fit models on the whole registry. Anyone else (a centre's data manager, clinician or viewer, a
registry data coordinator) is refused with :class:`~remission.registry.errors.PermissionDenied` before
anything is read or written (:func:`require_fit`; ``remission model fit`` asks it before fitting).

In one transaction the row (:class:`~remission.registry.models.PredictionModelSet`) is inserted and one
audit row (action ``model_fit``, entity ``registry.predictionmodelset``) names the version, the data
cut-off, the patients and events of each model, whether it was validated, and the SHA-256 of the stored
content. A model set is stored once: its version is a hash of its content, so storing the same content
again (the same data and settings) is refused with :class:`ModelSetExists`, which carries the stored row.

The content is ``ModelSet.to_dict()`` (the analysis layer checks that its version is the hash of its
content before it calls here: ``remission.analysis.prediction.stored.store_model_set``) and must hold
finite numbers only;
in a validation, a number that is not finite (an AUC with no events at a horizon, say) is stored as
``null`` (JSON has no NaN, and PostgreSQL's ``jsonb`` refuses it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from remission.registry.access import SYSTEM, scope_for
from remission.registry.codes import AuditAction, Role
from remission.registry.errors import PermissionDenied, RegistryError
from remission.registry.models import PredictionModelSet
from remission.registry.services.audit import audit_write

FITTERS = frozenset({Role.REGISTRY_STATISTICIAN, Role.REGISTRY_ADMINISTRATOR})
MAY_NOT_FIT = (
    "only a registry statistician or a registry administrator may fit and store the prediction models "
    "(your role: {roles})"
)
NO_ROLE = "none"
ALREADY_STORED = (
    "the prediction model set {version} is already stored (fitted {at:%Y-%m-%d %H:%M} UTC by {by}): the "
    "same data and settings give the same version; nothing written"
)
NOT_FINITE = "the model set holds a number that is not finite at {where}; not stored"
WRONG_VALIDATION = "the validation is of model {got}, not of {version}; not stored"
OPERATOR = "the operator (command line)"


class ModelSetExists(RegistryError):
    """The model set is already stored (same version); ``row`` is the stored one."""

    def __init__(self, message: str, row: PredictionModelSet) -> None:
        super().__init__(message)
        self.row = row


def require_fit(actor: Any) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` may fit and store prediction models."""
    if actor is SYSTEM:
        return
    roles = scope_for(actor).roles
    if not roles & FITTERS:
        names = ", ".join(sorted(Role(r).label.lower() for r in roles)) or NO_ROLE
        raise PermissionDenied(MAY_NOT_FIT.format(roles=names))


def fitted_by(row: PredictionModelSet) -> str:
    """Who fitted a stored model set, for a person: the account name, or the operator."""
    return OPERATOR if row.created_by_id is None else row.created_by.get_username()


def _check_finite(value: Any, where: str = "content") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(NOT_FINITE.format(where=where))
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_finite(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_finite(item, f"{where}[{i}]")


def finite_or_null(value: Any) -> Any:
    """``value`` (JSON-ready data) with every float that is not finite replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(v) for v in value]
    return value


def content_sha256(content: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a model set's stored content (sorted keys, no spaces)."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _validation_dict(validation: Any, version: str) -> dict[str, Any] | None:
    if validation is None:
        return None
    data = validation.to_dict() if hasattr(validation, "to_dict") else dict(validation)
    got = data.get("model_version")
    if got is not None and got != version:
        raise ValueError(WRONG_VALIDATION.format(got=got, version=version))
    return finite_or_null(data)


def store_model_content(content: Mapping[str, Any], *, by: Any, validation: Any = None) -> PredictionModelSet:
    """Store a model set's ``content`` (``ModelSet.to_dict()``, fitted by ``by``) with its ``validation`` (a
    ``Validation`` or its ``to_dict()``, or None), audited; see the module docstring for who may and what
    is refused."""
    require_fit(by)
    _check_finite(content)
    version = str(content["version"])
    checked = _validation_dict(validation, version)
    cutoff = content.get("cutoff")
    with transaction.atomic():
        stored = PredictionModelSet.objects.filter(version=version).first()
        if stored is not None:
            raise _exists(stored)
        row = PredictionModelSet(
            version=version,
            created_by=None if by is SYSTEM else by,
            data_cutoff=None if cutoff is None else dt.date.fromisoformat(cutoff),
            settings=dict(content["settings"]),
            content=dict(content),
            validation=checked,
        )
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # stored meanwhile by another writer
            stored = PredictionModelSet.objects.filter(version=version).first()
            if stored is None:
                raise
            raise _exists(stored) from None
        audit_write(
            actor=by,
            action=AuditAction.MODEL_FIT,
            record=row,
            centre_id=None,
            patient_id=None,
            before=None,
            after=_audit_after(content, validated=checked is not None),
        )
    return row


def already_stored(version: str) -> str | None:
    """Why a model set of ``version`` would not be stored (it is already), or None: for a caller to
    skip work (the validation) before :func:`store_model_set` would refuse it."""
    stored = PredictionModelSet.objects.select_related("created_by").defer("content")
    row = stored.filter(version=version).first()
    return None if row is None else str(_exists(row))


def _exists(stored: PredictionModelSet) -> ModelSetExists:
    message = ALREADY_STORED.format(version=stored.version, at=stored.created_at, by=fitted_by(stored))
    return ModelSetExists(message, stored)


def _audit_after(content: Mapping[str, Any], *, validated: bool) -> dict[str, Any]:
    return {
        "version": content["version"],
        "data_cutoff": content.get("cutoff"),
        "n": content["n"],
        "models": {
            m["endpoint"]: {
                "method": m["method"],
                "n": m["n"],
                "events": m["events"],
                "parameters": len(m["coef"]),
                "converged": m["converged"],
            }
            for m in content["models"]
        },
        "diseases_left_out": list(content["diseases_left_out"]),
        "validated": validated,
        "content_sha256": content_sha256(content),
    }
