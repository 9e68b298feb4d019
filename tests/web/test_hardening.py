"""Web hardening: no inline script in any template (the Content-Security-Policy forbids it), the security
headers on every answer, static files through WhiteNoise, and the 500 page showing the request id under
which the server logged the traceback."""

from __future__ import annotations

import logging.config
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from remission.logs import REQUEST_ID_HEADER, log_file, logging_config
from tests.web.raising_urls import FAILURE

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "remission" / "web" / "templates"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def _templates() -> list[Path]:
    found = sorted(TEMPLATES.rglob("*.html"))
    assert len(found) > 10  # the walk found the templates
    return found


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_inline_script(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for match in SCRIPT_TAG.finditer(text):
        attributes = match.group(1)
        assert "src=" in attributes, f"inline <script> in {template.name}: {match.group(0)}"
    assert not EVENT_HANDLER.search(text), f"an on…= event handler in {template.name}"


STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^<>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_has_inline_style(template: Path) -> None:
    # the policy's style-src is 'self': a style attribute or <style> element would be refused by the browser
    text = template.read_text(encoding="utf-8")
    assert not STYLE_ATTRIBUTE.search(text), f"a style attribute in {template.name}"
    assert not STYLE_ELEMENT.search(text), f"a <style> element in {template.name}"


def test_the_checks_catch_inline_style() -> None:
    assert STYLE_ATTRIBUTE.search('<div class="card" style="margin:0">')
    assert STYLE_ATTRIBUTE.search("<td\nstyle='x'>")
    assert STYLE_ELEMENT.search("<style>p{}</style>")
    assert not STYLE_ATTRIBUTE.search('<link rel="stylesheet" href="/static/web/app.css">')
    assert not STYLE_ATTRIBUTE.search("<p>the house style= is kept</p>")


def test_the_checks_catch_inline_script() -> None:
    """The two patterns above find what they are meant to find."""
    assert SCRIPT_TAG.search("<script>alert(1)</script>").group(1) == ""
    assert EVENT_HANDLER.search('<button onclick="x()">')
    assert not EVENT_HANDLER.search("<button data-print>")


def _csp(response: Any) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.django_db
def test_pages_carry_the_policy_and_security_headers() -> None:
    response = Client().get("/signin/")
    assert response.status_code == 200
    csp = _csp(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]  # no inline style: no 'unsafe-inline'
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert re.fullmatch(r"[0-9a-f]{16}", response[REQUEST_ID_HEADER])


@pytest.mark.django_db
def test_each_request_gets_its_own_id() -> None:
    client = Client()
    ids = {client.get("/signin/")[REQUEST_ID_HEADER] for _ in range(3)}
    assert len(ids) == 3


def test_screening_page_loads_its_script_from_a_file(world: Any) -> None:
    client = Client()
    client.force_login(world.users["clin_a"])
    page = client.get("/screening/").content.decode()
    assert '<script src="/static/web/screening.js" defer></script>' in page
    assert '<script src="/static/web/app.js" defer></script>' in page
    for match in SCRIPT_TAG.finditer(page):
        assert "src=" in match.group(1) or 'type="application/json"' in match.group(1), match.group(0)


@pytest.mark.parametrize("path", ["/static/web/app.css", "/static/web/app.js", "/static/web/screening.js"])
def test_static_files_come_from_whitenoise(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 200
    assert type(response).__module__.startswith("whitenoise")
    assert "max-age" in response["Cache-Control"]


def test_no_url_serves_static_files_insecurely() -> None:
    from django.contrib.staticfiles import views as static_views

    from remission.urls import urlpatterns

    assert all(getattr(p, "callback", None) is not static_views.serve for p in urlpatterns)


@pytest.fixture
def log_to(tmp_path: Path) -> Iterator[Path]:
    logging.config.dictConfig(logging_config(tmp_path))
    yield log_file(tmp_path)
    logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
@pytest.mark.urls("tests.web.raising_urls")
def test_server_error_page_shows_the_request_id_of_the_logged_traceback(log_to: Path) -> None:
    response = Client(raise_request_exception=False).get("/failing-page/")
    assert response.status_code == 500
    request_id = response[REQUEST_ID_HEADER]
    page = response.content.decode()
    assert f'<code data-testid="request-id">{request_id}</code>' in page
    assert FAILURE not in page  # the traceback stays in the log
    assert "Content-Security-Policy" in response
    logged = log_to.read_text(encoding="utf-8")
    line = next(line for line in logged.splitlines() if f"[{request_id}]" in line)
    assert "Internal Server Error: /failing-page/" in line
    after = logged[logged.index(line) :]
    assert "Traceback (most recent call last)" in after
    assert f"RuntimeError: {FAILURE}" in after
