"""The caches: the sign-in throttle's is a table in the registry's database, made by ``remission migrate``."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from remission.cli.migrate import migrate_database


def test_the_signin_cache_is_a_database_table_and_the_default_is_memory() -> None:
    signin = settings.CACHES[settings.REMISSION_SIGNIN_CACHE]
    assert signin["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_migrate_makes_the_signin_cache_table(db: None) -> None:
    table = settings.CACHES[settings.REMISSION_SIGNIN_CACHE]["LOCATION"]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    assert table not in connection.introspection.table_names()
    migrate_database()
    assert table in connection.introspection.table_names()
    migrate_database()  # a second run leaves the table be
    assert table in connection.introspection.table_names()
