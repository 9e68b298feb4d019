"""API tokens: one row per token a user created; only a SHA-256 digest of the token is stored.

The API authenticates with these rows, the web page *API tokens* and ``remission token`` make them: the
model lives here, one floor below the faces, so that no face imports another for it. It began in the API
app; its table keeps that app's name (``api_apitoken``), so moving it moved no data (migrations
``api/0003`` and ``registry/0010`` change Django's state only).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenScope(models.TextChoices):
    READ = "read", _("read: read records, outcomes and exports, screen candidates")
    READ_WRITE = "read-write", _("read-write: everything the user may do")


class ApiToken(models.Model):
    """A personal API token. The token itself is shown once, when created, and never stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'nightly export'")
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise the token")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, hex")
    scope = models.CharField(max_length=12, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(help_text="The token is refused from this moment on")
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by_token = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="created_tokens",
        help_text="The token this one was made with (only tokens made before tokens could not make tokens)",
    )

    class Meta:
        db_table = "api_apitoken"  # the table the API app made: moving the model moved no data
        ordering = ["-created_at", "-id"]
        # the index keeps the name Django gave it in the API app
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_apitoke_user_id_0370d7_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["read", "read-write"]), name="api_token_scope_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None and not self.expired

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def writes(self) -> bool:
        return self.scope == TokenScope.READ_WRITE
