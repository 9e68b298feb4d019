"""Migration api 0002 on a registry with tokens from before it: they keep what they could do (read-write)
and expire the default days after the migration, as they never expired before."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("api", "0001_initial")]
AFTER = [("api", "0002_token_expiry_scope_lineage")]


@pytest.mark.django_db(transaction=True)
def test_tokens_made_before_get_read_write_and_an_expiry(settings: Any) -> None:
    from django.contrib.auth import get_user_model

    settings.REMISSION_API_TOKEN_DAYS = 30
    user = get_user_model().objects.create_user(username="old-timer", password="correct horse battery")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("api", "ApiToken")
    old.objects.create(user_id=user.pk, name="legacy", prefix="rms_abcdef", digest="d" * 64)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    started = timezone.now()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("api", "ApiToken")
    token = new.objects.get(name="legacy")
    assert token.scope == "read-write"
    assert started + dt.timedelta(days=30) <= token.expires_at <= timezone.now() + dt.timedelta(days=30)
    assert token.created_by_token_id is None
    # the rest of the suite runs on the newest schema
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
