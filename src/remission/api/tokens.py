"""Creating, listing, revoking and checking API tokens (the API app's services and selectors).

A token is ``rms_`` followed by 43 random URL-safe characters (256 bits); the database keeps its SHA-256
digest (a fast hash is enough for a random secret of this length) and its first characters to show.
Creating and revoking are writes: each leaves an audit row (entity ``api.apitoken``, no centre).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from remission.api.models import ApiToken
from remission.registry.codes import AuditAction
from remission.registry.errors import NotFound, Problem, ValidationFailed
from remission.registry.services.audit import audit_write

TOKEN_PREFIX = "rms_"
PREFIX_SHOWN = 10
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)  # write last_used_at at most this often
NAME_REQUIRED = "a token needs a name saying what it is for"
NAME_TOO_LONG = "the name must be at most 100 characters"
TOKEN_NOT_FOUND = "API token {pk} was not found"


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """A new token for ``actor``; returns the row and the token itself (show it once)."""
    name = (name or "").strip()
    if not name or len(name) > 100 or "\x00" in name:
        message = NAME_REQUIRED if not name else NAME_TOO_LONG
        raise ValidationFailed([Problem("API token (new)", "name", "token_name", message)])
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=actor, name=name, prefix=raw[:PREFIX_SHOWN], digest=_digest(raw))
        audit_write(
            actor=actor,
            action=AuditAction.CREATE,
            record=token,
            centre_id=None,
            patient_id=None,
            before=None,
            after={"name": name, "prefix": token.prefix, "user": actor.pk},
        )
    return token, raw


def token_list(*, user: Any) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (never another user's)."""
    return ApiToken.objects.filter(user_id=getattr(user, "pk", None)).order_by("-created_at", "-id")


def token_revoke(*, actor: Any, pk: int) -> ApiToken:
    """Revoke one of ``actor``'s own tokens (another user's token is not found)."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=pk, user_id=actor.pk).first()
        if token is None:
            raise NotFound(TOKEN_NOT_FOUND.format(pk=pk))
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_write(
                actor=actor,
                action=AuditAction.UPDATE,
                record=token,
                centre_id=None,
                patient_id=None,
                before={"revoked_at": None},
                after={"revoked_at": token.revoked_at.isoformat()},
                reason="revoked",
            )
    return token


def token_user(raw: str) -> Any | None:
    """The active user a token belongs to, or None (unknown, revoked, or the user is inactive)."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user").filter(digest=_digest(raw), revoked_at__isnull=True).first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
