"""The daily e-mail of query news: who gets what, rendered (text and HTML) and sent to the locmem backend,
at most once per user per day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from tests.registry.conftest import World, grant, make_user

from remission.registry.codes import Role
from remission.registry.models import FollowUp, Query, QueryDigest
from remission.registry.services.digests import query_digests_send
from remission.registry.services.queries import query_answer, query_comment, query_raise

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(world: World, settings: Any) -> dict[str, Any]:
    """The world's users with e-mail addresses, a registry data coordinator, and no query yet."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Query.objects.all().delete()  # the rules' queries of the world's records are not these tests' news
    settings.REMISSION_SITE_URL = "https://registry.example.org/"
    coord = make_user("coord")
    grant(coord, Role.REGISTRY_DATA_COORDINATOR, None)
    found = {**world.users, "coord": coord}
    for name, user in found.items():
        user.email = f"{name}@example.org"
        user.save(update_fields=["email"])
    return found


def _raise(world: World, actor: Any, centre: str = "a") -> Query:
    patient = world.patient_a if centre == "a" else world.patient_b
    record = FollowUp.objects.filter(patient=patient).order_by("pk").first()
    return query_raise(actor=actor, record=record, field="disease_status", text="Relapse without treatment?")


def _to(address: str) -> list[Any]:
    return [m for m in mail.outbox if m.to == [address]]


def test_a_raised_query_is_news_to_its_centres_writers_only(world: World, users: dict) -> None:
    query = _raise(world, users["coord"])
    sent = query_digests_send(now=timezone.now() + dt.timedelta(minutes=1))
    assert sent == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["clin_a@example.org", "dm_a@example.org"]
    [message] = _to("dm_a@example.org")
    assert message.subject == "Remission: 1 query update"
    record = FollowUp.objects.get(pk=query.record_id)
    for text in (
        f"Query #{query.pk}: raised by coord",
        f"Patient {world.patient_a.registry_id}, Follow-up #{record.pk}, Disease status",
        '"Relapse without treatment?"',
        f"https://registry.example.org/queries/{query.pk}/",
        "https://registry.example.org/queries/",
    ):
        assert text in message.body, text
    [(html, media_type)] = message.alternatives
    assert media_type == "text/html"
    assert f'<a href="https://registry.example.org/queries/{query.pk}/">#{query.pk}</a>' in html
    assert "Relapse without treatment?" in html and world.patient_a.registry_id in html
    assert f"H-{world.patient_a.pk}" not in message.body + html  # no hospital number


def test_answers_and_comments_are_news_to_the_raiser_and_answers_to_coordinators(
    world: World, users: dict
) -> None:
    start = timezone.now()
    query = _raise(world, users["clin_a"])
    query_comment(actor=users["dm_a"], query=query, text="Checking the letter.")
    query_answer(actor=users["dm_a"], query=query, text="Corrected.")
    query_digests_send(now=start + dt.timedelta(minutes=1))
    by_user = {m.to[0].split("@")[0]: m for m in mail.outbox}
    # clin_a raised it: the comment and the answer; dm_a: the raising (not their own steps);
    # the coordinator and the administrator: the answer
    assert sorted(by_user) == ["admin", "clin_a", "coord", "dm_a"]
    assert by_user["clin_a"].subject == "Remission: 2 query updates"
    assert "comment by dm_a" in by_user["clin_a"].body and "answered by dm_a" in by_user["clin_a"].body
    assert "raised by clin_a" in by_user["dm_a"].body and "answered" not in by_user["dm_a"].body
    assert "answered by dm_a" in by_user["coord"].body and "raised" not in by_user["coord"].body


def test_once_per_user_per_day(world: World, users: dict) -> None:
    start = timezone.now()
    first = _raise(world, users["coord"])
    assert query_digests_send(now=start + dt.timedelta(minutes=1)) == 2
    second = _raise(world, users["coord"])
    second.events.update(at=start + dt.timedelta(seconds=90))  # raised after the first digest went out
    assert query_digests_send(now=start + dt.timedelta(minutes=2)) == 0  # today's digest went out
    assert len(mail.outbox) == 2
    tomorrow = start + dt.timedelta(days=1, minutes=2)
    assert query_digests_send(now=tomorrow) == 2
    [latest] = _to("dm_a@example.org")[1:]
    assert f"Query #{second.pk}" in latest.body and f"Query #{first.pk}:" not in latest.body
    assert QueryDigest.objects.get(user=users["dm_a"]).sent_at == tomorrow
    assert query_digests_send(now=tomorrow + dt.timedelta(days=1)) == 0  # no news: nothing sent


def test_no_news_no_address_or_inactive_no_mail(world: World, users: dict) -> None:
    assert query_digests_send() == 0
    users["clin_a"].email = ""
    users["clin_a"].save(update_fields=["email"])
    users["dm_a"].is_active = False
    users["dm_a"].save(update_fields=["is_active"])
    _raise(world, users["coord"], centre="b")
    query_digests_send(now=timezone.now() + dt.timedelta(minutes=1))
    assert [m.to for m in mail.outbox] == [["dm_b@example.org"]]
    assert not QueryDigest.objects.filter(user__in=[users["clin_a"], users["dm_a"]]).exists()


def test_the_notify_command_sends_the_digests(
    world: World, users: dict, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from remission.cli import main

    monkeypatch.setattr("remission.cli.quality_notify.start_django", lambda settings=None: None)
    query = _raise(world, users["coord"])
    query.events.update(at=timezone.now() - dt.timedelta(minutes=1))
    assert main(["quality", "notify"]) == 0
    assert "Sent 2 query digests" in capsys.readouterr().out
    assert sorted(m.to[0] for m in mail.outbox) == ["clin_a@example.org", "dm_a@example.org"]
    assert main(["quality", "notify"]) == 0  # the same day again: nothing more
    assert "Sent 0 query digests" in capsys.readouterr().out and len(mail.outbox) == 2


def test_email_settings_come_from_the_environment() -> None:
    from remission.settings.environment import read_environment

    default = read_environment({})
    assert (default.email_host, default.email_port, default.email_tls) == (None, 587, True)
    smtp = read_environment(
        {
            "REMISSION_EMAIL_HOST": "smtp.example.org",
            "REMISSION_EMAIL_PORT": "2525",
            "REMISSION_EMAIL_USER": "registry",
            "REMISSION_EMAIL_PASSWORD": "secret",
            "REMISSION_EMAIL_TLS": "0",
            "REMISSION_EMAIL_FROM": "registry@example.org",
            "REMISSION_SITE_URL": "https://registry.example.org",
        }
    )
    assert (smtp.email_host, smtp.email_port, smtp.email_user, smtp.email_password) == (
        "smtp.example.org",
        2525,
        "registry",
        "secret",
    )
    assert (smtp.email_tls, smtp.email_from, smtp.site_url) == (
        False,
        "registry@example.org",
        "https://registry.example.org",
    )
