"""A scratch PostgreSQL database per test, beside the test database, for child processes to use."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


def _admin_dsn(db: dict[str, Any]) -> str:
    return f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"


@pytest.fixture
def scratch_postgres(request: pytest.FixtureRequest, django_db_blocker: Any) -> Iterator[str]:
    """The URL of an empty database ``<test database>_rel`` on the test server, dropped afterwards."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_rel"
    with psycopg.connect(_admin_dsn(db), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(_admin_dsn(db), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
