"""The site's URL map: the web pages (:mod:`remission.web.urls`) and the REST API under ``/api/``.

It lives above both faces so that neither imports the other. Static files (CSS, scripts, the API docs'
assets) are served by WhiteNoise (settings ``MIDDLEWARE``), not by a URL here.
"""

from __future__ import annotations

from django.urls import path

from remission.api.api import api
from remission.web.urls import urlpatterns as web_urlpatterns
from remission.web.views.languages import language_switch

handler500 = "remission.web.views.errors.server_error"

urlpatterns = [
    *web_urlpatterns,
    # the language switcher (docs/languages.md): Django's set_language, storing a signed-in user's choice
    path("i18n/setlang/", language_switch, name="set_language"),
    path("api/", api.urls),
]
