"""The language switcher (every page's header): Django's ``set_language`` sets the language cookie and
goes back to the page; a signed-in user's choice is also stored as their language (audited), so that it
holds on every device and is not overridden by the language they stored before."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from remission.registry.services.preferences import language_set
from remission.web.languages import offered


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    response = set_language(request)
    language = request.POST.get("language", "")
    user = getattr(request, "user", None)
    if language in offered() and user is not None and user.is_authenticated:
        language_set(actor=user, language=language)  # a language not offered: set_language ignored it too
    return response
