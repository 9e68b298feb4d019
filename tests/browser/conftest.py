"""Browser tests: what they share.

Playwright's sync API runs an event loop in the test's thread, so Django's async-safety check must be
off while they run — and only then (a child process started by a later test would inherit the variable,
and production's deployment checks refuse it). The browser (Debian's headless Chromium, one per test
module), the folder screenshots go to (``docs/images`` when ``REMISSION_SCREENSHOTS=1``, else a
temporary one) and the registry tests' world, committed for the live server, are fixtures here; a module
that needs another world defines its own ``live_world``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.registry.conftest import World, build_world

ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="package", autouse=True)
def _async_unsafe_allowed() -> Iterator[None]:
    before = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    yield
    if before is None:
        del os.environ[ASYNC_UNSAFE]
    else:
        os.environ[ASYNC_UNSAFE] = before


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return ROOT / "docs" / "images" if os.environ.get("REMISSION_SCREENSHOTS") == "1" else tmp_path


@pytest.fixture
def live_world(transactional_db: None, live_server: Any) -> World:
    from django.core.cache import cache

    cache.clear()
    return build_world()
