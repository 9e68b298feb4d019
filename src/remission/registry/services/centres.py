"""Centres, user accounts and memberships: the registry administrator's work (or the command line's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from remission.registry.access import forget_scope
from remission.registry.codes import AuditAction
from remission.registry.errors import Problem, ValidationFailed
from remission.registry.models import Centre, Membership
from remission.registry.services.audit import audit_write
from remission.registry.services.records import record_create, record_update, require_administrator

USERNAME_TAKEN = gettext_noop("the user name {username!r} is taken")


def centre_create(
    *,
    actor: Any,
    code: str,
    name: str,
    country: str,
    ebmt_cic: str = "",
    cibmtr_ccn: str = "",
    jacie_accredited: bool = False,
    first_procedure_year: int | None = None,
    is_demo: bool = False,
    reason: str = "",
) -> Centre:
    """Add a centre (registry administrators only)."""
    values = {
        "code": code,
        "name": name,
        "country": country,
        "ebmt_cic": ebmt_cic,
        "cibmtr_ccn": cibmtr_ccn,
        "jacie_accredited": jacie_accredited,
        "first_procedure_year": first_procedure_year,
        "is_demo": is_demo,
    }
    return record_create(Centre, actor=actor, values=values, reason=reason)


def centre_update(*, actor: Any, centre: Centre, version: int, reason: str = "", **changes: Any) -> Centre:
    return record_update(centre, actor=actor, version=version, changes=changes, reason=reason)


def user_create(
    *, actor: Any, username: str, password: str, email: str = "", full_name: str = "", reason: str = ""
) -> Any:
    """Create a personal account (registry administrators only). The password must pass the validators."""
    User = get_user_model()
    require_administrator(actor, f"User {username}")
    problems = []
    if User.objects.filter(username=username).exists():
        problems.append(
            Problem(
                f"User {username}", "username", "unique", gettext(USERNAME_TAKEN).format(username=username)
            )
        )
    try:
        validate_password(password)
    except DjangoValidationError as exc:
        problems.extend(Problem(f"User {username}", "password", "password_policy", m) for m in exc.messages)
    if problems:
        raise ValidationFailed(problems)
    first, _, last = full_name.partition(" ")
    with transaction.atomic():
        user = User.objects.create_user(
            username=username, password=password, email=email, first_name=first, last_name=last
        )
        audit_write(
            actor=actor,
            action=AuditAction.CREATE,
            record=user,
            centre_id=None,
            patient_id=None,
            before=None,
            after={"username": username, "email": email, "full_name": full_name},
            reason=reason,
        )
    return user


def membership_grant(
    *,
    actor: Any,
    user: Any,
    role: str,
    centre: Centre | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    reason: str = "",
) -> Membership:
    """Give ``user`` a role at ``centre`` (centre roles) or registry-wide (statistician, administrator)."""
    membership = record_create(
        Membership,
        actor=actor,
        values={"valid_from": valid_from or dt.date.today(), "valid_to": valid_to},
        reason=reason,
        user=user,
        centre=centre,
        role=role,
    )
    forget_scope(user)
    return membership


def membership_end(
    *, actor: Any, membership: Membership, version: int, on: dt.date, reason: str = ""
) -> Membership:
    """End a membership on ``on`` (kept for the record; never deleted)."""
    ended = record_update(membership, actor=actor, version=version, changes={"valid_to": on}, reason=reason)
    forget_scope(membership.user)
    return ended
