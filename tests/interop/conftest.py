"""The registry tests' two-centre world, for the exchange tests (built through the services)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command

from tests.registry.conftest import World, build_world, reload


@pytest.fixture(scope="module")
def stored_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Built once per test module, emptied when the module is done (as in tests/registry)."""
    with django_db_blocker.unblock():
        world = build_world()
    yield world
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def world(stored_world: World, db: None) -> World:
    return reload(stored_world)
