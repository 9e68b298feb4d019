"""Reading a user's own preferences (written by ``registry/services/preferences.py``)."""

from __future__ import annotations

from typing import Any

from remission.registry.models.preferences import FOLLOW_BROWSER, UserPreference


def language_of(user: Any) -> str:
    """The language ``user`` chose, or "" (follow the browser) when they chose none."""
    if user is None or not user.is_authenticated:
        return FOLLOW_BROWSER
    stored = UserPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return stored or FOLLOW_BROWSER
