"""The second factor (TOTP): required per role by a setting, enrolment, the code step, wrong codes refused
and counted towards the lockout, no way round it, and API tokens unaffected.

Codes are made here by an independent RFC 6238 implementation (checked against the RFC's own test
vector), not by the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from remission.registry.codes import AuditAction, Role
from remission.registry.models import AuditRecord
from remission.registry.services.tokens import token_create
from tests.registry.conftest import PASSWORD

WRITERS = frozenset({Role.CENTRE_DATA_MANAGER, Role.CENTRE_CLINICIAN, Role.REGISTRY_ADMINISTRATOR})
REQUIRED = override_settings(REMISSION_OTP_REQUIRED_ROLES=WRITERS)


def rfc6238(key: bytes, at: float, *, step: int = 30, digits: int = 6) -> str:
    """TOTP with HMAC-SHA-1 (RFC 6238 §4, with RFC 4226 §5.3's dynamic truncation)."""
    mac = hmac.new(key, struct.pack(">Q", int(at // step)), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def test_the_reference_totp_matches_rfc_6238_appendix_b() -> None:
    key = b"12345678901234567890"
    assert rfc6238(key, 59, digits=8) == "94287082"
    assert rfc6238(key, 1111111109, digits=8) == "07081804"


def _sign_in(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(reverse("login"), {"username": username, "password": password})


def _secret_from_page(html: str) -> bytes:
    secret = re.search(r'data-testid="otp-secret">([A-Z2-7 ]+)<', html)
    assert secret is not None, "the enrolment page shows the secret as text"
    return base64.b32decode(secret.group(1).replace(" ", ""))


def _device_for(user: Any, key: bytes) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", key=key.hex(), confirmed=True)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@REQUIRED
@pytest.mark.parametrize(
    ("username", "required"),
    [("dm_a", True), ("clin_a", True), ("admin", True), ("viewer_a", False), ("stat", False)],
)
def test_roles_that_write_or_see_identifiers_are_sent_to_enrolment(
    world: Any, username: str, required: bool
) -> None:
    client = Client()
    response = _sign_in(client, username)
    if required:
        assert response["Location"].startswith(reverse("second_factor_enrol"))
        page = client.get(reverse("patient_list"))
        assert page.status_code == 302 and page["Location"].startswith(reverse("second_factor_enrol"))
        assert not AuditRecord.objects.filter(action=AuditAction.SIGN_IN).exists()  # not signed in yet
    else:
        assert response["Location"] == reverse("home")
        assert client.get(reverse("patient_list")).status_code == 200


def test_no_role_requires_it_in_the_base_settings(world: Any) -> None:
    from remission.settings import base

    assert not base.REMISSION_OTP_REQUIRED_ROLES
    client = Client()
    assert _sign_in(client, "dm_a")["Location"] == reverse("home")
    assert client.get(reverse("patient_list")).status_code == 200


def test_production_requires_it_of_the_roles_that_write_or_see_identifiers() -> None:
    """Read from the production module's text: importing it needs production secrets in the environment."""
    import ast
    import importlib.util

    source = importlib.util.find_spec("remission.settings.production").origin
    with open(source, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    values = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(getattr(t, "id", "") == "REMISSION_OTP_REQUIRED_ROLES" for t in node.targets)
    ]
    assert len(values) == 1
    roles = {elt.value for elt in values[0].args[0].elts}
    assert roles == {"centre_data_manager", "centre_clinician", "registry_administrator"}


@REQUIRED
def test_enrolment_with_the_right_code_completes_the_sign_in(world: Any) -> None:
    client = Client(REMOTE_ADDR="192.0.2.40")
    _sign_in(client, "dm_a")
    page = client.get(reverse("second_factor_enrol") + "?next=/quality/")
    html = page.content.decode()
    assert page.status_code == 200 and "otpauth://totp/Remission:dm_a?secret=" in html
    assert "<svg" in html  # the QR code, inline
    key = _secret_from_page(html)
    refused = client.post(reverse("second_factor_enrol"), {"code": _wrong(rfc6238(key, time.time()))})
    assert refused.status_code == 200 and "the code does not match" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=world.users["dm_a"]).exists()
    done = client.post(
        reverse("second_factor_enrol"), {"code": rfc6238(key, time.time()), "next": "/quality/"}
    )
    assert done.status_code == 302 and done["Location"] == "/quality/"
    assert client.get(reverse("patient_list")).status_code == 200
    device = TOTPDevice.objects.get(user=world.users["dm_a"])
    assert device.confirmed and bytes.fromhex(device.key) == key
    enrol = AuditRecord.objects.get(action=AuditAction.OTP_ENROL)
    assert enrol.actor_id == world.users["dm_a"].pk
    sign_in = AuditRecord.objects.get(action=AuditAction.SIGN_IN)
    assert sign_in.after["second_factor"] == "totp"


@REQUIRED
def test_a_user_with_a_device_must_type_its_code(world: Any) -> None:
    key = b"0123456789abcdefghij"
    _device_for(world.users["clin_a"], key)
    client = Client(REMOTE_ADDR="192.0.2.41")
    response = _sign_in(client, "clin_a")
    assert response["Location"].startswith(reverse("second_factor_verify"))
    assert client.get(reverse("patient_list"))["Location"].startswith(reverse("second_factor_verify"))
    wrong = client.post(reverse("second_factor_verify"), {"code": _wrong(rfc6238(key, time.time()))})
    assert wrong.status_code == 200 and "The code does not match" in wrong.content.decode()
    assert client.get(reverse("patient_list")).status_code == 302
    failed = AuditRecord.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert (failed.record_id, failed.reason) == (world.users["clin_a"].pk, "wrong second-factor code")
    TOTPDevice.objects.filter(user=world.users["clin_a"]).update(throttling_failure_count=0)
    right = client.post(reverse("second_factor_verify"), {"code": rfc6238(key, time.time())})
    assert right.status_code == 302
    assert client.get(reverse("patient_list")).status_code == 200
    assert AuditRecord.objects.get(action=AuditAction.SIGN_IN).after["second_factor"] == "totp"


def test_a_device_is_asked_for_even_when_the_role_does_not_require_one(world: Any) -> None:
    key = b"abcdefghij0123456789"
    _device_for(world.users["viewer_a"], key)
    client = Client()
    assert _sign_in(client, "viewer_a")["Location"].startswith(reverse("second_factor_verify"))
    client.post(reverse("second_factor_verify"), {"code": rfc6238(key, time.time())})
    assert client.get(reverse("patient_list")).status_code == 200


@REQUIRED
def test_a_code_cannot_be_used_twice(world: Any) -> None:
    key = b"twice-twice-twice-tw"
    _device_for(world.users["dm_b"], key)
    code = rfc6238(key, time.time())
    first = Client()
    _sign_in(first, "dm_b")
    assert first.post(reverse("second_factor_verify"), {"code": code}).status_code == 302
    second = Client()
    _sign_in(second, "dm_b")
    replay = second.post(reverse("second_factor_verify"), {"code": code})
    assert replay.status_code == 200 and "The code does not match" in replay.content.decode()


@REQUIRED
def test_enrolling_another_device_does_not_get_round_the_code(world: Any) -> None:
    _device_for(world.users["dm_a"], b"k" * 20)
    client = Client()
    _sign_in(client, "dm_a")
    page = client.get(reverse("second_factor_enrol"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("second_factor_verify"))
    assert client.post(reverse("second_factor_enrol"), {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=world.users["dm_a"]).count() == 1


@REQUIRED
@override_settings(REMISSION_SIGNIN_MAX_FAILURES=3)
def test_wrong_codes_count_towards_the_lockout(world: Any) -> None:
    key = b"lockout-lockout-lock"
    _device_for(world.users["admin"], key)
    client = Client(REMOTE_ADDR="192.0.2.42")
    _sign_in(client, "admin")
    for _ in range(2):
        client.post(reverse("second_factor_verify"), {"code": _wrong(rfc6238(key, time.time()))})
    locked = client.post(reverse("second_factor_verify"), {"code": "000000"}, follow=True)
    assert "_auth_user_id" not in client.session  # signed out
    assert "Sign-in is locked for 15 minutes after 3 failed attempts" in locked.content.decode()
    assert AuditRecord.objects.filter(action=AuditAction.SIGN_IN_LOCKED).count() == 1
    again = _sign_in(client, "admin")
    assert again.status_code == 200 and "Sign-in is locked" in again.content.decode()


@REQUIRED
def test_api_tokens_are_unaffected(world: Any) -> None:
    """A token is a credential of its own (made by a signed-in, verified user): no code per request."""
    _, raw = token_create(actor=world.users["dm_a"], name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/me").status_code == 200


@REQUIRED
def test_the_administrator_removes_a_lost_device(world: Any) -> None:
    _device_for(world.users["dm_a"], b"lost-phone-lost-phon")
    admin_key = b"admin-admin-admin-ad"
    _device_for(world.users["admin"], admin_key)
    admin = Client()
    _sign_in(admin, "admin")
    admin.post(reverse("second_factor_verify"), {"code": rfc6238(admin_key, time.time())})
    url = reverse("user_second_factor_reset", args=[world.users["dm_a"].pk])
    assert admin.post(url, {"factor-reason": "lost phone"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.users["dm_a"]).exists()
    row = AuditRecord.objects.get(action=AuditAction.OTP_RESET)
    assert (row.actor_id, row.record_id, row.reason) == (
        world.users["admin"].pk,
        world.users["dm_a"].pk,
        "lost phone",
    )
    client = Client()
    assert _sign_in(client, "dm_a")["Location"].startswith(reverse("second_factor_enrol"))
