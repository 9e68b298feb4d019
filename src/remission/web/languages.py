"""The language of the web pages (docs/languages.md): the signed-in user's own choice, else the browser's.

``LocaleMiddleware`` (settings ``MIDDLEWARE``) has already picked the language from the switcher's cookie,
else the browser's Accept-Language, else ``LANGUAGE_CODE``; :class:`UserLanguageMiddleware`, after
``AuthenticationMiddleware``, replaces it with the language a signed-in user stored on their account page
(``registry/services/preferences.py``), if they stored one. ``LocaleMiddleware`` then names the language
in the response's Content-Language header.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from remission.registry.selectors.preferences import language_of


def offered() -> frozenset[str]:
    """The language codes the site offers (settings ``LANGUAGES``)."""
    return frozenset(code for code, _name in settings.LANGUAGES)


def stored_language(request: HttpRequest) -> str:
    """The language the signed-in user stored, or "" (none stored, not signed in, database unavailable:
    the page then says so itself)."""
    user = getattr(request, "user", None)
    try:
        language = language_of(user)
    except OperationalError:
        return ""
    return language if language in offered() else ""


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = stored_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
