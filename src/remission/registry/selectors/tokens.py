"""Reading API tokens: a user sees their own tokens only (the rows, never the tokens themselves, which are
not stored). Making, revoking and checking a token are ``services/tokens.py``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from remission.registry.models.tokens import ApiToken


def token_list(*, user: Any) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (never another user's)."""
    return ApiToken.objects.filter(user_id=getattr(user, "pk", None)).order_by("-created_at", "-id")
