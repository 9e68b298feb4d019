"""WSGI entry point (``remission serve`` and any WSGI server)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "remission.settings.base")
application = get_wsgi_application()


def _refuse_demo_passwords() -> None:
    """Production settings refuse to start while an account has the demo's published password."""
    from django.conf import settings

    if getattr(settings, "REMISSION_REFUSE_DEMO_PASSWORDS", False):
        from remission.synth.demo_password import refuse_demo_passwords

        refuse_demo_passwords()


_refuse_demo_passwords()
