"""The web application used in French in a real browser: a French browser (Accept-Language fr) signs in,
finds a patient, enters a follow-up with its score by day number (J+100), screens a candidate, and reads
the outcomes page, laid out in French by its background job. Every page says ``lang="fr"``, and none of
the English it would show in English is left.

Screenshots go to ``docs/images/web-fr-*.png`` when ``REMISSION_SCREENSHOTS=1`` (the README shows them),
else to a temporary folder. Without /usr/bin/chromium the tests are skipped with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, ROOT
from tests.browser.test_flows import _job_done
from tests.registry.conftest import PASSWORD, World

pytestmark = pytest.mark.engine_independent  # what it checks does not depend on the database engine

if not Path(CHROMIUM).exists():
    pytestmark = pytest.mark.skip(reason=f"{CHROMIUM} is missing: run scripts/install-chromium.sh")

VIEWPORT = {"width": 1280, "height": 860}


def _french(page: Any, *english: str) -> str:
    """The page's text, after checking it is in French and shows none of the ``english`` phrases."""
    assert page.locator("html").get_attribute("lang") == "fr"
    text = page.locator("main").inner_text()
    for phrase in english:
        assert phrase not in text, phrase
    return text


def test_a_french_data_manager_and_statistician(
    browser: Any, live_server: Any, live_world: World, shots: Path
) -> None:
    from remission.registry.models import FollowUp

    base = live_server.url
    page = browser.new_context(viewport=VIEWPORT, locale="fr-FR").new_page()
    page.goto(f"{base}/signin/")
    assert page.get_by_role("button", name="Se connecter").is_visible()
    page.locator("#id_username").fill("dm_a")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/patients/")
    _french(page, "Registry ID starts with", "Filter")
    page.screenshot(path=str(shots / "web-fr-patients.png"))

    rid = live_world.patient_a.registry_id
    page.goto(f"{base}/patients/{rid}/")
    assert page.get_by_role("heading", name="Chronologie").is_visible()
    _french(page, "Timeline", "Follow-up")
    page.screenshot(path=str(shots / "web-fr-patient.png"), full_page=True)

    # a follow-up with its score, the date typed as a day number from day 0 (French: J+100)
    before = FollowUp.objects.filter(patient=live_world.patient_a).count()
    page.goto(f"{base}/patients/{rid}/quick/follow-up/")
    _french(page, "Save", "Current therapy", "Vital status")
    page.locator("[name=date]").fill("J+100")
    for name in ("vital_status", "disease_status", "timepoint"):
        page.locator(f"select[name={name}]").select_option(index=1)  # the first choice after "---------"
    page.locator("[name=current_therapy]").fill("aucun")
    page.locator("[name=score__mrss]").fill("14")
    page.screenshot(path=str(shots / "web-fr-quick-entry.png"), full_page=True)
    with page.expect_navigation():
        page.locator("[name=score__mrss]").press("Enter")
    assert "J+100" in _french(page, "records saved")
    assert FollowUp.objects.filter(patient=live_world.patient_a).count() == before + 1

    # the outcomes page, computed by a background job and laid out in French
    stat = browser.new_context(viewport=VIEWPORT, locale="fr-FR").new_page()
    stat.goto(f"{base}/signin/")
    stat.locator("#id_username").fill("stat")
    stat.locator("#id_password").fill(PASSWORD)
    stat.get_by_role("button", name="Se connecter").click()
    stat.wait_for_url(f"{base}/patients/")
    stat.goto(f"{base}/outcomes/")
    _job_done(stat)
    with stat.expect_navigation():
        stat.locator("[data-testid=job-page]").click()
    english = ("Patient flow", "Overall survival", "No infusion recorded", "patients in the registry")
    text = _french(stat, *english)
    assert "Diagramme de flux des patients" in text and "Survie globale" in text
    stat.screenshot(path=str(shots / "web-fr-outcomes.png"))

    # screening a candidate: the verdict and its reasons in French
    stat.goto(f"{base}/screening/")
    example = (ROOT / "docs" / "examples" / "candidate-ssc.json").read_text(encoding="utf-8")
    stat.locator("textarea").first.fill(example)
    stat.get_by_role("button", name="Évaluer").click()
    stat.locator("[data-testid=verdict]").wait_for()
    _french(stat, "Eligible", "Dose table")
    stat.screenshot(path=str(shots / "web-fr-screening.png"), full_page=True)
