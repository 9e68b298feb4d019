"""The application's URLs plus one page that fails, for the server-error tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from remission.urls import handler500
from remission.urls import urlpatterns as app_urlpatterns

FAILURE = "the page failed on purpose (test)"


def failing_page(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(FAILURE)


urlpatterns = [path("failing-page/", failing_page), *app_urlpatterns]
__all__ = ["handler500", "urlpatterns"]
