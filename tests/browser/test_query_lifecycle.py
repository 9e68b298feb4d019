"""A query's life in a real browser (Playwright, headless Chromium, live server): a registry data
coordinator raises it from the record page; the centre's data manager corrects the record and answers;
the coordinator closes it, then re-opens it. Each person in their own browser session; no page breaks the
Content-Security-Policy.

Screenshots go to ``docs/images/web-query-*.png`` when ``REMISSION_SCREENSHOTS=1``, else to a temporary
folder. Without /usr/bin/chromium the test is skipped with the reason.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM
from tests.registry.conftest import PASSWORD, World, build_world, grant, make_user

pytest.importorskip("playwright")
if not Path(CHROMIUM).exists():
    pytestmark = pytest.mark.skip(reason=f"{CHROMIUM} is missing: run scripts/install-chromium.sh")

QUESTION = "Current therapy is empty at this follow-up: still on mycophenolate?"


@pytest.fixture
def live_world(transactional_db: None, live_server: Any) -> World:
    from django.core.cache import cache

    from remission.registry.codes import Role
    from remission.registry.models import Query

    cache.clear()
    world = build_world()
    coord = make_user("coord")
    grant(coord, Role.REGISTRY_DATA_COORDINATOR, None)
    world.users["coord"] = coord
    Query.objects.all().delete()  # the rules' queries of the world's records are not this test's
    return world


def _session(browser: Any, base: str, username: str, problems: list[str]) -> Any:
    """A page in a browser context of its own (its own cookies), signed in as ``username``."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{base}/signin/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/patients/")
    return page


def _status(page: Any, expected: str) -> None:
    """The query's status reads ``expected``, waiting (Playwright's default 5 s) for the page that a
    same-address form post loads: ``wait_for_url`` returns at once when the address does not change."""
    from playwright.sync_api import expect

    expect(page.locator("[data-testid=query-status]")).to_have_text(expected)


def test_raise_answer_correct_close_reopen(
    browser: Any, live_server: Any, live_world: World, shots: Path
) -> None:
    from remission.registry.models import AuditRecord, FollowUp, Query

    base = live_server.url
    problems: list[str] = []
    follow_up = FollowUp.objects.filter(patient=live_world.patient_a).order_by("pk").first()
    record_url = f"{base}/records/follow-up/{follow_up.pk}/"

    # the coordinator raises a query from the record page (view-only for them: they write no clinical data)
    coord = _session(browser, base, "coord", problems)
    coord.goto(record_url)
    assert coord.get_by_role("button", name="Save").count() == 0
    coord.locator("[data-testid=raise-current_therapy]").click()
    coord.wait_for_url(re.compile(r".*/queries/raise/\?.*field=current_therapy"))
    assert coord.get_by_label("Field").input_value() == "current_therapy"
    coord.get_by_label("Question").fill(QUESTION)
    coord.get_by_role("button", name="Raise query").click()
    coord.wait_for_url(re.compile(r".*/queries/\d+/$"))
    query = Query.objects.get(raised_by=live_world.users["coord"])
    _status(coord, "Open")
    assert coord.locator("[data-testid=query-field]").inner_text() == "Current therapy"

    # the centre's data manager finds it in their list, corrects the record, then answers
    dm = _session(browser, base, "dm_a", problems)
    dm.get_by_role("link", name="Queries").click()
    assert dm.locator("[data-testid=count-open]").inner_text() == "1"
    dm.get_by_role("link", name=f"#{query.pk}").click()
    dm.wait_for_url(f"{base}/queries/{query.pk}/")
    assert QUESTION in dm.locator("[data-testid=thread]").inner_text()
    assert dm.locator("[data-testid=step-close]").count() == 0  # not theirs to close
    dm.locator("[data-testid=query-record]").click()
    dm.wait_for_url(record_url)
    dm.get_by_label("Current therapy").fill("mycophenolate mofetil")
    dm.get_by_role("button", name="Save").click()
    dm.wait_for_url(re.compile(rf".*/patients/{live_world.patient_a.registry_id}/.*"))
    dm.goto(f"{base}/queries/{query.pk}/")
    dm.get_by_label("Answer").fill("Yes: corrected to mycophenolate mofetil.")
    dm.get_by_role("button", name="Answer", exact=True).click()
    dm.wait_for_url(f"{base}/queries/{query.pk}/")
    _status(dm, "Answered")
    assert FollowUp.objects.get(pk=follow_up.pk).current_therapy == "mycophenolate mofetil"

    # the coordinator reads the answer and closes the query
    coord.goto(f"{base}/queries/{query.pk}/")
    assert "corrected to mycophenolate mofetil" in coord.locator("[data-testid=thread]").inner_text()
    assert coord.locator("[data-testid=step-answer]").count() == 0  # the centre answers, not the coordinator
    coord.get_by_label("Closing note (optional)").fill("Thank you.")
    coord.get_by_role("button", name="Close query").click()
    coord.wait_for_url(f"{base}/queries/{query.pk}/")
    _status(coord, "Closed")
    coord.screenshot(path=str(shots / "web-query-thread.png"), full_page=True)

    # … and re-opens it, saying why
    coord.get_by_role("button", name="Re-open query").click()  # no reason: refused, named
    assert "query_text_required" in coord.locator(".alert.bad").inner_text()
    coord.get_by_label("Why re-open?").fill("The start date of the new therapy is missing too.")
    coord.get_by_role("button", name="Re-open query").click()
    coord.wait_for_url(f"{base}/queries/{query.pk}/")
    _status(coord, "Open")
    kinds = coord.locator("[data-testid=thread] li strong").all_inner_texts()
    assert kinds == ["Raised", "Answered", "Closed", "Re-opened"]

    coord.goto(f"{base}/queries/")
    coord.screenshot(path=str(shots / "web-query-list.png"), full_page=True)
    actions = AuditRecord.objects.filter(entity="registry.query", record_id=query.pk).order_by("sequence")
    assert list(actions.values_list("action", flat=True)) == [
        "query_raise",
        "query_answer",
        "query_close",
        "query_reopen",
    ]
    assert problems == []
