"""The two-centre registry of the registry tests, and signed-in clients per user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.registry.conftest import PASSWORD, World, stored_world, world  # noqa: F401 (fixtures)


@pytest.fixture
def signed_in(world: World) -> Callable[[str], Client]:  # noqa: F811
    """``signed_in("dm_a")``: a test client signed in as one of the world's users."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(world.users[username])
        return client

    return make


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
