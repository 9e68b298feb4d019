"""The fitted prediction models (issue 16): one row per fitted model set, never edited.

A :class:`PredictionModelSet` holds one fitted model set of the analysis layer as its JSON
(``content`` = ``ModelSet.to_dict()``, from which ``ModelSet.from_dict`` gives the same object back), the
settings it was fitted with, the data cut-off, who fitted it and when, and its validation
(``Validation.to_dict()`` of :mod:`remission.analysis.prediction.validate`, when it was validated).

``version`` is the model set's own version (``pm-<cut-off>-<content hash>``): the same data and settings
give the same version, so a version names one content. Rows are append-only: a new fit is a new row, the
latest row is the current model (``selectors.prediction_models.current_version``). The model refuses to
save an existing row again or to delete one; the only writer is
``services.prediction_models.store_model_content`` (audited).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as conf
from django.db import models
from django.utils import timezone

APPEND_ONLY = "a stored prediction model set is never changed or deleted; fit a new version instead"


class PredictionModelSet(models.Model):
    """One fitted set of prediction models (OS, PFS, NRM) with its provenance and validation."""

    version = models.CharField(max_length=64, unique=True, help_text="e.g. 'pm-2025-06-30-0123456789ab'")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        conf.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who fitted it; empty: the operator at the command line",
    )
    data_cutoff = models.DateField(null=True, blank=True, help_text="The data cut-off of the fitted data")
    settings = models.JSONField(help_text="PredictionSettings.to_dict()")
    content = models.JSONField(help_text="ModelSet.to_dict(): the models, their design and provenance")
    validation = models.JSONField(null=True, blank=True, help_text="Validation.to_dict(), if validated")

    class Meta:
        ordering = ["created_at", "id"]
        get_latest_by = ["created_at", "id"]
        verbose_name = "prediction model set"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError(APPEND_ONLY)

    def __str__(self) -> str:
        return f"prediction models {self.version}"
