"""Signing in and out, with sign-in throttling (``web/signin.py``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest

from remission.web.signin import THROTTLE, locked_message


def client_address(request: HttpRequest | None) -> str:
    """The client's address as this server sees it (behind a proxy, set it up to pass REMOTE_ADDR)."""
    return (request.META.get("REMOTE_ADDR") if request is not None else None) or "unknown"


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing a (user name, address) pair after repeated failures."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        wait = THROTTLE.locked_for(username, address)
        if wait:
            raise forms.ValidationError(locked_message(wait), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if THROTTLE.failed(username, address):
                raise forms.ValidationError(
                    locked_message(THROTTLE.lockout.total_seconds()), code="throttled"
                ) from None
            raise
        THROTTLE.succeeded(username, address)
        return cleaned


class SignInView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass
