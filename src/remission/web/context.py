"""What every page shows: the signed-in user's centres and roles, and the languages of the switcher."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from remission.registry.access import scope_for
from remission.registry.codes import Role
from remission.registry.selectors import centre_list


def user_scope(request: HttpRequest) -> dict[str, Any]:
    # the language switcher's choices, each language in its own name (settings LANGUAGES), on every page
    languages = {"site_languages": settings.LANGUAGES}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return languages
    scope = scope_for(user)
    labels = ", ".join(sorted(str(Role(r).label) for r in scope.roles)) or _("no active role")
    if scope.reads_everything:
        centres = _("all centres")
    else:
        centres = ", ".join(c.name for c in centre_list(user=user)) or _("no centre")
    return {
        **languages,
        "scope_roles": labels,
        "scope_centres": centres,
        "scope_all_centres": scope.reads_everything,
    }
