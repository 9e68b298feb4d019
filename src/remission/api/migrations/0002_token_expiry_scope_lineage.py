"""API tokens get an expiry, a scope and the token they were made with.

Tokens made before this migration keep what they could do (scope read-write) and expire
``REMISSION_API_TOKEN_DAYS`` after the migration (they never expired before); the token they were made
with is not known, as it was not recorded.
"""

import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def expire_existing(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    days = getattr(settings, "REMISSION_API_TOKEN_DAYS", 90)
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + dt.timedelta(days=days)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[
                    ("read", "read: read records, outcomes and exports, screen candidates"),
                    ("read-write", "read-write: everything the user may do"),
                ],
                default="read-write",
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(
                choices=[
                    ("read", "read: read records, outcomes and exports, screen candidates"),
                    ("read-write", "read-write: everything the user may do"),
                ],
                default="read",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, help_text="The token is refused from this moment on"),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(help_text="The token is refused from this moment on"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="created_by_token",
            field=models.ForeignKey(
                blank=True,
                help_text="The token this one was made with (only tokens made before tokens could not make tokens)",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="created_tokens",
                to="api.apitoken",
            ),
        ),
        migrations.AddConstraint(
            model_name="apitoken",
            constraint=models.CheckConstraint(
                condition=models.Q(("scope__in", ["read", "read-write"])), name="api_token_scope_known"
            ),
        ),
    ]
