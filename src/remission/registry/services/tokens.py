"""Creating, revoking and checking API tokens (the registry's services; the API, the web page *API
tokens* and ``remission token`` call them; reading a user's tokens is ``selectors/tokens.py``).

A token is ``rms_`` followed by 43 random URL-safe characters (256 bits); the database keeps its SHA-256
digest (a fast hash is enough for a random secret of this length) and its first characters to show.
Creating and revoking are writes: each leaves an audit row (entity ``api.apitoken``, the name the audit
trail has used since tokens began in the API app; no centre).

A token expires (``REMISSION_API_TOKEN_DAYS`` after it is made, or sooner if its maker says so, at most
``REMISSION_API_TOKEN_MAX_DAYS``) and has a scope, ``read`` or ``read-write``. Tokens are made by a user
signed in on the web (or a command run on the server), never with a token: :func:`token_create` refuses
when it is called on a token's authority. Revoking a token revokes every token made with it, and every
token made with those (tokens that tokens made before that was refused).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from remission.registry.codes import AuditAction
from remission.registry.errors import NotFound, PermissionDenied, Problem, ValidationFailed
from remission.registry.models.tokens import ApiToken, TokenScope
from remission.registry.services.audit import audit_write

TOKEN_ENTITY = "api.apitoken"  # the audit rows' entity, as before the model moved to the registry
TOKEN_PREFIX = "rms_"
PREFIX_SHOWN = 10
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)  # write last_used_at at most this often
NAME_REQUIRED = "a token needs a name saying what it is for"
NAME_TOO_LONG = "the name must be at most 100 characters"
TOKEN_NOT_FOUND = "API token {pk} was not found"
TOKEN_MAKES_TOKEN = "a token cannot make tokens: make one on the web page 'API tokens', signed in as yourself"
READ_ONLY_TOKEN = "this token may only read (scope 'read'); make a read-write token to change records"
SCOPE_UNKNOWN = "scope must be one of: {choices}"
DAYS_OUT_OF_RANGE = "a token lasts from 1 to {most} days, not {days}"
REVOKED_WITH = "revoked with token {pk}, which made it"


def default_days() -> int:
    return int(getattr(settings, "REMISSION_API_TOKEN_DAYS", 90))


def max_days() -> int:
    return int(getattr(settings, "REMISSION_API_TOKEN_MAX_DAYS", 365))


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(
    *,
    actor: Any,
    name: str,
    scope: str = TokenScope.READ_WRITE,
    days: int | None = None,
    via_token: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``actor``, lasting ``days`` (default ``REMISSION_API_TOKEN_DAYS``); returns the
    row and the token itself (show it once).

    ``via_token``: the token the request was authenticated with, if any — a token cannot make tokens
    (PermissionDenied).
    """
    if via_token is not None:
        raise PermissionDenied(TOKEN_MAKES_TOKEN)
    name = (name or "").strip()
    problems = []
    if not name or len(name) > 100 or "\x00" in name:
        message = NAME_REQUIRED if not name else NAME_TOO_LONG
        problems.append(Problem("API token (new)", "name", "token_name", message))
    if scope not in TokenScope.values:
        message = SCOPE_UNKNOWN.format(choices=", ".join(TokenScope.values))
        problems.append(Problem("API token (new)", "scope", "token_scope", message))
    days = default_days() if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= max_days():
        message = DAYS_OUT_OF_RANGE.format(most=max_days(), days=days)
        problems.append(Problem("API token (new)", "days", "token_days", message))
    if problems:
        raise ValidationFailed(problems)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=days)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=raw[:PREFIX_SHOWN],
            digest=_digest(raw),
            scope=scope,
            expires_at=expires_at,
        )
        audit_write(
            actor=actor,
            action=AuditAction.CREATE,
            record=token,
            entity=TOKEN_ENTITY,
            centre_id=None,
            patient_id=None,
            before=None,
            after={
                "name": name,
                "prefix": token.prefix,
                "user": actor.pk,
                "scope": scope,
                "expires_at": expires_at.isoformat(),
            },
        )
    return token, raw


def token_revoke(*, actor: Any, pk: int) -> ApiToken:
    """Revoke one of ``actor``'s own tokens (another user's token is not found), and every token made
    with it, and with those, each revocation audited."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(pk=pk, user_id=actor.pk).first()
        if token is None:
            raise NotFound(TOKEN_NOT_FOUND.format(pk=pk))
        now = timezone.now()
        _revoke(actor, token, now, reason="revoked")
        for made in _made_with(token):
            _revoke(actor, made, now, reason=REVOKED_WITH.format(pk=token.pk))
    return token


def _made_with(token: ApiToken) -> list[ApiToken]:
    """Every token made with ``token``, directly or through tokens it made (breadth first)."""
    found: list[ApiToken] = []
    seen = {token.pk}
    frontier = [token.pk]
    while frontier:
        rows = list(
            ApiToken.objects.select_for_update()
            .filter(created_by_token_id__in=frontier)
            .exclude(pk__in=seen)
            .order_by("pk")
        )
        found.extend(rows)
        frontier = [row.pk for row in rows]
        seen.update(frontier)
    return found


def _revoke(actor: Any, token: ApiToken, now: dt.datetime, *, reason: str) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = now
    token.save(update_fields=["revoked_at"])
    audit_write(
        actor=actor,
        action=AuditAction.UPDATE,
        record=token,
        entity=TOKEN_ENTITY,
        centre_id=None,
        patient_id=None,
        before={"revoked_at": None},
        after={"revoked_at": now.isoformat()},
        reason=reason,
    )


def token_authenticate(raw: str) -> ApiToken | None:
    """The token ``raw`` names, with its user, if it may be used now; None when it is unknown, revoked,
    expired, or its user is inactive."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_user(raw: str) -> Any | None:
    """The active user a usable token belongs to, or None (see :func:`token_authenticate`)."""
    token = token_authenticate(raw)
    return None if token is None else token.user


def check_scope(token: ApiToken, *, write: bool) -> None:
    """PermissionDenied when ``token`` may not do what is asked (a read token asked to write)."""
    if write and not token.writes:
        raise PermissionDenied(READ_ONLY_TOKEN)
