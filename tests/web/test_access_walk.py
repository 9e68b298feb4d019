"""Every URL of the web application and every operation of the API, for every role: who may, who may not.

The routes are enumerated from Django's URL resolver and from the OpenAPI document, and each must have
a rule below, so a new route cannot be forgotten. Another centre's record is always a 404, never a 403;
a 403 means "you may see this, but your role may not change it".
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Max
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from remission.api import schemas
from remission.api.api import PLURALS, api
from remission.registry.codes import Role
from remission.registry.kinds import EDITABLE_KINDS, KINDS
from remission.registry.models import FollowUp, Infusion, TimePoint
from remission.registry.quality.timepoints import refresh as refresh_time_points
from remission.registry.services.queries import query_raise
from remission.registry.services.tokens import token_create
from remission.web.quick_entry import PANELS
from tests.registry.conftest import grant, make_user

# centres each user may read / write ("a", "b"), by the role table in remission/registry/access.py
READS = {
    "dm_a": "a",
    "clin_a": "a",
    "viewer_a": "a",
    "dm_b": "b",
    "stat": "ab",
    "coord": "ab",
    "admin": "ab",
    "nobody": "",
    "former_a": "",
}
WRITES = {
    "dm_a": "a",
    "clin_a": "a",
    "viewer_a": "",
    "dm_b": "b",
    "stat": "",
    "coord": "",
    "admin": "ab",
    "nobody": "",
    "former_a": "",
}
USERS = sorted(READS)
# who raises and closes queries (registry/access.py): a registry data coordinator or administrator on any
# centre, a centre's data manager or clinician on their own (and closes only the queries they raised)
COORDINATES = frozenset({"coord", "admin"})


def _raises(user: str, centre: str) -> bool:
    return centre in WRITES[user] or user in COORDINATES


@pytest.fixture(autouse=True)
def _coordinator_and_queries(world: Any) -> None:
    """The world's users plus a registry data coordinator, who has raised one query on each centre's
    first follow-up (``world.queries``, by centre letter)."""
    coord = make_user("coord")
    grant(coord, Role.REGISTRY_DATA_COORDINATOR, None)
    world.users["coord"] = coord
    world.queries = {}
    for centre, patient in (("a", world.patient_a), ("b", world.patient_b)):
        record = FollowUp.objects.filter(patient=patient).order_by("pk").first()
        world.queries[centre] = query_raise(actor=coord, record=record, field="date", text="walk")


# web route name -> rule; "read"/"write" routes are walked for a record of centre a and of centre b
WEB_ROUTES = {
    "home": "redirect",
    "login": "signin",
    "logout": "post_redirect",
    "patient_list": "any",
    "patient_register": "writes_somewhere",
    "patient_detail": "read",
    "patient_fhir": "read",
    "record_new": "write",
    "quick_entry": "write",
    "record_edit": "read",
    "record_delete": "write",
    "record_history": "read",
    "screening": "any",
    "outcomes": "any",
    "outcomes_report": "redirect",  # to the user's job page (tests/web/test_outcome_jobs.py)
    "outcomes_job": "own_job",  # walked in test_outcome_job_walk
    "outcomes_job_download": "own_job",
    "quality": "any",
    "worklist": "any",  # every user: the forms due of the centres they read (or none)
    "completeness": "any",  # every user: the completeness of the centres they read (or none)
    "completeness_csv": "any",  # the same as the centre benchmark table (audited download)
    "queries": "any",
    "query_detail": "read",  # walked for a query of centre a and of centre b
    "query_raise": "raise_query",
    "export": "any",
    "export_redcap_dictionary": "any",
    "export_redcap_records": "any",
    "export_fhir": "any",
    "import": "writes_somewhere",
    "tokens": "any",
    "token_revoke": "own_token",
    # accounts (tests/web/test_accounts_*.py); "admin_post" routes: test_only_administrators_manage_accounts
    "second_factor_verify": "redirect",  # nothing to verify without a device: on to the home page
    "second_factor_enrol": "any",
    "account": "any",
    "password_change": "any",
    "user_list": "administers",
    "user_detail": "administers",
    "user_password_reset": "admin_post",
    "user_deactivate": "admin_post",
    "user_reactivate": "admin_post",
    "user_second_factor_reset": "admin_post",
    "membership_end": "admin_post",
    "set_language": "post_redirect",  # the language switcher (docs/languages.md)
    "static": "public",
}
API_PUBLIC = {"openapi-json", "openapi-view"}  # the OpenAPI document and the docs page


def _names(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _names(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield namespace, p.name or ""


def test_every_web_route_has_a_rule() -> None:
    names = {name for ns, name in _names(get_resolver().url_patterns) if ns != "api"}
    # "static" is no URL route (WhiteNoise serves /static/ before the URLs); it is still walked
    assert names == set(WEB_ROUTES) - {"static"}, "add the new route to WEB_ROUTES with who may reach it"
    api_names = {name for ns, name in _names(get_resolver().url_patterns) if ns == "api"}
    assert api_names >= API_PUBLIC


def _first(model: Any, patient: Any) -> Any:
    if model._meta.model_name == "patient":
        return patient
    return model.objects.filter(patient=patient).order_by("pk").first()


def _expect_web(rule: str, user: str | None, centre: str) -> set[int]:
    if user is None:
        return {200} if rule in ("signin", "public") else {302}
    reads, writes = centre in READS[user], centre in WRITES[user]
    if rule in ("any", "public"):
        return {200}
    if rule in ("redirect", "signin", "post_redirect"):
        return {302}
    if rule == "administers":
        return {200} if user == "admin" else {403}
    if rule == "writes_somewhere":
        return {200} if WRITES[user] else {403}
    if rule == "read":
        return {200} if reads else {404}
    if rule == "write":
        return {200} if writes else ({403} if reads else {404})
    if rule == "raise_query":
        return {200} if _raises(user, centre) else ({403} if reads else {404})
    raise AssertionError(rule)


def _web_requests(world: Any, user: str | None) -> Iterator[tuple[str, str, str, str]]:
    """(rule, method, url, centre) for every web route."""
    patients = {"a": world.patient_a, "b": world.patient_b}
    for name, rule in WEB_ROUTES.items():
        if rule in ("own_token", "own_job", "admin_post"):
            continue  # walked in test_token_revoke_walk, test_outcome_job_walk and test_accounts_admin
        if name == "user_detail":
            yield rule, "get", reverse(name, args=[world.users["dm_b"].pk]), "a"
            continue
        if name == "static":
            yield rule, "get", "/static/web/app.css", "a"
        elif name in ("logout", "set_language"):
            yield rule, "post", reverse(name), "a"
        elif name == "outcomes_report":
            for fmt in ("html", "pdf"):
                yield rule, "get", reverse(name, args=[fmt]), "a"
        elif name in ("patient_detail", "patient_fhir"):
            for c, p in patients.items():
                yield rule, "get", reverse(name, args=[p.registry_id]), c
        elif name == "query_detail":
            for c, q in world.queries.items():
                yield rule, "get", reverse(name, args=[q.pk]), c
        elif name == "query_raise":
            for c, q in world.queries.items():
                yield rule, "get", f"{reverse(name)}?entity={q.entity}&record={q.record_id}&field=date", c
        elif name == "record_new":
            for c, p in patients.items():
                for slug in KINDS:
                    if KINDS[slug].create is not None:
                        yield rule, "get", reverse(name, args=[p.registry_id, slug]), c
        elif name == "quick_entry":
            for c, p in patients.items():
                for panel in PANELS:
                    yield rule, "get", reverse(name, args=[p.registry_id, panel]), c
        elif name in ("record_edit", "record_delete", "record_history"):
            for c, p in patients.items():
                for slug, kind in EDITABLE_KINDS.items():
                    if name == "record_delete" and slug == "patient":
                        continue
                    record = _first(kind.model, p)
                    yield rule, "get", reverse(name, args=[slug, record.pk]), c
        else:
            yield rule, "get", reverse(name), "a"


@pytest.mark.parametrize("username", [*USERS, None])
def test_web_walk(world: Any, username: str | None) -> None:
    client = Client()
    if username is not None:
        client.force_login(world.users[username])
    wrong = []
    for rule, method, url, centre in _web_requests(world, username):
        status = getattr(client, method)(url).status_code
        if username is not None and rule == "post_redirect":
            client.force_login(world.users[username])  # signed out by the walk: sign in again
        expected = _expect_web(rule, username, centre)
        if status not in expected:
            wrong.append(f"{method.upper()} {url}: {status}, expected {sorted(expected)}")
    assert not wrong, f"{username}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("username", USERS)
def test_token_revoke_walk(world: Any, username: str) -> None:
    client = Client()
    client.force_login(world.users[username])
    mine, _ = token_create(actor=world.users[username], name="mine")
    other = "dm_b" if username != "dm_b" else "dm_a"
    theirs, _ = token_create(actor=world.users[other], name="theirs")
    assert client.post(reverse("token_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("token_revoke", args=[mine.pk])).status_code == 302


@pytest.mark.parametrize("username", USERS)
def test_outcome_job_walk(world: Any, username: str) -> None:
    """A report's job (run at once inside the test's transaction): its page is the asker's alone; its
    file is there when the user reads patients (an empty cohort has no report)."""
    client = Client()
    client.force_login(world.users[username])
    other = Client()
    other.force_login(world.users["dm_b" if username != "dm_b" else "dm_a"])
    for fmt in ("html", "pdf"):
        job_page = client.get(reverse("outcomes_report", args=[fmt]))["Location"]
        download = job_page + "download"
        assert client.get(job_page).status_code == 200
        assert client.get(download).status_code == (200 if READS[username] else 404)
        assert other.get(job_page).status_code == 404
        assert other.get(download).status_code == 404


# --- the API -----------------------------------------------------------------------------------------

KIND_OF_PLURAL = {plural: KINDS[slug] for slug, plural in PLURALS.items()}


def _operations() -> Iterator[tuple[str, str, str]]:
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation["operationId"]


def _classify(operation_id: str) -> str:
    if operation_id in ("me", "token_list", "token_create", "screen_candidate", "patient_list"):
        return "any"
    if operation_id == "cohort_outcomes":  # every user: the estimates of the centres they read (or none)
        return "any"
    if operation_id == "registry_export":  # every user: the records of the centres they read (or none)
        return "any"
    if operation_id in ("redcap_records_export", "fhir_bundles_export"):  # as registry_export
        return "any"
    if operation_id == "redcap_dictionary_export":  # no patient data
        return "any"
    if operation_id == "patient_fhir_bundle":  # a patient's records, as one FHIR Bundle
        return "read"
    if operation_id in ("import_redcap", "import_table", "import_fhir"):  # uploads nothing; see test_import*
        return "upload"
    if operation_id == "token_revoke":
        return "own_token"
    if operation_id == "query_list":  # every user: the queries of the centres they read (or none)
        return "any"
    if operation_id in ("query_get", "query_raise", "query_comment", "query_answer", "query_close"):
        return operation_id  # walked for a query (a record) of centre a and of centre b
    if operation_id == "query_reopen":
        return "query_close"
    if operation_id == "worklist":  # every user: the forms due of the centres they read (or none)
        return "any"
    if operation_id in ("completeness", "completeness_benchmark_csv"):  # the centres they read (or none)
        return "any"
    if operation_id in ("time_point_lock", "time_point_waive"):  # walked for centre a and centre b
        return "time_point_write"
    if operation_id == "time_point_unlock":
        return "time_point_unlock"
    for suffix, rule in (
        ("_get", "read"),
        ("_list", "read"),
        ("_create", "create"),
        ("_update", "change"),
        ("_delete", "change"),
    ):
        if operation_id.endswith(suffix):
            return rule
    raise AssertionError(f"no access rule for API operation {operation_id!r}: add one to _classify")


def test_every_api_operation_has_a_rule() -> None:
    for _, _, operation_id in _operations():
        _classify(operation_id)


def _example(annotation: Any, name: str) -> Any:
    """A schema-valid value for a required body field (the registry may still refuse it: see
    ``_registry_valid``)."""
    args = typing.get_args(annotation)
    base = args[0] if typing.get_origin(annotation) is typing.Annotated else annotation
    if base is dt.date:
        return "2023-01-15"
    if base is bool:
        return False
    if base is int:
        return 1
    if base is float:
        return 1.0
    return {
        "sex": "female",
        "vital_status": "alive",
        "event_type": "response",
        "category": "other",
        "analyte": "cd4",
        "unit": "cells/uL",
        "product_type": "auto_hsc",
        "source": "pb",
    }.get(name, "x")


def _body(world: Any, operation_id: str, path: str, centre: str) -> dict[str, Any] | None:
    patient = world.patient_a if centre == "a" else world.patient_b
    if operation_id == "query_raise":
        record = world.queries[centre]
        return {"entity": record.entity, "record_id": record.record_id, "field": "date", "text": "walk"}
    if operation_id.startswith("query_") and path.endswith(("comment", "answer", "close", "reopen")):
        return {"text": "walk"}
    if operation_id.startswith("time_point_"):
        return {"reason": "walk"}
    if operation_id == "token_create":
        return {"name": "walk"}
    if operation_id == "screen_candidate":
        return {"candidate_id": "W1", "disease": "ms"}
    if operation_id == "patient_create":
        centre_obj = world.centre_a if centre == "a" else world.centre_b
        return {
            "centre": centre_obj.code,
            "sex": "female",
            "birth_year": 1980,
            "birth_month": 2,
            "consent_status": "not_asked",
        }
    if operation_id.endswith("_update"):
        return {"version": 999_999}
    if operation_id.endswith("_create"):
        kind = KIND_OF_PLURAL[path.rstrip("/").rsplit("/", 1)[1]]
        return _registry_valid(kind.slug, _schema_body(kind, patient), patient)
    return None


def _schema_body(kind: Any, patient: Any) -> dict[str, Any]:
    """The required fields of ``kind``'s create schema, each with a schema-valid value."""
    body: dict[str, Any] = {}
    for name, field in schemas.create_schema(kind).model_fields.items():
        if field.is_required():
            if name.endswith("_id"):
                target = KINDS[kind.refs[name[:-3]]]
                body[name] = _first(target.model, patient).pk
            else:
                body[name] = _example(field.annotation, name)
    return body


def _registry_valid(slug: str, body: dict[str, Any], patient: Any) -> dict[str, Any]:
    """``body`` made acceptable to the registry's rules, so that a create by a writer is a 201.

    Codes are taken from the record of the same kind the example course holds (so they are known codes);
    the rules that allow one of something per patient or infusion get a record that has none yet.
    """
    stored = _first(KINDS[slug].model, patient)
    if slug == "diagnosis":  # one primary diagnosis per patient; a known disease code
        body.update(disease=stored.disease, is_primary=False)
    elif slug == "assessment":  # a known instrument, with its items
        body.update(instrument=stored.instrument, items=stored.items, score=stored.score)
    elif slug in ("mobilisation", "conditioning"):  # a known regimen code
        body["regimen"] = stored.regimen
    elif slug == "infusion":  # one infusion per number: the next number
        body["sequence"] = (
            Infusion.objects.filter(patient=patient).aggregate(Max("sequence"))["sequence__max"] + 1
        )
    elif slug == "engraftment":  # one engraftment per infusion: an infusion without one
        body["infusion_id"] = _infusion_without_engraftment(patient).pk
    return body


def _infusion_without_engraftment(patient: Any) -> Any:
    """The patient's first infusion with no engraftment recorded; a second infusion is stored if none."""
    free = Infusion.objects.filter(patient=patient, engraftment__isnull=True).order_by("sequence").first()
    if free is not None:
        return free
    first = Infusion.objects.filter(patient=patient).order_by("sequence").first()
    return Infusion.objects.create(
        patient=patient,
        product=first.product,
        date=first.date + dt.timedelta(days=1),
        sequence=first.sequence + 1,
    )


def _time_point(patient: Any) -> Any:
    """The patient's first follow-up time point (made by the records' write hook, or by a refresh here)."""
    if not TimePoint.objects.filter(patient=patient).exists():
        refresh_time_points([patient.pk])
    return TimePoint.objects.filter(patient=patient).order_by("day", "pk").first()


def _url(world: Any, path: str, centre: str, user: Any) -> str:
    patient = world.patient_a if centre == "a" else world.patient_b
    url = path.replace("{registry_id}", patient.registry_id)
    if "{record_id}" in url:
        kind = KIND_OF_PLURAL[path.split("/")[2]]
        url = url.replace("{record_id}", str(_first(kind.model, patient).pk))
    if "{query_id}" in url:
        url = url.replace("{query_id}", str(world.queries[centre].pk))
    if "{time_point_id}" in url:
        url = url.replace("{time_point_id}", str(_time_point(patient).pk))
    if "{token_id}" in url:
        url = url.replace("{token_id}", str(token_create(actor=user, name="to revoke")[0].pk))
    return url


def _expect_api(rule: str, user: str | None, centre: str, method: str) -> set[int]:
    if user is None:
        return {401}
    reads, writes = centre in READS[user], centre in WRITES[user]
    if rule == "any":
        return {201} if method == "post" else {200}
    if rule == "own_token":
        return {200}
    if rule == "upload":
        return {422}
    if rule == "read":
        return {200} if reads else {404}
    if rule == "create":
        return {201} if writes else ({403} if reads else {404})  # the walk's bodies are valid
    if rule == "change":
        return {409} if writes else ({403} if reads else {404})
    # queries: a step the query's status no longer allows (the walk takes them in turn) is a 422
    if rule == "query_get":
        return {200} if reads else {404}
    if rule == "query_raise":
        return {201} if _raises(user, centre) else ({403} if reads else {404})
    if rule == "query_comment":
        return {200, 422} if _raises(user, centre) else ({403} if reads else {404})
    if rule == "query_answer":
        return {200, 422} if writes else ({403} if reads else {404})
    if rule == "query_close":  # the walk's queries were raised by coord
        return {200, 422} if user in COORDINATES else ({403} if reads else {404})
    # time points: sign off and waive are the centre's; unlock also a coordinator's. A step the time point's
    # state no longer allows (the walk takes them in turn: lock, unlock, waive) is a 422
    if rule == "time_point_write":
        return {200, 422} if writes else ({403} if reads else {404})
    if rule == "time_point_unlock":
        return {200, 422} if writes or user in COORDINATES else ({403} if reads else {404})
    raise AssertionError(rule)


@pytest.mark.parametrize("username", [*USERS, None])
def test_api_walk(world: Any, username: str | None) -> None:
    user = world.users.get(username) if username else world.users["dm_a"]
    headers = {}
    if username is not None:
        headers["HTTP_AUTHORIZATION"] = "Bearer " + token_create(actor=user, name="walk")[1]
    client = Client(**headers)
    wrong = []
    for method, path, operation_id in _operations():
        rule = _classify(operation_id)
        if operation_id == "screen_candidate":
            rule = "screen"
        for centre in (
            ("a", "b")
            if "{registry_id}" in path
            or "{record_id}" in path
            or "{query_id}" in path
            or "{time_point_id}" in path
            or operation_id in ("patient_create", "query_raise")
            else ("a",)
        ):
            url = _url(world, path, centre, user)
            body = _body(world, operation_id, path, centre)
            if method == "delete" and "{record_id}" in path:
                url += "?version=999999&reason=walk"
            call = getattr(client, method)
            response = call(url, body, content_type="application/json") if body is not None else call(url)
            if rule == "screen":
                expected = {401} if username is None else {200}
            else:
                expected = _expect_api(rule, username, centre, method)
            if response.status_code not in expected:
                wrong.append(f"{method.upper()} {url}: {response.status_code}, expected {sorted(expected)}")
            elif response.status_code >= 400:
                assert "errors" in response.json(), f"{method.upper()} {url}: error without the error shape"
    assert not wrong, f"{username}:\n" + "\n".join(wrong)


# kinds whose schema-valid body (_schema_body) breaks a registry rule, and the rule the 422 names
REFUSED = {
    "diagnosis": "known_code",  # disease "x" (and a second primary diagnosis)
    "assessment": "known_code",  # instrument "x"
    "mobilisation": "known_code",  # regimen "x"
    "conditioning": "known_code",  # regimen "x"
    "infusion": "one_infusion_per_number",  # sequence 1 again
    "engraftment": "one_engraftment_per_infusion",  # the first infusion, which has one
}


@pytest.mark.parametrize("slug", sorted(REFUSED))
def test_api_create_refuses_a_body_the_registry_rules_out(world: Any, slug: str) -> None:
    """A 422 is the registry refusing the body of a writer; for the same body a reader who may not write
    gets 403 and another centre's user 404: access is decided before any rule is looked at."""
    kind = KINDS[slug]
    (path,) = [p for m, p, op in _operations() if m == "post" and op == f"{slug.replace('-', '_')}_create"]
    url = _url(world, path, "a", world.users["dm_a"])
    body = _schema_body(kind, world.patient_a)
    count = kind.model.objects.filter(patient=world.patient_a).count()
    for username, expected in (("dm_a", 422), ("viewer_a", 403), ("dm_b", 404)):
        token = token_create(actor=world.users[username], name="refused")[1]
        response = Client(HTTP_AUTHORIZATION="Bearer " + token).post(
            url, body, content_type="application/json"
        )
        assert response.status_code == expected, (username, response.content)
        rules = {problem.get("rule") for problem in response.json()["errors"]}
        if expected == 422:
            assert REFUSED[slug] in rules, rules
    assert kind.model.objects.filter(patient=world.patient_a).count() == count  # nothing was stored
    # and the body made valid is stored, for the writer
    valid = _registry_valid(slug, body, world.patient_a)
    token = token_create(actor=world.users["dm_a"], name="valid")[1]
    response = Client(HTTP_AUTHORIZATION="Bearer " + token).post(url, valid, content_type="application/json")
    assert response.status_code == 201, response.content
    assert kind.model.objects.filter(patient=world.patient_a).count() == count + 1


def test_api_documents_are_public(world: Any) -> None:
    client = Client()
    assert client.get(reverse("api:openapi-json")).status_code == 200
    assert client.get(reverse("api:openapi-view")).status_code == 200


def test_no_page_carries_a_style_attribute(world: Any) -> None:
    # the Content-Security-Policy's style-src is 'self' (tests/web/test_hardening.py): every page the
    # registry's administrator can open, forms, widgets and included templates together, as served
    import re

    style_attribute = re.compile(r"<[a-zA-Z][^<>]*\sstyle\s*=", re.IGNORECASE)
    client = Client()
    client.force_login(world.users["admin"])
    pages = 0
    found = []
    for rule, method, url, _ in _web_requests(world, "admin"):
        if method != "get" or rule == "static":
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        match = style_attribute.search(response.content.decode())
        if match:
            found.append(f"{url}: {match.group(0)[:80]}")
    assert pages > 40, pages  # the walk reached the pages
    assert not found, "\n".join(found)
