"""Each user's own preferences (issue 20): the language of the web pages
(``registry/models/preferences.py``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import remission.registry.models.preferences


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_computation_job"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="UserPreference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "language",
                    models.CharField(
                        blank=True,
                        choices=remission.registry.models.preferences.language_choices,
                        default="",
                        max_length=10,
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="preference",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
    ]
