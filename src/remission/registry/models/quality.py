"""Data quality as a workflow: the follow-up forms each infusion is due, and queries on recorded fields.

These tables are the registry's own bookkeeping, not clinical data:

- :class:`TimePoint` — one expected follow-up form (day 100, 6 months, 1 year, then yearly …) of one
  infusion, with its window. Derived from day 0 and the schedule in the settings by
  ``remission.registry.quality.timepoints``; its status for today (upcoming, due, overdue, received, not
  required) is computed when read (``status_on``), so it never goes stale overnight. A centre signs a
  time point off (``locked_at``) once its queries are closed.
- :class:`Query` — a question on one field of one record, raised by a data-quality rule (``rule``) or by
  a person (``raised_by``); open → answered → closed, or re-opened. :class:`QueryEvent` is its thread.
- :class:`QueryDigest` — when each user was last sent the daily e-mail of query news.

Every change a person makes here goes through ``services/queries.py`` or ``services/timepoints.py`` and
is audited like a clinical write.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from remission.registry.codes import QueryEventKind, QueryStatus, Severity, TimePointStatus


class TimePoint(models.Model):
    """One expected follow-up form of one infusion (EBMT/CIBMTR-style day 100, 6 months, 1 year, …)."""

    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="time_points")
    infusion = models.ForeignKey("registry.Infusion", on_delete=models.CASCADE, related_name="time_points")
    point = models.CharField(max_length=16, help_text="Schedule code, e.g. 'd100', 'm6', 'y1', 'y2'")
    label = models.CharField(max_length=40, help_text="e.g. 'Day 100', '1 year'")
    day = models.PositiveIntegerField(help_text="Days from day 0 at which the form is due")
    due_date = models.DateField()
    window_start = models.DateField()
    window_end = models.DateField()
    received_date = models.DateField(
        null=True, blank=True, help_text="Date of the follow-up contact inside the window, if any"
    )
    not_required_reason = models.CharField(
        max_length=200, blank=True, default="", help_text="Death, consent withdrawn, or a person's reason"
    )
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["patient", "infusion", "day"]
        # The work list reads the open points (no form, not waived) by window end: partial indexes hold
        # only those, a small share of the table once a registry has years of received forms.
        indexes = [
            models.Index(fields=["centre", "window_end"], name="time_point_centre_window"),
            models.Index(fields=["window_end"], name="time_point_window"),
            models.Index(
                fields=["window_end", "id"],
                condition=Q(received_date__isnull=True, not_required_reason=""),
                name="time_point_open",
            ),
            models.Index(
                fields=["centre", "window_end", "id"],
                condition=Q(received_date__isnull=True, not_required_reason=""),
                name="time_point_open_centre",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["infusion", "point"], name="time_point_unique"),
            models.CheckConstraint(
                condition=Q(window_start__lte=F("due_date")) & Q(due_date__lte=F("window_end")),
                name="time_point_window_holds_due_date",
            ),
        ]

    def status_on(self, today: dt.date) -> TimePointStatus:
        """The status on ``today`` (the same rule as ``selectors`` compute in SQL for lists)."""
        if self.not_required_reason:
            return TimePointStatus.NOT_REQUIRED
        if self.received_date is not None:
            return TimePointStatus.RECEIVED
        if today > self.window_end:
            return TimePointStatus.OVERDUE
        if today >= self.window_start:
            return TimePointStatus.DUE
        return TimePointStatus.UPCOMING

    def __str__(self) -> str:
        return f"{self.label} (due {self.due_date:%Y-%m-%d})"


class Query(models.Model):
    """A question on one field of one record, until closed.

    ``entity`` and ``record_id`` name the record as the audit trail does (``registry.followup``, 17);
    ``field`` is a field of that record, or of the time point a rule found missing. A rule's query
    (``rule`` set, ``raised_by`` empty) is kept once per rule, record and field: when the data no longer
    break the rule, the next evaluation closes it; when they break it again, it is re-opened.
    """

    centre = models.ForeignKey("registry.Centre", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("registry.Patient", on_delete=models.CASCADE, related_name="queries")
    entity = models.CharField(max_length=40, help_text="Model label, e.g. 'registry.followup'")
    record_id = models.BigIntegerField(null=True, blank=True)
    field = models.CharField(max_length=60)
    time_point = models.ForeignKey(
        TimePoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="queries"
    )
    rule = models.CharField(max_length=60, blank=True, default="", help_text="Rule id; empty if a person")
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.WARNING)
    text = models.TextField(help_text="The question")
    status = models.CharField(max_length=8, choices=QueryStatus.choices, default=QueryStatus.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    raised_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "queries"
        ordering = ["raised_at", "id"]
        indexes = [
            models.Index(fields=["centre", "status", "raised_at"], name="query_centre_status"),
            models.Index(fields=["entity", "record_id"], name="query_record"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "entity", "record_id", "field"],
                condition=~Q(rule=""),
                name="query_one_per_rule_record_field",
            ),
            models.CheckConstraint(
                condition=~Q(status=QueryStatus.CLOSED) | Q(closed_at__isnull=False),
                name="query_closed_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"query {self.pk} on {self.entity}#{self.record_id}.{self.field} ({self.status})"


class QueryEvent(models.Model):
    """One step of a query's thread: raised, a comment, answered, closed, re-opened (with its text)."""

    query = models.ForeignKey(Query, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=QueryEventKind.choices)
    text = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["at"], name="query_event_at")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"


class QueryDigest(models.Model):
    """When a user was last sent the daily e-mail of query news (``remission quality notify``)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"digest for user {self.user_id} sent {self.sent_at:%Y-%m-%d %H:%M}"
