"""Signing in and out: password, then the second factor where one is needed; lockout; your own account.

The password form refuses a locked-out user name or address (``web/signin.py``) and counts each failure;
every sign-in, failure, lockout and sign-out leaves an audit row (``registry/services/accounts.py``).
After the password, a user with a TOTP device types its code, and a user whose role requires one and has
none enrols one (``web/second_factor.py``). Wrong codes count towards the same lockout as wrong passwords.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from typing import Any
from urllib.parse import quote, urlencode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django_otp import user_has_device

from remission.registry.access import scope_for
from remission.registry.errors import ValidationFailed
from remission.registry.selectors.preferences import language_of
from remission.registry.services import accounts
from remission.registry.services.preferences import language_set
from remission.web import second_factor, signin
from remission.web.forms import attach_problems
from remission.web.signin import client_address

PENDING_KEY = "remission_otp_pending_key"
WRONG_CODE = gettext_noop("The code does not match. Type the 6 digits your authenticator app shows now.")
WRONG_PASSWORD = "wrong user name or password"


def _count_failure(request: HttpRequest | None, username: str, cause: str) -> signin.Lock | None:
    """Audit one failed attempt and count it; the lockout it started (audited too), if any."""
    address = client_address(request)
    accounts.sign_in_failure_record(username=username, address=address, cause=cause)
    lock = signin.current().failed(username, address)
    if lock is not None:
        accounts.sign_in_lockout_record(
            username=username,
            address=address,
            failures=lock.failures,
            minutes=lock.lockout_minutes,
            per=lock.per,
        )
    return lock


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing a locked-out (user name, address) pair or address."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        lock = signin.current().locked(username, address)
        if lock is not None:
            accounts.sign_in_failure_record(username=username, address=address, cause=f"locked ({lock.per})")
            raise forms.ValidationError(lock.message(), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            lock = _count_failure(self.request, username, WRONG_PASSWORD)
            if lock is not None:
                raise forms.ValidationError(lock.message(), code="throttled") from None
            raise
        signin.current().succeeded(username, address)
        return cleaned


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


class SignInView(auth_views.LoginView):
    authentication_form = ThrottledAuthenticationForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)  # signs in with the password and rotates the session key
        step = second_factor.step_needed(self.request.user)
        if step is not None:
            return redirect(second_factor.step_url(step, self.get_success_url()))
        accounts.sign_in_record(
            user=self.request.user, address=client_address(self.request), second_factor="none"
        )
        return response


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            accounts.sign_out_record(user=request.user, address=client_address(request))
        return super().post(request, *args, **kwargs)


# --- the second factor ------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _finish_sign_in(request: HttpRequest, device: Any, next_url: str) -> HttpResponse:
    django_otp.login(request, device)
    request.session.cycle_key()
    signin.current().succeeded(request.user.get_username(), client_address(request))
    accounts.sign_in_record(user=request.user, address=client_address(request), second_factor="totp")
    return redirect(next_url or "home")


def _locked_out(request: HttpRequest, lock: signin.Lock) -> HttpResponse:
    logout(request)
    messages.error(request, lock.message())
    return redirect("login")


@login_required
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code step of signing in, for a user with a TOTP device."""
    user = request.user
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    step = second_factor.step_needed(user)
    if step != second_factor.VERIFY:
        return redirect(second_factor.step_url(step, next_url) if step else (next_url or "home"))
    username, address = user.get_username(), client_address(request)
    lock = signin.current().locked(username, address)
    if lock is not None:
        return _locked_out(request, lock)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(user, form.cleaned_data["code"].replace(" ", ""))
        if device is not None:
            return _finish_sign_in(request, device, next_url)
        lock = _count_failure(request, username, "wrong second-factor code")
        if lock is not None:
            return _locked_out(request, lock)
        form.add_error("code", _(WRONG_CODE))
    return render(request, "registration/second_factor_verify.html", {"form": form, "next": next_url})


def _grouped(text: str) -> str:
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), then type a code it shows."""
    user = request.user
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    verified = second_factor.is_verified(user)
    if user_has_device(user, confirmed=True):
        if not verified:  # enrolling another device must not get round the code step
            return redirect(second_factor.step_url(second_factor.VERIFY, next_url))
        return render(request, "registration/second_factor_enrol.html", {"enrolled": True})
    completing_sign_in = second_factor.step_needed(user) == second_factor.ENROL
    key_hex = request.session.get(PENDING_KEY)
    if not key_hex:
        key_hex = request.session[PENDING_KEY] = secrets.token_hex(20)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = accounts.second_factor_enrol(
                actor=user, key_hex=key_hex, token=form.cleaned_data["code"]
            )
        except ValidationFailed as exc:
            attach_problems(form, exc.problems)
        else:
            del request.session[PENDING_KEY]
            messages.success(
                request, _("Your authenticator app is set up: you will be asked for a code at sign-in.")
            )
            if completing_sign_in:
                return _finish_sign_in(request, device, next_url)
            django_otp.login(request, device)
            return redirect(next_url or "account")
    secret = b32encode(bytes.fromhex(key_hex)).decode()
    uri = _otpauth_uri(user.get_username(), secret)
    context = {
        "enrolled": False,
        "form": form,
        "next": next_url,
        "secret": _grouped(secret),
        "uri": uri,
        # segno writes the QR code as inline SVG: no script, no image request, nothing for CSP to allow
        "qr_svg": mark_safe(segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code of the secret"))),
        "required": completing_sign_in,
    }
    return render(request, "registration/second_factor_enrol.html", context)


def _otpauth_uri(username: str, secret: str) -> str:
    """The key URI authenticator apps read (Google Authenticator's "Key Uri Format")."""
    issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "Remission")).replace(":", "")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": accounts.TOTP_DIGITS,
            "period": accounts.TOTP_STEP,
        }
    )
    return f"otpauth://totp/{quote(issuer)}:{quote(username)}?{query}"


# --- your own account -------------------------------------------------------------------------------


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("Current password"), widget=forms.PasswordInput(render_value=False)
    )
    new_password = forms.CharField(
        label=gettext_lazy("New password"), widget=forms.PasswordInput(render_value=False)
    )
    new_password_again = forms.CharField(
        label=gettext_lazy("New password again"), widget=forms.PasswordInput(render_value=False)
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("new_password") != cleaned.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return cleaned


def _language_choices() -> list[tuple[str, str]]:
    return [("", _("As my browser asks")), *settings.LANGUAGES]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the pages"),
        choices=_language_choices,
        required=False,
        help_text=gettext_lazy(
            "Kept with your account, on every computer; “As my browser asks” follows your browser's language."
        ),
    )


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Your account: password, second factor, API tokens, the language of the pages."""
    user = request.user
    form = LanguageForm(request.POST or None, initial={"language": language_of(user)})
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        try:
            language_set(actor=user, language=language)
        except ValidationFailed as exc:
            attach_problems(form, exc.problems)
        else:
            return _language_saved(request, language)
    context = {
        "has_device": user_has_device(user, confirmed=True),
        "required": second_factor.required_for(user),
        "administers": scope_for(user).administers,
        "language_form": form,
    }
    return render(request, "web/account.html", context, status=400 if form.errors else 200)


def _language_saved(request: HttpRequest, language: str) -> HttpResponse:
    """Back to the account page in the new language; the language cookie follows the choice (removed
    when the user follows the browser), so that the sign-in page keeps it too."""
    with translation.override(language or translation.get_language_from_request(request)):
        messages.success(request, _("Your language was saved."))
    response = redirect("account")
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    else:
        response.delete_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.password_change(
                actor=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationFailed as exc:
            attach_problems(form, exc.problems)
        else:
            update_session_auth_hash(request, request.user)  # stay signed in here; other sessions end
            messages.success(request, _("Your password was changed."))
            return redirect("account")
    return render(request, "web/password_change.html", {"form": form})
