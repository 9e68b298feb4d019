"""Script in every free-text field is shown as text: a payload saved through the services into each
text field that people can type (the record kinds' own text fields, a centre's name and codes, hospital
numbers, an API token's name, the reason of a change) never appears unescaped on any page, and appears
escaped on at least one page (so the test looks where the field is shown)."""

from __future__ import annotations

import html

import pytest
from django.db import models
from django.test import Client

from remission.registry import services
from remission.registry.access import SYSTEM
from remission.registry.errors import ValidationFailed
from remission.registry.kinds import KINDS, PATIENT_KIND, Kind
from remission.registry.labels import code_choices
from remission.registry.services.tokens import token_create
from remission.web.forms import FREE_CODE_FIELDS
from tests.registry.conftest import World, stored_world, world  # noqa: F401 (fixtures)

PAYLOAD = '<script>alert("xss")</script>'
ATTRIBUTE_PAYLOAD = '"><img src=x onerror=alert(1)>'
# Short codes have short fields: a payload that fits in 8 characters still opens a tag.
SHORT_PAYLOAD = "<b>x</b>"


def free_text_fields(kind: Kind) -> list[str]:
    """Text fields a person types, with no list of codes to choose from (found from the models)."""
    names = []
    for name in kind.fields:
        try:
            field = kind.model._meta.get_field(name)
        except Exception:  # an item of the kind that is no model field
            continue
        text = isinstance(field, models.CharField | models.TextField) and not field.choices
        if text and (name in FREE_CODE_FIELDS or not code_choices(kind.model, name)):
            names.append(name)
    return names


def payload_for(field: models.Field) -> str:
    limit = getattr(field, "max_length", None) or 1000
    for text in (PAYLOAD, ATTRIBUTE_PAYLOAD, SHORT_PAYLOAD):
        if len(text) <= limit:
            return text
    pytest.fail(f"no payload fits {field} (max_length {limit})")


def pages_of(registry: World, client: Client, extra: list[str]) -> dict[str, str]:
    """Every page that shows a patient's records, for patient A."""
    from remission.registry.models import PATIENT_RECORD_MODELS

    rid = registry.patient_a.registry_id
    urls = [
        "/",
        "/patients/",
        f"/patients/{rid}/",
        f"/patients/{rid}/?identifiers=1",
        "/quality/",
        "/account/tokens/",
        f"/patients/?search={rid}",
        *extra,
    ]
    slugs = {kind.model: kind.slug for kind in KINDS.values()}
    for model in PATIENT_RECORD_MODELS:
        for pk in model.objects.filter(patient=registry.patient_a).values_list("pk", flat=True):
            slug = slugs.get(model)
            if slug:
                urls += [
                    f"/records/{slug}/{pk}/",
                    f"/records/{slug}/{pk}/history/",
                    f"/records/{slug}/{pk}/delete/",
                ]
    pages = {}
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code < 500, url
        pages[url] = response.content.decode()
    return pages


def _escaped_forms(text: str) -> set[str]:
    return {html.escape(text), html.escape(text, quote=False), text.replace("<", "&lt;").replace(">", "&gt;")}


def test_free_text_is_escaped_on_every_page(world: World) -> None:  # noqa: F811
    user = world.users["dm_a"]
    saved: dict[str, str] = {}  # "kind.field" -> payload stored
    refused: dict[str, str] = {}
    for kind in [PATIENT_KIND, *KINDS.values()]:
        records = (
            [world.patient_a]
            if kind is PATIENT_KIND
            else list(kind.model.objects.filter(patient=world.patient_a).order_by("pk")[:1])
        )
        for record in records:
            for name in free_text_fields(kind):
                if name not in kind.editable:
                    continue
                text = payload_for(kind.model._meta.get_field(name))
                record = type(record).objects.get(pk=record.pk)
                try:
                    services.record_update(
                        record, actor=user, version=record.version, changes={name: text}, reason=PAYLOAD
                    )
                except ValidationFailed as exc:  # a rule refused it: nothing stored, nothing shown
                    refused[f"{kind.slug}.{name}"] = str(exc)
                    continue
                saved[f"{kind.slug}.{name}"] = text
    centre = world.centre_a
    services.centre_update(actor=SYSTEM, centre=centre, version=centre.version, name=PAYLOAD, reason=PAYLOAD)
    saved["centre.name"] = PAYLOAD
    services.hospital_identifier_add(actor=user, patient=world.patient_a, system=SHORT_PAYLOAD, value=PAYLOAD)
    saved["identifier.value"] = PAYLOAD
    token_create(actor=user, name=ATTRIBUTE_PAYLOAD)
    saved["token.name"] = ATTRIBUTE_PAYLOAD
    saved["audit.reason"] = PAYLOAD  # every change above gave the payload as its reason (record history)
    assert len(saved) >= 8, f"too few fields took a payload: saved {saved}, refused {refused}"

    client = Client()
    client.force_login(user)
    pages = pages_of(world, client, [])
    for url, page in pages.items():
        for payload in (PAYLOAD, ATTRIBUTE_PAYLOAD, SHORT_PAYLOAD):
            assert payload not in page, f"{payload!r} unescaped on {url}"
    everything = "\n".join(pages.values())
    for where, payload in saved.items():
        assert any(form in everything for form in _escaped_forms(payload)), f"{where} is shown nowhere"
