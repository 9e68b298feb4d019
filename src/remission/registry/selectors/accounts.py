"""Reading accounts: the administrator's list of users, one user with their memberships and factors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from remission.registry.access import scope_for
from remission.registry.errors import NotFound, PermissionDenied
from remission.registry.models import AuditRecord, Membership

USER_NOT_FOUND = "User {pk} was not found"
MEMBERSHIP_NOT_FOUND = "Membership {pk} was not found"
ADMINISTRATORS_ONLY = "{what}: only registry administrators manage accounts"


def require_administrator(user: Any, what: str) -> None:
    if not scope_for(user).administers:
        raise PermissionDenied(ADMINISTRATORS_ONLY.format(what=what))


def user_list(*, user: Any) -> QuerySet[Any]:
    """Every account with its number of second factors, by user name (registry administrators only)."""
    require_administrator(user, "Users")
    return (
        get_user_model()
        .objects.annotate(second_factors=Count("totpdevice", distinct=True))
        .order_by("username")
    )


@dataclass(frozen=True)
class Account:
    user: Any
    memberships: list[Membership]
    second_factors: int
    history: list[AuditRecord]


def account_get(*, user: Any, pk: int, history: int = 20) -> Account:
    """One account, its memberships (current and ended) and its latest account audit rows."""
    require_administrator(user, f"User {pk}")
    account = get_user_model().objects.filter(pk=pk).first()
    if account is None:
        raise NotFound(USER_NOT_FOUND.format(pk=pk))
    memberships = list(
        Membership.objects.filter(user=account).select_related("centre").order_by("-valid_from", "role")
    )
    rows = list(
        AuditRecord.objects.filter(entity="auth.user", record_id=account.pk)
        .select_related("actor")
        .order_by("-at", "-id")[:history]
    )
    return Account(
        user=account,
        memberships=memberships,
        second_factors=TOTPDevice.objects.filter(user=account, confirmed=True).count(),
        history=rows,
    )


def membership_of(*, user: Any, pk: int) -> Membership:
    """One membership by id (registry administrators only)."""
    require_administrator(user, f"Membership {pk}")
    membership = Membership.objects.select_related("user", "centre").filter(pk=pk).first()
    if membership is None:
        raise NotFound(MEMBERSHIP_NOT_FOUND.format(pk=pk))
    return membership
