"""The language of the web pages (docs/languages.md): English by default, the browser's Accept-Language,
the switcher in every page's header, and a signed-in user's stored language, which overrides the browser;
dates in the language's format; every change of the stored language audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from remission.registry.codes import AuditAction
from remission.registry.models import AuditRecord, UserPreference
from remission.registry.selectors.preferences import language_of
from remission.registry.services.preferences import language_set
from remission.web.paging import ListPage

FRENCH = "fr"
ENTITY = "registry.userpreference"


def _page(client: Client, url: str, **headers: str) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


def _french_date(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def test_english_by_default(world: Any, signed_in: Any) -> None:
    text = _page(signed_in("dm_a"), reverse("patient_list"))
    assert '<html lang="en-gb">' in text
    assert ">Patients</h1>" in text and "Sign out" in text and "Se déconnecter" not in text


def test_the_sign_in_page_follows_the_browser(db: Any) -> None:
    text = _page(Client(), reverse("login"), accept_language="fr-FR,fr;q=0.9,en;q=0.5")
    assert '<html lang="fr">' in text
    assert "Se connecter" in text and "Nom d’utilisateur" in text and "Mot de passe" in text
    english = _page(Client(), reverse("login"), accept_language="en-GB,en;q=0.8")
    assert '<html lang="en-gb">' in english and "User name" in english


def test_pages_follow_the_browser_when_the_user_chose_nothing(world: Any, signed_in: Any) -> None:
    client = signed_in("dm_a")
    text = _page(client, reverse("patient_list"), accept_language="fr")
    assert '<html lang="fr">' in text
    assert "Se déconnecter" in text and "Inscrire un patient" in text and "Identifiant registre" in text
    response = client.get(reverse("patient_list"), headers={"accept-language": "fr"})
    assert response["Content-Language"] == FRENCH


def test_the_stored_language_overrides_the_browser(world: Any, signed_in: Any) -> None:
    language_set(actor=world.users["dm_a"], language=FRENCH)
    text = _page(signed_in("dm_a"), reverse("account"), accept_language="en-GB,en;q=0.9")
    assert '<html lang="fr">' in text and "Votre compte" in text
    other = _page(signed_in("dm_b"), reverse("account"), accept_language="en-GB,en;q=0.9")
    assert '<html lang="en-gb">' in other and "Your account" in other


def test_the_account_page_stores_the_language_audited(world: Any, signed_in: Any) -> None:
    user = world.users["clin_a"]
    client = signed_in("clin_a")
    before = AuditRecord.objects.filter(entity=ENTITY).count()
    response = client.post(reverse("account"), {"language": FRENCH})
    assert response.status_code == 302 and response["Location"] == reverse("account")
    assert UserPreference.objects.get(user=user).language == FRENCH
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == FRENCH
    text = _page(client, reverse("account"), accept_language="en")
    assert "Votre langue a été enregistrée." in text and '<option value="fr" selected>' in text
    rows = list(AuditRecord.objects.filter(entity=ENTITY).order_by("sequence"))
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.action, row.actor_id, row.before, row.after) == (
        AuditAction.CREATE,
        user.pk,
        None,
        {"language": FRENCH},
    )
    assert row.centre_id is None and row.patient_id is None

    client.post(reverse("account"), {"language": ""})
    assert language_of(user) == ""
    change = AuditRecord.objects.filter(entity=ENTITY).order_by("-sequence").first()
    assert (change.action, change.before, change.after) == (
        AuditAction.UPDATE,
        {"language": FRENCH},
        {"language": ""},
    )
    assert "Your account" in _page(client, reverse("account"), accept_language="en")


def test_storing_the_same_language_again_writes_nothing(world: Any) -> None:
    user = world.users["dm_a"]
    language_set(actor=user, language=FRENCH)
    count = AuditRecord.objects.filter(entity=ENTITY).count()
    language_set(actor=user, language=FRENCH)
    assert AuditRecord.objects.filter(entity=ENTITY).count() == count


def test_a_language_not_offered_is_refused(world: Any, signed_in: Any) -> None:
    response = signed_in("dm_a").post(reverse("account"), {"language": "xx"})
    assert response.status_code == 400
    assert not UserPreference.objects.filter(user=world.users["dm_a"]).exists()


def test_the_switcher_changes_the_language_and_stores_it(world: Any, signed_in: Any) -> None:
    client = signed_in("dm_a")
    page = _page(client, reverse("patient_list"))
    assert 'action="/i18n/setlang/"' in page and '<label for="language-switch">Language</label>' in page
    response = client.post(reverse("set_language"), {"language": FRENCH, "next": reverse("patient_list")})
    assert response.status_code == 302 and response["Location"] == reverse("patient_list")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == FRENCH
    assert language_of(world.users["dm_a"]) == FRENCH
    text = _page(client, reverse("patient_list"), accept_language="en")
    assert '<html lang="fr">' in text and "Changer de langue" in text
    # each language is offered in its own name, whatever the page's language
    assert '<option value="en-gb" lang="en-gb">English</option>' in text
    assert '<option value="fr" lang="fr" selected>Français</option>' in text
    row = AuditRecord.objects.filter(entity=ENTITY).order_by("-sequence").first()
    assert row.actor_id == world.users["dm_a"].pk and row.after == {"language": FRENCH}


def test_the_switcher_works_before_signing_in(db: Any) -> None:
    client = Client()
    response = client.post(reverse("set_language"), {"language": FRENCH, "next": reverse("login")})
    assert response.status_code == 302
    assert "Se connecter" in _page(client, reverse("login"))
    assert not AuditRecord.objects.filter(entity=ENTITY).exists()


def test_dates_in_the_french_format(world: Any, signed_in: Any) -> None:
    language_set(actor=world.users["clin_a"], language=FRENCH)
    client = signed_in("clin_a")
    day_zero = world.infusion_a.date
    detail = _page(client, reverse("patient_detail", args=[world.patient_a.registry_id]))
    assert f"nº {world.infusion_a.sequence} le {_french_date(day_zero)}" in detail
    assert day_zero.isoformat() not in detail
    listing = _page(client, reverse("patient_list"))
    assert _french_date(day_zero) in listing
    english = _page(signed_in("dm_a"), reverse("patient_detail", args=[world.patient_a.registry_id]))
    assert f"#{world.infusion_a.sequence} on {day_zero.isoformat()}" in english


def test_numbers_in_the_french_format() -> None:
    page = ListPage(object_list=[], number=1, per_page=50, count=1000, capped=True, has_next=True)
    with translation.override(FRENCH):
        assert page.count_label == "plus de 1\u00a0000"
    with translation.override("en-gb"):
        assert page.count_label == "more than 1,000"


def test_every_page_renders_in_french(world: Any, signed_in: Any) -> None:
    """A French page of each kind renders (a translation that lost a placeholder would fail here) and is
    French: its header and its language attribute."""
    language_set(actor=world.users["admin"], language=FRENCH)
    language_set(actor=world.users["dm_a"], language=FRENCH)
    patient = world.patient_a
    infusion = world.infusion_a
    urls = {
        "dm_a": [
            reverse("patient_list"),
            reverse("patient_detail", args=[patient.registry_id]),
            reverse("record_new", args=[patient.registry_id, "follow-up"]),
            reverse("record_new", args=[patient.registry_id, "assessment"]),
            reverse("record_edit", args=["infusion", infusion.pk]),
            reverse("record_history", args=["infusion", infusion.pk]),
            reverse("record_delete", args=["infusion", infusion.pk]),
            reverse("patient_register"),
            reverse("screening"),
            f"{reverse('screening')}?patient={patient.registry_id}",
            reverse("outcomes"),
            reverse("quality"),
            reverse("worklist"),
            reverse("queries"),
            reverse("completeness"),
            reverse("export"),
            reverse("import"),
            reverse("tokens"),
            reverse("account"),
            reverse("password_change"),
            reverse("second_factor_enrol"),
        ],
        "admin": [reverse("user_list"), reverse("user_detail", args=[world.users["dm_b"].pk])],
    }
    for user, pages in urls.items():
        client = signed_in(user)
        for url in pages:
            text = _page(client, url, accept_language="en")
            assert '<html lang="fr">' in text and "Se déconnecter" in text, url
            assert "Sign out" not in text and ">Patients</a>" in text, url


def test_labels_kept_by_the_registry_and_the_analysis_show_in_french(world: Any, signed_in: Any) -> None:
    """Labels defined away from the templates (filters, worklist statuses, token scopes, model field
    names and help, the completeness report kept for every language) are shown in the reader's language."""
    client = signed_in("dm_a")
    french = {"accept_language": FRENCH}
    patients = _page(client, reverse("patient_list"), **french)
    assert "Vivant (aucun décès enregistré)" in patients and "Pas de diagnostic principal" in patients
    assert "Alive (no death recorded)" not in patients
    assert "En retard et à faire" in _page(client, reverse("worklist"), **french)
    assert "lire les fiches" in _page(client, reverse("tokens"), **french)
    diagnosis = _page(
        client, reverse("record_new", args=[world.patient_a.registry_id, "diagnosis"]), **french
    )
    assert "The indication for cell therapy" not in diagnosis
    english = _page(client, reverse("completeness"), accept_language="en")  # computed, kept, in English first
    again = _page(client, reverse("completeness"), **french)
    assert "Follow-up" in english and "Follow-up" not in again
