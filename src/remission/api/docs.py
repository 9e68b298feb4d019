"""Who may read the interactive API documents (``/api/docs`` and ``/api/openapi.json``).

With ``REMISSION_API_DOCS_NEED_SIGNIN`` (on in production) a visitor must be signed in on the web: the
page sends a visitor who is not to the sign-in page and back; the document itself answers 401 in the API's
error shape. Off (the base settings, a registry on one machine), the documents are public, as the
operations still need a token.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from remission.api.errors import error_response

SIGN_IN_FOR_DOCS = "sign in on the web to read the API documents"


def docs_signin(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = bool(user and user.is_authenticated)
        if getattr(settings, "REMISSION_API_DOCS_NEED_SIGNIN", False) and not signed_in:
            if request.path_info.endswith(".json"):
                return error_response(request, 401, SIGN_IN_FOR_DOCS, rule="authentication")
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded
