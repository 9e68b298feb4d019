"""The registry takes over the API token model from the API app (``api/0003`` lets it go).

State only: the table the API app made, ``api_apitoken``, with its index and check constraint, already
holds the tokens (a fresh database gets it from ``api/0001`` and ``api/0002``, which run before this);
nothing in the database changes, forwards or backwards.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0009_prediction_models"),
        ("api", "0003_api_token_to_registry"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "name",
                            models.CharField(
                                help_text="What the token is for, e.g. 'nightly export'", max_length=100
                            ),
                        ),
                        (
                            "prefix",
                            models.CharField(
                                help_text="The first characters, to recognise the token", max_length=12
                            ),
                        ),
                        (
                            "digest",
                            models.CharField(
                                help_text="SHA-256 of the token, hex", max_length=64, unique=True
                            ),
                        ),
                        (
                            "scope",
                            models.CharField(
                                choices=[
                                    ("read", "read: read records, outcomes and exports, screen candidates"),
                                    ("read-write", "read-write: everything the user may do"),
                                ],
                                default="read",
                                max_length=12,
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "expires_at",
                            models.DateTimeField(help_text="The token is refused from this moment on"),
                        ),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_by_token",
                            models.ForeignKey(
                                blank=True,
                                help_text=(
                                    "The token this one was made with "
                                    "(only tokens made before tokens could not make tokens)"
                                ),
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="created_tokens",
                                to="registry.apitoken",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "api_apitoken",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["user", "revoked_at"], name="api_apitoke_user_id_0370d7_idx")
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("scope__in", ["read", "read-write"])),
                                name="api_token_scope_known",
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
