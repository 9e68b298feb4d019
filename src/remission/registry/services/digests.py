"""The daily e-mail of query news, one per user per day (``remission quality notify``).

What is news for whom, since the user's last digest (``QueryDigest.sent_at``; a user never sent one: the
last day):

- a centre's data manager or clinician: queries raised or re-opened on their centre's records;
- whoever raised a query: answers and comments on it;
- a registry data coordinator or administrator: answers on any query.

A person's own steps are never news to them. Each user with news and an e-mail address gets one message
(text and HTML, ``registry/email/query_digest.*``) through Django's e-mail framework (``EMAIL_BACKEND``:
the console by default, SMTP by settings); then their ``QueryDigest`` moves to now. A user already sent a
digest today (UTC) is not sent another until tomorrow. The message names patients by registry ID only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from remission.registry.access import scope_for
from remission.registry.codes import QueryEventKind
from remission.registry.models import QueryDigest, QueryEvent
from remission.registry.selectors.queries import entity_words, field_words

FIRST_DIGEST_LOOKBACK = dt.timedelta(days=1)
DEFAULT_SITE_URL = "http://127.0.0.1:8000"
TEXT_SHOWN = 300  # characters of each event's text in the message


@dataclass(frozen=True)
class DigestItem:
    query_id: int
    kind: str  # the event's kind for people: "Raised", "Answered" …
    at: dt.datetime
    actor: str
    patient: str  # registry ID
    record: str  # "Follow-up #17"
    field: str  # "Disease status"
    text: str
    url: str


def _site_url() -> str:
    return str(getattr(settings, "REMISSION_SITE_URL", "") or DEFAULT_SITE_URL).rstrip("/")


def news_for(user: Any, since: dt.datetime, until: dt.datetime) -> QuerySet[QueryEvent]:
    """The thread events after ``since`` (up to ``until``) that are news to ``user``, oldest first."""
    scope = scope_for(user)
    wanted = Q(query__raised_by_id=user.pk, kind__in=(QueryEventKind.ANSWERED, QueryEventKind.COMMENT))
    if scope.writable:  # a centre's data manager or clinician (an administrator writes everywhere: None)
        wanted |= Q(
            query__centre_id__in=scope.writable,
            kind__in=(QueryEventKind.RAISED, QueryEventKind.REOPENED),
        )
    if scope.coordinates:
        wanted |= Q(kind=QueryEventKind.ANSWERED)
    rows = QueryEvent.objects.filter(wanted, at__gt=since, at__lte=until).exclude(actor_id=user.pk)
    if scope.readable is not None:
        rows = rows.filter(query__centre_id__in=scope.readable)
    return rows.select_related("query", "query__patient", "actor").order_by("at", "id")


def _item(event: QueryEvent) -> DigestItem:
    query = event.query
    text = event.text if len(event.text) <= TEXT_SHOWN else event.text[: TEXT_SHOWN - 1] + "…"
    return DigestItem(
        query_id=query.pk,
        kind=event.get_kind_display(),
        at=event.at,
        actor=event.actor.username if event.actor is not None else f"rule {query.rule}".strip(),
        patient=query.patient.registry_id,
        record=f"{entity_words(query.entity)} #{query.record_id}",
        field=field_words(query.entity, query.field),
        text=text,
        url=_site_url() + reverse("query_detail", args=[query.pk]),
    )


def digest_message(user: Any, items: list[DigestItem]) -> EmailMultiAlternatives:
    """The e-mail of ``items`` to ``user``: plain text with an HTML alternative."""
    context = {
        "user": user,
        "items": items,
        "queries_url": _site_url() + reverse("queries"),
        "count": len(items),
    }
    subject = ngettext("Remission: %(n)d query update", "Remission: %(n)d query updates", len(items)) % {
        "n": len(items)
    }
    text = render_to_string("registry/email/query_digest.txt", context)
    html = render_to_string("registry/email/query_digest.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def query_digests_send(*, now: dt.datetime | None = None) -> int:
    """Send each active user with news their digest (at most one per day); return how many were sent."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    last = dict(QueryDigest.objects.values_list("user_id", "sent_at"))
    sent = 0
    for user in get_user_model().objects.filter(is_active=True).exclude(email="").order_by("pk"):
        previous = last.get(user.pk)
        if previous is not None and previous.astimezone(dt.UTC).date() >= today:
            continue
        since = previous if previous is not None else now - FIRST_DIGEST_LOOKBACK
        items = [_item(e) for e in news_for(user, since, now)]
        if not items:
            continue
        digest_message(user, items).send()
        QueryDigest.objects.update_or_create(user=user, defaults={"sent_at": now})
        sent += 1
    return sent
