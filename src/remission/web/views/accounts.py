"""Managing accounts (registry administrators): reset a password, deactivate or reactivate an account,
remove a lost second factor, end a membership. Every action asks for a reason and is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from remission.registry import services
from remission.registry.errors import StaleEdit, ValidationFailed
from remission.registry.selectors.accounts import account_get, membership_of, user_list
from remission.registry.services import accounts
from remission.web.views.common import paginate, registry_errors


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


class PasswordResetForm(ReasonForm):
    new_password = forms.CharField(
        label=gettext_lazy("New password (hand it over in person or by phone)"),
        widget=forms.PasswordInput(render_value=False),
    )


class MembershipEndForm(ReasonForm):
    last_day = forms.DateField(
        label=gettext_lazy("Last day"),
        help_text=gettext_lazy("The role still counts on this day; the day before today ends it at once."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def _forms(account: Any, posted: dict[str, forms.Form] | None = None) -> dict[str, Any]:
    today = dt.date.today()
    ends = {
        m.pk: MembershipEndForm(initial={"last_day": today, "version": m.version}, prefix=f"m{m.pk}")
        for m in account.memberships
        if m.valid_to is None or m.valid_to >= today
    }
    made = {
        "reset_form": PasswordResetForm(prefix="reset"),
        "active_form": ReasonForm(prefix="active"),
        "factor_form": ReasonForm(prefix="factor"),
        "end_forms": ends,
    }
    for name, form in (posted or {}).items():
        if name.startswith("m"):
            ends[int(name[1:])] = form
        else:
            made[name] = form
    return made


@login_required
@registry_errors
def user_list_page(request: HttpRequest) -> HttpResponse:
    page = paginate(user_list(user=request.user), request)
    return render(request, "web/users.html", {"page": page})


def _detail(request: HttpRequest, pk: int, posted: dict[str, forms.Form] | None = None) -> HttpResponse:
    account = account_get(user=request.user, pk=pk)
    context = {"account": account, "today": dt.date.today(), **_forms(account, posted)}
    return render(request, "web/user_detail.html", context, status=400 if posted else 200)


@login_required
@registry_errors
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


def _act(
    request: HttpRequest,
    pk: int,
    form: forms.Form,
    name: str,
    action: Callable[[Any, dict[str, Any]], str],
) -> HttpResponse:
    """Validate ``form``, run ``action`` on the account; a refusal shows the page again with the errors."""
    account = account_get(user=request.user, pk=pk)
    if form.is_valid():
        try:
            done = action(account.user, form.cleaned_data)
        except ValidationFailed as exc:
            for problem in exc.problems:
                form.add_error(None, f"{problem.message} [{problem.rule}]")
        except StaleEdit as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            return redirect("user_detail", pk=pk)
    return _detail(request, pk, {name: form})


@login_required
@require_POST
@registry_errors
def user_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    def reset(user: Any, data: dict[str, Any]) -> str:
        accounts.password_reset(
            actor=request.user, user=user, new_password=data["new_password"], reason=data["reason"]
        )
        return _("The password of %(user)s was reset; their sessions have ended.") % {"user": user.username}

    return _act(request, pk, PasswordResetForm(request.POST, prefix="reset"), "reset_form", reset)


@login_required
@require_POST
@registry_errors
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    def deactivate(user: Any, data: dict[str, Any]) -> str:
        accounts.user_deactivate(actor=request.user, user=user, reason=data["reason"])
        return _("%(user)s was deactivated: no sign-in, no API tokens.") % {"user": user.username}

    return _act(request, pk, ReasonForm(request.POST, prefix="active"), "active_form", deactivate)


@login_required
@require_POST
@registry_errors
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    def reactivate(user: Any, data: dict[str, Any]) -> str:
        accounts.user_reactivate(actor=request.user, user=user, reason=data["reason"])
        return _("%(user)s was reactivated.") % {"user": user.username}

    return _act(request, pk, ReasonForm(request.POST, prefix="active"), "active_form", reactivate)


@login_required
@require_POST
@registry_errors
def user_second_factor_reset(request: HttpRequest, pk: int) -> HttpResponse:
    def remove(user: Any, data: dict[str, Any]) -> str:
        count = accounts.second_factor_reset(actor=request.user, user=user, reason=data["reason"])
        return ngettext(
            "%(count)d second factor of %(user)s removed; they set up a new one at next sign-in.",
            "%(count)d second factors of %(user)s removed; they set up a new one at next sign-in.",
            count,
        ) % {"count": count, "user": user.username}

    return _act(request, pk, ReasonForm(request.POST, prefix="factor"), "factor_form", remove)


@login_required
@require_POST
@registry_errors
def membership_end(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_of(user=request.user, pk=pk)
    form = MembershipEndForm(request.POST, prefix=f"m{pk}")

    def end(user: Any, data: dict[str, Any]) -> str:
        services.membership_end(
            actor=request.user,
            membership=membership,
            version=data["version"],
            on=data["last_day"],
            reason=data["reason"],
        )
        return _("%(membership)s ends on %(day)s.") % {
            "membership": membership,
            "day": date_format(data["last_day"], "SHORT_DATE_FORMAT"),
        }

    return _act(request, membership.user_id, form, f"m{pk}", end)
