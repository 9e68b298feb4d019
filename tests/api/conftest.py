"""The two-centre registry of the registry tests, and API tokens per user."""

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


@pytest.fixture
def token_for(world: World) -> Callable[[str], dict[str, str]]:  # noqa: F811
    """``token_for("dm_a")``: request headers carrying a fresh API token of that user."""
    from remission.registry.services.tokens import token_create

    def make(username: str) -> dict[str, str]:
        _, raw = token_create(actor=world.users[username], name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make
