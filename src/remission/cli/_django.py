"""Start Django for a command: settings, and the embedded SQLite folder when no DATABASE_URL is set."""

from __future__ import annotations

import os

import django

DEFAULT_SETTINGS = "remission.settings.base"


def setup_django(settings: str | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings or DEFAULT_SETTINGS)
    from remission.settings.environment import ENV

    if not ENV.database_url:
        ENV.data_dir.mkdir(parents=True, exist_ok=True)
    django.setup()


def database_label() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    engine = db["ENGINE"].rsplit(".", 1)[-1]
    if engine == "sqlite3":
        return f"SQLite file {db['NAME']}"
    return f"{engine} database {db.get('NAME')} on {db.get('HOST') or 'localhost'}:{db.get('PORT') or ''}"


def require_registry(command: str) -> bool:
    """True when the database is a migrated registry; otherwise print why not, naming ``command``.

    Read commands ask this first: they never create, migrate or fill a database (docs/security.md,
    "Read commands"); ``remission demo`` builds the demo, ``remission migrate`` the schema.
    """
    import sys

    from remission.registry.database import registry_problem

    problem = registry_problem()
    if problem is not None:
        print(f"remission {command}: {problem}", file=sys.stderr)
        return False
    return True


NO_SUCH_USER = "no active account named {name!r}"


def acting_user(name: str | None) -> object:
    """The account a command acts as (``--as NAME``), or the operator at the command line (``SYSTEM``).

    Raises LookupError naming an account that does not exist or is not active.
    """
    from django.contrib.auth import get_user_model

    from remission.registry.access import SYSTEM

    if not name:
        return SYSTEM
    user = get_user_model().objects.filter(username=name, is_active=True).first()
    if user is None:
        raise LookupError(NO_SUCH_USER.format(name=name))
    return user
