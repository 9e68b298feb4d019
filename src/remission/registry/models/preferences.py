"""A user's own preferences: for now, the language the web pages are shown in (docs/languages.md).

One row per user, made the first time they choose; no row, or a blank language, follows the browser
(the language switcher's cookie, else its Accept-Language). The web's account page names the choices.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

FOLLOW_BROWSER = ""


def language_choices() -> list[tuple[str, str]]:
    """The languages of ``settings.LANGUAGES``, each in its own name (blank: follow the browser)."""
    return list(settings.LANGUAGES)


class UserPreference(models.Model):
    """The language a signed-in user sees the web pages in; blank follows the browser."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    language = models.CharField(max_length=10, blank=True, default=FOLLOW_BROWSER, choices=language_choices)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.language or 'browser'})"
