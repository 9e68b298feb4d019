"""API tokens of the signed-in user: create (shown once), list, revoke.

Only here (a user signed in on the web) are tokens made; the API has no operation that makes one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from remission.registry.errors import ValidationFailed
from remission.registry.models import TokenScope
from remission.registry.selectors.tokens import token_list
from remission.registry.services import tokens
from remission.web.forms import attach_problems
from remission.web.views.common import registry_errors


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What is the token for?"), max_length=100)
    scope = forms.ChoiceField(
        label=gettext_lazy("It may"), choices=TokenScope.choices, initial=TokenScope.READ
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the settings' days, read per form (the tests change them)
        self.fields["days"] = forms.IntegerField(
            label=gettext_lazy("Days until it expires"),
            min_value=1,
            max_value=tokens.max_days(),
            initial=tokens.default_days(),
        )


@login_required
def token_page(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = tokens.token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
            )
        except ValidationFailed as exc:
            attach_problems(form, exc.problems)
        else:
            created = {"token": token, "raw": raw}
            form = TokenForm()
    rows = token_list(user=request.user)
    return render(request, "web/tokens.html", {"form": form, "tokens": rows, "created": created})


@login_required
@require_POST
@registry_errors
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens.token_revoke(actor=request.user, pk=pk)
    messages.success(
        request, _("Token “%(name)s” revoked, with any tokens made with it.") % {"name": token.name}
    )
    return redirect("tokens")
