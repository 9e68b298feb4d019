"""Accounts: sign-ins and their failures, passwords, deactivation and second factors — each audited.

Sign-in events are audit rows on the account (entity ``auth.user``). A failed sign-in has no actor (nobody
proved who they are); the row names the account when the user name exists. A user name that matches no
account is kept only as the first 12 hex digits of its SHA-256, so that repeated attempts can be matched
without the audit trail holding whatever was typed (a password typed into the user-name box, say).

Passwords are checked against ``AUTH_PASSWORD_VALIDATORS``. An administrator's reset also ends the user's
sessions (Django's session hash changes with the password). Second factors are django-otp TOTP devices;
the secret is made by the enrolment page and written only when the user has typed a code it generates.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from remission.registry.access import forget_scope
from remission.registry.codes import AuditAction
from remission.registry.errors import Problem, ValidationFailed
from remission.registry.models import AuditRecord
from remission.registry.services.audit import audit_write
from remission.registry.services.records import require_administrator

USER_ENTITY = "auth.user"
WRONG_OLD_PASSWORD = gettext_noop("your current password is not correct")
NEW_PASSWORD_SAME = gettext_noop("the new password must differ from the current one")
OWN_ACCOUNT = gettext_noop("you cannot deactivate your own account; ask another administrator")
ALREADY_INACTIVE = gettext_noop("the account is already deactivated")
ALREADY_ACTIVE = gettext_noop("the account is already active")
WRONG_CODE = gettext_noop("the code does not match: type the 6 digits your authenticator app shows now")
NO_DEVICE = gettext_noop("the account has no second factor")
DEVICE_NAME = "Authenticator app"
TOTP_STEP = 30  # seconds (RFC 6238 default, and what every authenticator app uses)
TOTP_DIGITS = 6
TOTP_TOLERANCE = 1  # steps either side: a code typed within ±30 s of the phone's clock is accepted


def _anonymous() -> Any:
    return AnonymousUser()  # audit_write stores its pk, None: the actor is not known


def _who(username: str) -> tuple[Any | None, dict[str, Any]]:
    """The account a user name names, and what the audit row may say about the name."""
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is not None:
        return user, {"username": user.username}
    digest = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return None, {"unknown_username_sha256": digest}


def _account_row(
    *,
    actor: Any,
    action: AuditAction,
    user: Any | None,
    after: dict[str, Any] | None,
    reason: str,
    before: dict[str, Any] | None = None,
) -> AuditRecord:
    return audit_write(
        actor=actor,
        action=action,
        record=user,
        entity=USER_ENTITY,
        centre_id=None,
        patient_id=None,
        before=before,
        after=after,
        reason=reason,
    )


# --- sign-in events ---------------------------------------------------------------------------------


def sign_in_record(*, user: Any, address: str, second_factor: str) -> AuditRecord:
    """A completed sign-in (``second_factor``: ``"totp"`` or ``"none"``)."""
    with transaction.atomic():
        return _account_row(
            actor=user,
            action=AuditAction.SIGN_IN,
            user=user,
            after={"username": user.username, "address": address, "second_factor": second_factor},
            reason="signed in",
        )


def sign_in_failure_record(*, username: str, address: str, cause: str) -> AuditRecord:
    """A refused sign-in: wrong user name or password, wrong second-factor code, or while locked out."""
    user, name = _who(username)
    with transaction.atomic():
        return _account_row(
            actor=_anonymous(),
            action=AuditAction.SIGN_IN_FAILED,
            user=user,
            after={**name, "address": address},
            reason=cause,
        )


def sign_in_lockout_record(
    *, username: str, address: str, failures: int, minutes: int, per: str
) -> AuditRecord:
    """A lockout has begun: ``per`` is ``"user name and address"`` or ``"address"``."""
    user, name = _who(username) if per != "address" else (None, {})
    with transaction.atomic():
        return _account_row(
            actor=_anonymous(),
            action=AuditAction.SIGN_IN_LOCKED,
            user=user,
            after={**name, "address": address, "failures": failures, "minutes": minutes, "per": per},
            reason=f"locked for {minutes} minutes after {failures} failed sign-ins (per {per})",
        )


def sign_out_record(*, user: Any, address: str, cause: str = "signed out") -> AuditRecord:
    with transaction.atomic():
        return _account_row(
            actor=user,
            action=AuditAction.SIGN_OUT,
            user=user,
            after={"username": user.username, "address": address},
            reason=cause,
        )


# --- passwords --------------------------------------------------------------------------------------


def _password_problems(user: Any, password: str) -> list[Problem]:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        return [Problem(f"User {user.username}", "new_password", "password_policy", m) for m in exc.messages]
    return []


def password_change(*, actor: Any, old_password: str, new_password: str) -> None:
    """Change one's own password; the current one must be given."""
    problems = []
    if not actor.check_password(old_password):
        problems.append(
            Problem(f"User {actor.username}", "old_password", "password", gettext(WRONG_OLD_PASSWORD))
        )
    elif old_password == new_password:
        problems.append(
            Problem(f"User {actor.username}", "new_password", "password", gettext(NEW_PASSWORD_SAME))
        )
    problems.extend(_password_problems(actor, new_password))
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        actor.set_password(new_password)
        actor.save(update_fields=["password"])
        _account_row(
            actor=actor,
            action=AuditAction.PASSWORD_CHANGE,
            user=actor,
            after={"username": actor.username},
            reason="changed own password",
        )


def password_reset(*, actor: Any, user: Any, new_password: str, reason: str = "") -> None:
    """An administrator sets a new password for ``user`` (to be handed over and changed)."""
    require_administrator(actor, f"User {user.username}")
    problems = _password_problems(user, new_password)
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        _account_row(
            actor=actor,
            action=AuditAction.PASSWORD_RESET,
            user=user,
            after={"username": user.username},
            reason=reason,
        )


# --- deactivation -----------------------------------------------------------------------------------


def _set_active(*, actor: Any, user: Any, active: bool, reason: str) -> Any:
    require_administrator(actor, f"User {user.username}")
    if not active and getattr(actor, "pk", None) == user.pk:
        raise ValidationFailed(
            [Problem(f"User {user.username}", "is_active", "own_account", gettext(OWN_ACCOUNT))]
        )
    if user.is_active == active:
        message = gettext(ALREADY_ACTIVE) if active else gettext(ALREADY_INACTIVE)
        raise ValidationFailed([Problem(f"User {user.username}", "is_active", "unchanged", message)])
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        _account_row(
            actor=actor,
            action=AuditAction.REACTIVATE if active else AuditAction.DEACTIVATE,
            user=user,
            before={"is_active": not active},
            after={"is_active": active},
            reason=reason,
        )
    forget_scope(user)
    return user


def user_deactivate(*, actor: Any, user: Any, reason: str = "") -> Any:
    """Deactivate an account: it can no longer sign in, its sessions and API tokens stop working, and it
    keeps its memberships and audit history (accounts are never deleted: audit rows point at them)."""
    return _set_active(actor=actor, user=user, active=False, reason=reason)


def user_reactivate(*, actor: Any, user: Any, reason: str = "") -> Any:
    return _set_active(actor=actor, user=user, active=True, reason=reason)


# --- second factor (TOTP) ---------------------------------------------------------------------------


def totp_matches(key_hex: str, token: str, *, now: float | None = None) -> int | None:
    """The time step at which ``token`` is the TOTP of ``key_hex`` (RFC 6238, SHA-1), or None."""
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit() or len(token) != TOTP_DIGITS:
        return None
    totp = TOTP(bytes.fromhex(key_hex), step=TOTP_STEP, digits=TOTP_DIGITS)
    totp.time = time.time() if now is None else now
    if not totp.verify(int(token), tolerance=TOTP_TOLERANCE):
        return None
    return totp.t()  # t() counts the drift verify() found


def second_factor_enrol(*, actor: Any, key_hex: str, token: str, now: float | None = None) -> TOTPDevice:
    """Store a TOTP device for ``actor`` once they have typed a code that ``key_hex`` generates."""
    step = totp_matches(key_hex, token, now=now)
    if step is None:
        raise ValidationFailed([Problem(f"User {actor.username}", "code", "totp", gettext(WRONG_CODE))])
    with transaction.atomic():
        device = TOTPDevice.objects.create(
            user=actor,
            name=DEVICE_NAME,
            key=key_hex,
            step=TOTP_STEP,
            digits=TOTP_DIGITS,
            tolerance=TOTP_TOLERANCE,
            confirmed=True,
            last_t=step,  # the code used to enrol cannot be used again to sign in
        )
        _account_row(
            actor=actor,
            action=AuditAction.OTP_ENROL,
            user=actor,
            after={"username": actor.username, "device": device.pk, "kind": "totp"},
            reason="second factor enrolled",
        )
    return device


def second_factor_reset(*, actor: Any, user: Any, reason: str = "") -> int:
    """Remove every second factor of ``user`` (a lost phone); they enrol again at their next sign-in.
    Returns how many devices were removed."""
    require_administrator(actor, f"User {user.username}")
    devices = list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True))
    if not devices:
        raise ValidationFailed(
            [Problem(f"User {user.username}", "second_factor", "none", gettext(NO_DEVICE))]
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(pk__in=devices).delete()
        _account_row(
            actor=actor,
            action=AuditAction.OTP_RESET,
            user=user,
            before={"devices": devices},
            after={"devices": []},
            reason=reason,
        )
    return len(devices)
