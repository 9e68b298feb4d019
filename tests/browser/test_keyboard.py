"""Keyboard-only entry in a real browser: sign in, reach a patient, open the follow-up quick-entry form and
enter a follow-up with its scores, dated as a day number — Tab, typing and Enter only, never a click —
then check the stored records. The example patient of centre A has day 0 on 14 March 2022: D+100 is
22 June 2022 (by hand: 17 days left in March, 30 in April, 31 in May, 22 in June)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM
from tests.registry.conftest import PASSWORD, World

if not Path(CHROMIUM).exists():
    pytestmark = pytest.mark.skip(reason=f"{CHROMIUM} is missing: run scripts/install-chromium.sh")

DAY_100 = dt.date(2022, 6, 22)
MAX_TABS = 120  # more Tab presses than any page here has stops: a stop never reached fails the test
FOCUSED = (
    "(() => { const e = document.activeElement; return [e.tagName, e.name || '', e.textContent.trim()]; })()"
)


def _focused(page: Any) -> tuple[str, str, str]:
    tag, name, text = page.evaluate(FOCUSED)
    return tag.lower(), name, text


def _tab_to(page: Any, *, name: str = "", text: str = "") -> int:
    """Press Tab until the focused element has the ``name`` (an input) or the ``text`` (a link)."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        _, focused_name, focused_text = _focused(page)
        if (name and focused_name == name) or (text and focused_text == text):
            return presses
    raise AssertionError(f"Tab never reached {name or text!r}")


def _autofocused(page: Any, name: str) -> None:
    """Wait until the field ``name`` has the focus the page gives it on loading (``autofocus``): the
    browser moves it at its next rendering, which on a loaded machine can come after the load event."""
    page.wait_for_function(f"document.activeElement && document.activeElement.name === {name!r}")


def _sign_in_by_keyboard(page: Any, base: str) -> None:
    """Sign in as dm_a: type the user name (it has the focus), Tab, type the password, Enter."""
    page.goto(f"{base}/signin/")
    _autofocused(page, "username")
    page.keyboard.type("dm_a")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/patients/")


def test_follow_up_with_scores_by_keyboard_only(browser: Any, live_server: Any, live_world: World) -> None:
    from remission.registry.models import Assessment, AuditRecord, FollowUp

    base = live_server.url
    patient = live_world.patient_a
    rid = patient.registry_id
    old_follow_ups = list(FollowUp.objects.filter(patient=patient).values_list("pk", flat=True))
    old_assessments = list(Assessment.objects.filter(patient=patient).values_list("pk", flat=True))
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-GB")

    # sign in: the user name field has the focus; Tab to the password; Enter signs in
    page.goto(f"{base}/signin/")
    _autofocused(page, "username")
    page.keyboard.type("dm_a")
    page.keyboard.press("Tab")
    assert _focused(page)[1] == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/patients/")

    # reach the patient: the search box, Enter, then the patient's link
    _tab_to(page, name="search")
    page.keyboard.type(rid[:6])
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/patients/?*")
    _tab_to(page, text=rid)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/patients/{rid}/")

    # open the follow-up form of the quick entry
    _tab_to(page, text="Follow-up with scores")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/patients/{rid}/quick/follow-up/")
    _autofocused(page, "date")  # the first field has the focus

    # the panel in Tab order: date, vital status, disease status, current therapy, timepoint, scores
    page.keyboard.type("D+100")
    page.keyboard.press("Tab")
    assert _focused(page)[1] == "vital_status"
    page.keyboard.type("Alive")
    page.keyboard.press("Tab")
    assert _focused(page)[1] == "disease_status"
    page.keyboard.type("Partial")
    page.keyboard.press("Tab")
    assert _focused(page)[1] == "current_therapy"
    page.keyboard.type("none")
    page.keyboard.press("Tab")
    assert _focused(page)[1] == "timepoint"
    page.keyboard.type("Day 100")
    page.keyboard.press("Tab")
    assert _focused(page)[1] == "score__mrss"
    page.keyboard.type("14")
    page.keyboard.press("Tab")
    assert _focused(page)[1] == "score__fvc_pct"
    page.keyboard.type("82")
    page.keyboard.press("Tab")  # DLCO left empty: no record
    page.keyboard.press("Tab")
    assert _focused(page)[1] == "score__haq_di"
    page.keyboard.type("1.25")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/patients/{rid}/#follow-up")

    messages = page.locator(".messages").inner_text()
    assert "4 records saved, dated 2022-06-22" in messages
    assert "Date: D+100 is 2022-06-22" in messages

    follow_up = FollowUp.objects.filter(patient=patient).exclude(pk__in=old_follow_ups).get()
    assert (follow_up.date, follow_up.vital_status, follow_up.disease_status, follow_up.current_therapy) == (
        DAY_100,
        "alive",
        "partial_response",
        "none",
    )
    new = Assessment.objects.filter(patient=patient).exclude(pk__in=old_assessments)
    assert {(a.instrument, a.score, a.timepoint, a.date) for a in new} == {
        ("mrss", 14.0, "d100", DAY_100),
        ("fvc_pct", 82.0, "d100", DAY_100),
        ("haq_di", 1.25, "d100", DAY_100),
    }
    audited = AuditRecord.objects.filter(
        patient_id=patient.pk, actor__username="dm_a", record_id__in=[follow_up.pk, *(a.pk for a in new)]
    )
    assert sorted(audited.values_list("entity", flat=True)) == [
        "registry.assessment",
        "registry.assessment",
        "registry.assessment",
        "registry.followup",
    ]


def test_a_refused_panel_is_corrected_by_keyboard(browser: Any, live_server: Any, live_world: World) -> None:
    from remission.registry.models import LabResult

    base = live_server.url
    patient = live_world.patient_a
    rid = patient.registry_id
    before = list(LabResult.objects.filter(patient=patient).values_list("pk", flat=True))
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-GB")
    _sign_in_by_keyboard(page, base)

    page.goto(f"{base}/patients/{rid}/quick/labs/")
    _autofocused(page, "date")
    page.keyboard.type("D+100")
    _tab_to(page, name="value__cd4")
    page.keyboard.type("350")
    _tab_to(page, name="value__cd8")
    page.keyboard.type("42000")  # above CD8's plausible 10,000 cells/µL
    page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    error = page.locator("#id_value__cd8_error")
    assert "Laboratory result CD8+ T cells" in error.inner_text()
    assert "[plausible_range]" in error.inner_text()
    assert LabResult.objects.filter(patient=patient).exclude(pk__in=before).count() == 0  # not even CD4

    # the typed values are still there and the focus is on the refused value: replace it, Enter
    assert page.locator("#id_value__cd4").input_value() == "350"
    assert _focused(page)[1] == "value__cd8"
    page.keyboard.press("Control+A")
    page.keyboard.type("420")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/patients/{rid}/#lab-result")
    new = LabResult.objects.filter(patient=patient).exclude(pk__in=before)
    assert {(r.analyte, r.value, r.unit, r.date) for r in new} == {
        ("cd4", 350.0, "cells/uL", DAY_100),
        ("cd8", 420.0, "cells/uL", DAY_100),
    }


def test_the_follow_up_record_form_by_keyboard(browser: Any, live_server: Any, live_world: World) -> None:
    """The plain follow-up form (not the quick entry) takes D+n too, by keyboard only."""
    from remission.registry.models import FollowUp

    base = live_server.url
    patient = live_world.patient_a
    rid = patient.registry_id
    before = list(FollowUp.objects.filter(patient=patient).values_list("pk", flat=True))
    page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-GB")
    _sign_in_by_keyboard(page, base)
    page.goto(f"{base}/patients/{rid}/")
    _tab_to(page, text="Follow-up")  # the "Add a record" button
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/patients/{rid}/follow-up/new/")
    _tab_to(page, name="date")
    page.keyboard.type("D+100")
    _tab_to(page, name="vital_status")
    page.keyboard.type("Alive")
    _tab_to(page, name="disease_status")
    page.keyboard.type("Stable")
    _tab_to(page, name="current_therapy")  # Enter in a text input submits (in a select it does not)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/patients/{rid}/#follow-up-*")
    assert "Date: D+100 is 2022-06-22" in page.locator(".messages").inner_text()
    stored = FollowUp.objects.filter(patient=patient).exclude(pk__in=before).get()
    assert (stored.date, stored.vital_status, stored.disease_status) == (DAY_100, "alive", "stable")
