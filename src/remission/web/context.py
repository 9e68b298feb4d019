"""What every page shows about the signed-in user: their centres and roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from remission.registry.access import scope_for
from remission.registry.codes import Role
from remission.registry.selectors import centre_list


def user_scope(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_for(user)
    labels = ", ".join(sorted(Role(r).label for r in scope.roles)) or "no active role"
    centres = "all centres" if scope.reads_everything else ", ".join(c.name for c in centre_list(user=user))
    return {"scope_roles": labels, "scope_centres": centres or "no centre"}
