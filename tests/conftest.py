"""Suite-wide test setup.

``tests/run.py`` runs the suite twice: everything on SQLite, then every test that touches the
database again on PostgreSQL (``REMISSION_DB_TESTS_ONLY=1`` with ``DATABASE_URL`` set). Tests marked
``postgres`` need PostgreSQL itself (row locks between threads, say) and skip on SQLite with the reason.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from tests.audit_support import allow_flush

allow_flush()  # the audit table is append-only; the tests' flush between modules may empty it

# pytest-django puts django_db_blocker on every test (autouse), so only these fixtures mark database use.
DB_FIXTURES = frozenset(
    {"db", "transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def _uses_database(item: pytest.Item) -> bool:
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(DB_FIXTURES & set(getattr(item, "fixturenames", ())))


def _runs_again(item: pytest.Item) -> bool:
    """Whether the PostgreSQL pass runs ``item``: it uses the database, and what it checks may depend on the
    engine (not marked ``engine_independent``, as the accessibility walk is)."""
    return _uses_database(item) and item.get_closest_marker("engine_independent") is None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = (os.environ.get("DATABASE_URL") or "").startswith(("postgres://", "postgresql://"))
    if os.environ.get("REMISSION_DB_TESTS_ONLY") == "1":
        again = [item for item in items if _runs_again(item)]
        selected = again
        deselected = [item for item in items if item not in again]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
        items[:] = selected
    if not on_postgres:
        skip = pytest.mark.skip(reason="needs PostgreSQL: run tests/run.py, or set DATABASE_URL=postgres://…")
        for item in items:
            if item.get_closest_marker("postgres") is not None:
                item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Leave the counts where tests/run.py can add the two passes up."""
    path = os.environ.get("REMISSION_TEST_SUMMARY")
    if not path:
        return
    stats = terminalreporter.stats
    counts = {
        "passed": len([r for r in stats.get("passed", []) if r.when == "call"]),
        "failed": len(stats.get("failed", [])),
        "skipped": len(stats.get("skipped", [])),
        "error": len(stats.get("error", [])),
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(counts, handle)


@pytest.fixture(autouse=True)
def _source_language_after_each_test() -> Iterator[None]:
    """A request made in French leaves French active in the test's thread (LocaleMiddleware activates it);
    every test starts and ends in the source language, so tests that read English do not depend on order."""
    from django.conf import settings
    from django.utils import translation

    if settings.configured:
        translation.activate(settings.LANGUAGE_CODE)
    yield
    if settings.configured:
        translation.activate(settings.LANGUAGE_CODE)
