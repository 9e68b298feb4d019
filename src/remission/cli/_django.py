"""What the commands share once Django is started (:func:`remission.settings.startup.start_django`): the
database's name in words, the check that it is a registry, the account a command acts as."""

from __future__ import annotations


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
