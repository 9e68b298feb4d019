"""Hypothesis fuzzing of every web form, as a signed-in data manager: random and hostile values in every
field of every form (found by reading the page's own ``<form>``: its inputs, selects and text areas)
never give a server error, and a script typed into a field is never echoed back unescaped."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remission.registry.kinds import EDITABLE_KINDS, KINDS
from remission.registry.models import Patient
from remission.registry.services.tokens import token_create
from tests.registry.conftest import World, stored_world, world  # noqa: F401 (fixtures)

EXAMPLES = 12
SCRIPT = "<script>alert(1)</script>"
HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "-inf",
    "99999999999999999999999",
    "25531",
    "9999-12-31",
    "0001-01-01",
    "2024-02-30",
    "31/12/2023",
    "\x00",
    SCRIPT,
    "' OR 1=1 --",
    "\u202e\ufeff😀",
    "a" * 3000,
    "[]",
    "{}",
    '{"a": [1, {"b": null}]}',
    '{"a":',
    "null",
    "true",
]
PAGES = [
    ("/patients/new/", None),
    ("/patients/{rid}/{slug}/new/", "create"),
    ("/records/{slug}/{pk}/", "edit"),
    ("/records/{slug}/{pk}/delete/", "edit"),
    ("/screening/", None),
    ("/outcomes/", None),
    ("/quality/", None),
    ("/patients/", None),
    ("/export/", None),
    ("/import/", None),
    ("/account/tokens/", None),
    ("/account/password/", None),
    ("/account/second-factor/", None),
]


def _cases() -> list[tuple[str, str | None]]:
    cases: list[tuple[str, str | None]] = []
    for template, each in PAGES:
        if each is None:
            cases.append((template, None))
            continue
        slugs = [s for s, k in KINDS.items() if k.create is not None] if each == "create" else EDITABLE_KINDS
        cases += [(template, slug) for slug in slugs]
    return cases


class Forms(HTMLParser):
    """The forms of a page: action, method, and each field's name with the values it offers."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = a.get("method", "get").lower()
            self.forms.append({"action": a.get("action", ""), "method": method, "fields": {}})
            return
        if not self.forms or not a.get("name") or a.get("name") == "csrfmiddlewaretoken":
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("type") not in ("submit", "button", "file"):
            fields.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag == "textarea":
            fields.setdefault(a["name"], [])
        elif tag == "select":
            self._select = a["name"]
            fields.setdefault(a["name"], [])
        elif tag == "option" and self._select:
            fields[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def _close_download(response: Any) -> None:
    """Close a streamed answer as Django's test client does: without the end-of-request signal closing
    the test's own database connection (and with it the test's transaction)."""
    from django.core.signals import request_finished
    from django.db import close_old_connections

    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _url(template: str, slug: str | None, registry: World) -> str | None:
    rid = registry.patient_a.registry_id
    if "{pk}" in template:
        assert slug is not None
        model = EDITABLE_KINDS[slug].model
        mine = {"pk": registry.patient_a.pk} if model is Patient else {"patient": registry.patient_a}
        pk = model.objects.filter(**mine).values_list("pk", flat=True).first()
        if pk is None:
            return None
        return template.format(slug=slug, pk=pk)
    return template.format(rid=rid, slug=slug)


def _values(fields: dict[str, list[str]]) -> st.SearchStrategy[dict[str, str]]:
    """Each field left out, one of the values the page offers, a hostile value or random text."""

    def one(offered: list[str]) -> st.SearchStrategy[str]:
        choices = [st.sampled_from(HOSTILE), st.text(max_size=40)]
        if offered:
            choices.insert(0, st.sampled_from(offered))
        return st.one_of(*choices)

    return st.fixed_dictionaries({}, optional={name: one(offered) for name, offered in fields.items()})


@pytest.mark.parametrize(("template", "slug"), _cases(), ids=lambda v: str(v))
def test_no_form_gives_a_server_error(template: str, slug: str | None, world: World) -> None:  # noqa: F811
    user = world.users["dm_a"]
    token_create(actor=user, name="fuzz")  # so the tokens page offers a revoke form
    client = Client(raise_request_exception=False)
    client.force_login(user)
    url = _url(template, slug, world)
    if url is None:
        pytest.skip(f"patient A has no {slug}")
    page = client.get(url)
    assert page.status_code < 500, url
    parser = Forms()
    parser.feed(page.content.decode())
    forms = [f for f in parser.forms if f["fields"] and "signout" not in f["action"]]
    if not forms:  # refused to a data manager (e.g. a patient cannot be deleted): nothing to fill in
        assert page.status_code != 200, f"no form found on {url}"
        return

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def post(data: st.DataObject) -> None:
        form = data.draw(st.sampled_from(forms))
        values = data.draw(_values(form["fields"]))
        target = form["action"] or url
        send = client.post if form["method"] == "post" else client.get
        response = send(target, values)
        error = getattr(response, "exc_info", None)
        assert response.status_code < 500, (target, values, response.status_code, error and error[1])
        if response.streaming:  # a download (CSV, ZIP): a file, not a page
            _close_download(response)
        else:
            assert SCRIPT.encode() not in response.content, (target, values)

    post()
