"""The computation jobs (issue 21): the outcomes page's first computation and the report downloads, run
off the web request (``registry/models/jobs.py``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0010_api_token"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ComputationJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("page", "Outcomes page"), ("report", "Report download")], max_length=8
                    ),
                ),
                (
                    "format",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("", "none (a page)"),
                            ("html", "HTML report"),
                            ("pdf", "PDF report"),
                            ("zip", "tables (CSV, zip)"),
                        ],
                        default="",
                        max_length=4,
                    ),
                ),
                ("request", models.JSONField(default=dict, help_text="The cohort form's data, JSON-ready")),
                (
                    "refresh",
                    models.BooleanField(default=False, help_text="Recompute instead of reading the cache"),
                ),
                (
                    "results_key",
                    models.CharField(help_text="remission.analysis.results.results_key", max_length=64),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="queued",
                        max_length=8,
                    ),
                ),
                (
                    "stage",
                    models.CharField(
                        choices=[
                            ("query", "Reading the registry"),
                            ("derivation", "Deriving endpoints and the cohort"),
                            ("models", "Fitting the analyses"),
                            ("rendering", "Laying out the page or file"),
                        ],
                        default="query",
                        max_length=10,
                    ),
                ),
                ("error", models.TextField(blank=True, default="")),
                (
                    "content",
                    models.BinaryField(blank=True, help_text="The finished file (kind report)", null=True),
                ),
                ("file_name", models.CharField(blank=True, default="", max_length=100)),
                ("n_patients", models.PositiveIntegerField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["user", "results_key", "kind"], name="registry_job_lookup_idx")
                ],
            },
        ),
    ]
