"""The web application in a real browser (Playwright driving Debian's headless Chromium) against a live
server: sign in, find a patient, enter an assessment (an error, then a valid one), a version conflict,
screen a candidate, view outcomes, download a report, and a centre-A user failing to reach a centre-B
patient by URL.

Screenshots go to ``docs/images/web-*.png`` when ``REMISSION_SCREENSHOTS=1``, else to a temporary folder.
Without /usr/bin/chromium the tests are skipped with the reason (under CI, tests/run.py installs it).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, ROOT
from tests.registry.conftest import PASSWORD, World

JOB_WAIT_MS = 120_000  # a background job's page, reloading itself, shows the result within this
JOB_LOOK_MS = 5_000  # how long to wait before looking whether the job page is still there

if not Path(CHROMIUM).exists():
    print(f"browser tests skipped: {CHROMIUM} is missing (install it with scripts/install-chromium.sh)")
    pytestmark = pytest.mark.skip(reason=f"{CHROMIUM} is missing: run scripts/install-chromium.sh")


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/signin/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/patients/")


def test_data_manager_flow(browser: Any, live_server: Any, live_world: World, shots: Path) -> None:
    from remission.registry import services
    from remission.registry.models import FollowUp

    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    _sign_in(page, base, "dm_a")
    assert "Centre data manager" in page.locator("[data-testid=who]").inner_text()
    page.screenshot(path=str(shots / "web-patients.png"))

    # find a patient
    rid = live_world.patient_a.registry_id
    page.get_by_label("Registry ID starts with").fill(rid[:5])
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=rid).click()
    page.wait_for_url(f"{base}/patients/{rid}/")
    assert page.get_by_role("heading", name="Timeline").is_visible()
    page.screenshot(path=str(shots / "web-patient.png"), full_page=True)

    # an assessment with a validation error, then a valid one
    page.goto(f"{base}/patients/{rid}/assessment/new/")
    future = dt.date.today() + dt.timedelta(days=20)
    page.get_by_label("Date").fill(future.isoformat())
    page.get_by_label("Score", exact=True).fill("21")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#id_date_error")
    assert "is in the future" in error.inner_text()
    page.screenshot(path=str(shots / "web-assessment-error.png"), full_page=True)
    page.get_by_label("Date").fill("2023-01-20")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{base}/patients/{rid}/**")
    assert "Assessment saved" in page.locator(".messages").inner_text()

    # a version conflict: someone else saves while this user edits
    follow_up = FollowUp.objects.filter(patient=live_world.patient_a).order_by("pk").first()
    page.goto(f"{base}/records/follow-up/{follow_up.pk}/")
    services.record_update(
        follow_up,
        actor=live_world.users["clin_a"],
        version=follow_up.version,
        changes={"current_therapy": "rituximab"},
        reason="seen in clinic",
    )
    page.get_by_label("Current therapy").fill("methotrexate")
    page.get_by_role("button", name="Save").click()
    conflict = page.locator("[data-testid=conflict]")
    assert "methotrexate" in conflict.inner_text() and "rituximab" in conflict.inner_text()
    page.screenshot(path=str(shots / "web-conflict.png"), full_page=True)
    page.goto(f"{base}/records/follow-up/{follow_up.pk}/history/")
    assert "seen in clinic" in page.content()
    page.screenshot(path=str(shots / "web-history.png"))

    # screening a candidate (the example candidate file, pasted)
    page.goto(f"{base}/screening/")
    example = (ROOT / "docs" / "examples" / "candidate-ssc.json").read_text(encoding="utf-8")
    page.get_by_label("…or paste a candidate as JSON (docs/screening.md)").fill(example)
    page.get_by_role("button", name="Screen").click()
    assert page.locator("[data-testid=verdict]").inner_text() == "eligible"
    page.screenshot(path=str(shots / "web-screening.png"))
    page.emulate_media(media="print")
    page.screenshot(path=str(shots / "web-screening-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # a patient of another centre, by URL
    response = page.goto(f"{base}/patients/{live_world.patient_b.registry_id}/")
    assert response is not None and response.status == 404
    assert "Not found" in page.content()
    page.close()


def _job_done(page: Any) -> None:
    """Wait for the job page (reloading itself) to say the job ended; it must have ended done.

    The test database is SQLite in shared memory, where a read meeting the worker's write is refused at
    once ("table is locked", a 503 page that does not reload itself; a database file waits instead):
    then the test reloads the job page itself."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    ended = page.locator("[data-testid=job][data-status=done], [data-testid=job][data-status=failed]")
    for _ in range(JOB_WAIT_MS // JOB_LOOK_MS):
        try:
            ended.wait_for(timeout=JOB_LOOK_MS)
            break
        except PlaywrightTimeout:
            if not page.locator("[data-testid=job]").count():
                page.reload()
    error = page.locator("[data-testid=job-error]")
    assert page.locator("[data-testid=job]").get_attribute("data-status") == "done", (
        error.inner_text() if error.count() else page.content()
    )


def test_outcomes_and_report_download(browser: Any, live_server: Any, live_world: World, shots: Path) -> None:
    base = live_server.url
    page = browser.new_page(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    _sign_in(page, base, "stat")
    # not computed yet: the page's computation runs as a job; its page reloads itself until it is done
    page.goto(f"{base}/outcomes/")
    assert "/outcomes/jobs/" in page.url
    _job_done(page)
    page.screenshot(path=str(shots / "web-outcomes-job.png"), full_page=False)
    with page.expect_navigation():  # the link's page is laid out before anything on it is read
        page.locator("[data-testid=job-page]").click()
    assert page.get_by_role("button", name="Analyse").is_visible()
    assert page.locator(".report-section").count() >= 1
    page.screenshot(path=str(shots / "web-outcomes.png"), full_page=False)
    # a download is a job too: its page offers the file once it is rendered
    page.locator("[data-testid=report-html]").click()
    page.wait_for_url("**/outcomes/jobs/*/")
    _job_done(page)
    with page.expect_download() as download:
        page.locator("[data-testid=job-download]").click()
    assert download.value.suggested_filename == "remission-outcomes.html"
    page.close()


def test_keyboard_reaches_the_main_navigation(browser: Any, live_server: Any, live_world: World) -> None:
    base = live_server.url
    page = browser.new_page(viewport={"width": 820, "height": 1100})  # a tablet
    _sign_in(page, base, "viewer_a")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    labels_missing = page.evaluate(
        "[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]"
        ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).length"
    )
    assert labels_missing == 0
    page.close()
