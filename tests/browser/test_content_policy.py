"""Under the Content-Security-Policy (no inline script) the pages still work in a real browser: the
screening form's disease switch and print button (web/static/web/*.js) and the API documents (Swagger UI)
run, and the browser reports no policy violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM
from tests.registry.conftest import PASSWORD

pytest.importorskip("playwright")
if not Path(CHROMIUM).exists():
    pytestmark = pytest.mark.skip(reason=f"{CHROMIUM} is missing: run scripts/install-chromium.sh")


def _watch(page: Any) -> list[str]:
    """The policy's violation reports and the script errors, as the page runs (a missing favicon is
    neither)."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


def test_scripts_run_under_the_policy(browser: Any, live_server: Any, live_world: Any) -> None:
    base = live_server.url
    page = browser.new_page()
    page.add_init_script("window.print = function () { window.__printed = true; };")
    problems = _watch(page)
    page.goto(f"{base}/signin/")
    page.get_by_label("User name").fill("clin_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/patients/")

    page.goto(f"{base}/screening/")
    # screening.js hides the no-script button at once, and switching the disease shows its own fieldsets
    assert page.locator("[data-js-hide]").first.is_hidden()
    disease = page.locator("select[name=disease]")
    codes = [o for o in disease.locator("option").evaluate_all("os => os.map(o => o.value)") if o]
    disease.select_option(codes[0])
    shown = page.locator("fieldset[data-diseases]:not([hidden])")
    for i in range(shown.count()):
        assert codes[0] in (shown.nth(i).get_attribute("data-diseases") or "").split()

    page.goto(f"{base}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "Remission API" in page.locator(".swagger-ui .info .title").inner_text()
    assert problems == [], problems
    page.close()


def test_print_button_uses_the_script_file(browser: Any, live_server: Any, live_world: Any) -> None:
    import json

    base = live_server.url
    page = browser.new_page()
    page.add_init_script("window.print = function () { window.__printed = true; };")
    problems = _watch(page)
    page.goto(f"{base}/signin/")
    page.get_by_label("User name").fill("clin_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/patients/")
    page.goto(f"{base}/screening/")
    example = json.dumps({"candidate_id": "X1", "disease": "ssc"})
    page.locator("textarea[name=candidate_json]").fill(example)
    page.locator("form.screening-form button[type=submit]", has_text="Screen").last.click()
    page.locator("button[data-print]").click()
    assert page.evaluate("window.__printed === true")
    assert problems == [], problems
    page.close()


def test_pages_keep_their_layout_without_style_attributes(
    browser: Any, live_server: Any, live_world: Any
) -> None:
    # the templates' one-off adjustments are classes of web/app.css (style-src 'self' refuses attributes):
    # the browser applies them, and reports no violation on the pages that use them
    base = live_server.url
    page = browser.new_page()
    problems = _watch(page)

    def computed(selector: str, prop: str) -> str:
        return page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}")

    page.goto(f"{base}/signin/")
    assert computed(".signin-card", "maxWidth") == "400px"
    assert computed(".signin-card", "marginTop") == "48px"  # 3rem
    page.get_by_label("User name").fill("clin_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/patients/")
    assert computed(".split-row", "display") == "flex"
    assert computed(".split-row", "alignItems") == "center"
    assert computed("caption.text-left", "textAlign") == "left"
    page.goto(f"{base}/patients/{live_world.patient_a.registry_id}/")
    assert computed(".split-row", "alignItems") == "flex-start"
    assert computed("td.text-right", "textAlign") == "right"
    assert computed("col.w-9", "width") == "144px"  # 9rem
    page.goto(f"{base}/patients/{live_world.patient_a.registry_id}/quick/labs/")
    assert computed("fieldset.mt-1", "marginTop") == "16px"
    page.goto(f"{base}/screening/")
    assert computed("button.offscreen", "left") == "-9999px"
    assert problems == [], problems
    page.close()
