"""Long computations run off the web request (issue 21): one row per job a user started.

A :class:`ComputationJob` is the outcomes page's first computation (kind ``page``: the laid-out page ends
up in the cache) or a report download (kind ``report``: the finished file is stored in the row, in
``content``, until it is downloaded as often as wanted the same day). The row holds who asked, the request
(the cohort form's data, as JSON), the analysis layer's results key, the status and the stage under way,
the error when it failed, and the times. The web layer runs the jobs (``remission.web.jobs``); the only
writer is ``services.jobs`` (audited), the only reader ``selectors.jobs`` (a user's own jobs).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from remission.registry.codes import JOB_UNFINISHED, JobFormat, JobKind, JobStage, JobStatus


class ComputationJob(models.Model):
    """One background computation of the outcomes page or of a report file."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=JobKind.choices)
    format = models.CharField(max_length=4, choices=JobFormat.choices, blank=True, default="")
    request = models.JSONField(default=dict, help_text="The cohort form's data, JSON-ready")
    refresh = models.BooleanField(default=False, help_text="Recompute instead of reading the cache")
    results_key = models.CharField(max_length=64, help_text="remission.analysis.results.results_key")
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=10, choices=JobStage.choices, default=JobStage.QUERY)
    error = models.TextField(blank=True, default="")
    content = models.BinaryField(null=True, blank=True, help_text="The finished file (kind report)")
    file_name = models.CharField(max_length=100, blank=True, default="")
    n_patients = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "results_key", "kind"], name="registry_job_lookup_idx")]

    def __str__(self) -> str:
        what = f"report.{self.format}" if self.kind == JobKind.REPORT else "outcomes page"
        return f"Job #{self.pk} ({what}, {self.status})"

    @property
    def finished(self) -> bool:
        return self.status not in JOB_UNFINISHED
