"""The site's URL map: the web pages (:mod:`remission.web.urls`) and the REST API under ``/api/``.

It lives above both faces so that neither imports the other. Static files (CSS, scripts, the API docs'
assets) are served by WhiteNoise (settings ``MIDDLEWARE``), not by a URL here.
"""

from __future__ import annotations

from django.urls import path

from remission.api.api import api
from remission.web.urls import urlpatterns as web_urlpatterns

handler500 = "remission.web.views.errors.server_error"

urlpatterns = [*web_urlpatterns, path("api/", api.urls)]
