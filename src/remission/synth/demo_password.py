"""The demo's published password, and the production settings' refusal of it.

``remission demo`` makes five logins with :data:`DEMO_PASSWORD` and prints it: anyone who has read the
README knows it. Production settings therefore

* refuse to start while any account has it: :func:`refuse_demo_passwords` runs when the WSGI application
  is made (``remission/wsgi.py``: ``remission serve`` and any WSGI server) under settings with
  ``REMISSION_REFUSE_DEMO_PASSWORDS = True`` (``settings/production.py``), and names the accounts;
* refuse it as a new password (:class:`NotTheDemoPassword`, in production's ``AUTH_PASSWORD_VALIDATORS``).

The check verifies the demo password against every account with a usable password, one hash check each
(Argon2: about 0.1 s on an idle core), without the upgrade-and-save that ``User.check_password`` does:
starting the server writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured, ValidationError

DEMO_PASSWORD = "remission-demo"
DEMO_PASSWORD_IN_USE = (
    "refusing to start under production settings: {count} account(s) have the published demo password "
    "({names}); give each a new password (`remission resetpassword USER`) first"
)
DEMO_PASSWORD_REFUSED = "This is the demo's published password; choose another."


def accounts_with_demo_password(using: str = "default") -> list[str]:
    """The user names of the accounts whose password is :data:`DEMO_PASSWORD`, sorted. Reads only."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password, is_password_usable

    users = get_user_model().objects.using(using).order_by("username").values_list("username", "password")
    return [
        name
        for name, stored in users.iterator()
        if is_password_usable(stored) and check_password(DEMO_PASSWORD, stored)  # no setter: no re-save
    ]


def refuse_demo_passwords(using: str = "default") -> None:
    """Raise ImproperlyConfigured naming every account that has the demo password."""
    names = accounts_with_demo_password(using)
    if names:
        raise ImproperlyConfigured(DEMO_PASSWORD_IN_USE.format(count=len(names), names=", ".join(names)))


class NotTheDemoPassword:
    """A password validator (``AUTH_PASSWORD_VALIDATORS``) refusing the demo's published password."""

    def validate(self, password: str, user: Any = None) -> None:
        if password == DEMO_PASSWORD:
            raise ValidationError(DEMO_PASSWORD_REFUSED, code="demo_password")

    def get_help_text(self) -> str:
        return "Your password cannot be the demo's published password."
