"""WSGI entry point (``remission serve`` and any WSGI server)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "remission.settings.base")
application = get_wsgi_application()
