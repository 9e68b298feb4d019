"""Migration api 0002 on a registry with tokens from before it: they keep what they could do (read-write)
and expire the default days after the migration, as they never expired before; and api 0003 with registry
0010, which move the token model to the registry without moving its rows."""

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


MOVE_BEFORE = [("api", "0002_token_expiry_scope_lineage"), ("registry", "0009_prediction_models")]


@pytest.mark.django_db(transaction=True)
def test_the_move_to_the_registry_keeps_the_tokens_and_their_table() -> None:
    """api 0003 and registry 0010 hand the model over in Django's state only: a token stored before them is
    the registry's afterwards, in the same table, and still lets its user in."""
    import hashlib

    from django.contrib.auth import get_user_model

    from remission.registry.models import ApiToken
    from remission.registry.services.tokens import token_authenticate

    user = get_user_model().objects.create_user(username="kept", password="correct horse battery")
    executor = MigrationExecutor(connection)
    executor.migrate(MOVE_BEFORE)
    before = executor.loader.project_state(MOVE_BEFORE).apps
    with pytest.raises(LookupError):
        before.get_model("registry", "ApiToken")
    raw = "rms_" + "k" * 43
    before.get_model("api", "ApiToken").objects.create(
        user_id=user.pk,
        name="kept",
        prefix=raw[:10],
        digest=hashlib.sha256(raw.encode()).hexdigest(),
        scope="read",
        expires_at=timezone.now() + dt.timedelta(days=3),
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    after = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    with pytest.raises(LookupError):
        after.get_model("api", "ApiToken")
    assert after.get_model("registry", "ApiToken")._meta.db_table == "api_apitoken"
    assert ApiToken._meta.db_table == "api_apitoken"
    token = ApiToken.objects.get(name="kept")
    assert (token.user_id, token.scope) == (user.pk, "read")
    found = token_authenticate(raw)
    assert found is not None and found.pk == token.pk
