"""Browser tests: Playwright's sync API runs an event loop in the test's thread, so Django's async-safety
check must be off while they run — and only then (a child process started by a later test would inherit
the variable, and production's deployment checks refuse it)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="package", autouse=True)
def _async_unsafe_allowed() -> Iterator[None]:
    before = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    yield
    if before is None:
        del os.environ[ASYNC_UNSAFE]
    else:
        os.environ[ASYNC_UNSAFE] = before
