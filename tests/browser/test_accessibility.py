"""axe-core (the axe-playwright-python package's copy) on every page type, in a real browser against a live
server, in English and in French (the browser's language, ``Accept-Language``): no violation of serious or
critical impact on any page. Each page is visited as a user who may see it — sign-in (and its error), the
second factor's code and enrolment pages, patients, a patient, record forms of several kinds (one with its
errors shown), a record's history, the delete confirmation, registering a patient, screening (the form and
a verdict), outcomes (the job page, then the finished results), the forms due, data quality, queries (the
list, raising one, one query), completeness, export, import, API tokens, the account, password change, the
users and a user, and the 403 and 404 pages. <details> are opened first, so that their content is checked.

On every page the keyboard is checked too: the skip link is the first stop and leads to ``<main>``, no
element has a positive tabindex, and each of the first stops of the Tab key shows a focus indicator. A
form shown again with errors puts the focus on its first field in error. At 320 CSS pixels wide (400%
zoom) the main pages scroll only vertically (WCAG 1.4.10), their scrolling tables reachable by keyboard.

On failure every violation is printed: page, rule id, impact, the elements (targets) and the rule's help
URL. Violations of moderate or minor impact are printed too, without failing the test.

Without Chromium or the axe package the test is skipped with the reason printed — except under ``CI=true``,
where that is a failure (tests/run.py installs Chromium under CI; the axe package is in the [test] extras).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ARGS, CHROMIUM, ROOT
from tests.browser.test_flows import _job_done
from tests.registry.conftest import PASSWORD, World, build_world, grant, make_user

BLOCKING = frozenset({"serious", "critical"})
WCAG_241 = "https://www.w3.org/WAI/WCAG21/Understanding/bypass-blocks"
WCAG_243 = "https://www.w3.org/WAI/WCAG21/Understanding/focus-order"
WCAG_247 = "https://www.w3.org/WAI/WCAG21/Understanding/focus-visible"
LOCALES = {"en": "en-GB", "fr": "fr-FR"}
VIEWPORT = {"width": 1280, "height": 900}
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _missing_tools() -> str | None:
    """Why the accessibility run cannot happen here, or None."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (install it with scripts/install-chromium.sh)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    return None


MISSING = _missing_tools()
if MISSING is not None and not CI:
    print(f"accessibility tests skipped: {MISSING}")
    pytestmark = pytest.mark.skip(reason=MISSING)


@dataclass(frozen=True)
class Violation:
    page: str
    rule: str
    impact: str
    targets: tuple[str, ...]
    help_url: str

    def line(self) -> str:
        return f"{self.page}: {self.rule} ({self.impact}) {', '.join(self.targets)} — {self.help_url}"


# The page's keyboard facts: its first element in the tab order, how many elements have a positive tabindex
KEYBOARD_FACTS = """() => {
  const selector = 'a[href], button, input, select, textarea, summary, [tabindex]';
  const tabbable = [...document.querySelectorAll(selector)].filter(
    e => e.tabIndex >= 0 && !e.disabled && e.type !== 'hidden' && e.getClientRects().length);
  const first = tabbable[0];
  return {
    first: first ? first.outerHTML.slice(0, 120) : '',
    skipsToMain: !!first && first.matches('a.skip[href="#main"]') && !!document.getElementById('main'),
    positive: [...document.querySelectorAll('[tabindex]')].filter(e => e.tabIndex > 0).length,
  };
}"""
# The focused element, and whether it shows a focus indicator (an outline of 2px or more, or a ring)
FOCUS_SHOWN = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const style = getComputedStyle(e);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  return {element: e.outerHTML.slice(0, 120), shown: outline || style.boxShadow !== 'none'};
}"""
TABS = 8  # how many Tab presses per page, checking each focused element for a visible indicator


@dataclass
class Audit:
    """axe run on each page visited; what it found, by page."""

    axe: Any
    language: str
    found: list[Violation] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def check(self, page: Any, name: str, keyboard: bool = True) -> None:
        page.wait_for_load_state("load")
        lang = page.locator("html").get_attribute("lang", timeout=5_000) or ""
        assert lang.startswith(self.language), f"{name}: <html lang={lang!r}>, not {self.language}"
        page.evaluate(
            "document.querySelectorAll('details').forEach(d => { d.open = true; })"
        )  # check inside too
        results = self.axe.run(page).response
        self.pages.append(name)
        for violation in results["violations"]:
            targets = tuple(" ".join(map(str, node["target"])) for node in violation["nodes"])
            self.found.append(
                Violation(name, violation["id"], violation["impact"] or "", targets, violation["helpUrl"])
            )
        if keyboard:
            self.check_keyboard(page, name)

    def check_keyboard(self, page: Any, name: str) -> None:
        """The skip link comes first; no positive tabindex; every element reached by Tab shows its focus."""
        facts = page.evaluate(KEYBOARD_FACTS)
        if not facts["skipsToMain"]:
            self.found.append(Violation(name, "skip-link-first", "serious", (facts["first"],), WCAG_241))
        if facts["positive"]:
            self.found.append(Violation(name, "positive-tabindex", "serious", ("[tabindex]",), WCAG_243))
        unseen = set()
        for _ in range(TABS):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_SHOWN)
            if focused is not None and not focused["shown"]:
                unseen.add(focused["element"])
        if unseen:
            self.found.append(Violation(name, "focus-visible", "serious", tuple(sorted(unseen)), WCAG_247))

    def blocking(self) -> list[Violation]:
        return [v for v in self.found if v.impact in BLOCKING]

    def report(self) -> str:
        lines = [f"axe ({self.language}): {len(self.pages)} pages; {len(self.found)} violations"]
        lines += [v.line() for v in self.found]
        return "\n".join(lines)


@pytest.fixture(scope="module")
def axe() -> Any:
    if MISSING is not None:
        pytest.fail(f"accessibility run required under CI=true: {MISSING}")
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(scope="module")
def browser(axe: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_world(transactional_db: None, live_server: Any) -> World:
    from django.core.cache import cache

    from remission.registry.codes import Role

    cache.clear()
    world = build_world()
    coord = make_user("coord")
    grant(coord, Role.REGISTRY_DATA_COORDINATOR, None)
    world.users["coord"] = coord
    return world


def _session(browser: Any, locale: str) -> Any:
    """A page in a browser context of its own (own cookies), asking for ``locale``'s language."""
    return browser.new_context(viewport=VIEWPORT, locale=locale).new_page()


def _submit(page: Any, form: str = "main form[method=post]") -> None:
    page.locator(f"{form} button[type=submit]").last.click()
    page.wait_for_load_state("load")


def _sign_in(page: Any, base: str, username: str, landing: str = "/patients/") -> None:
    page.goto(f"{base}/signin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    _submit(page)
    page.wait_for_url(re.compile(re.escape(base + landing) + ".*"))


def _visit(page: Any, audit: Audit, url: str, name: str, status: int = 200) -> None:
    response = page.goto(url)
    assert response is not None and response.status == status, f"{name}: {url} answered {response.status}"
    audit.check(page, name)


def _walk_signed_out(browser: Any, base: str, language: str, audit: Audit, world: World) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    locale = LOCALES[language]
    page = _session(browser, locale)
    _visit(page, audit, f"{base}/signin/", "sign-in")
    skip = page.locator("a.skip").inner_text()
    assert (skip == "Skip to content") == (language == "en"), f"the {language} pages say {skip!r}"
    page.locator("#id_username").fill("dm_a")
    page.locator("#id_password").fill("not the password")
    _submit(page)
    audit.check(page, "sign-in (refused)")
    page.close()
    # a user with a confirmed TOTP device is asked for the code
    TOTPDevice.objects.create(user=world.users["viewer_a"], name="phone", confirmed=True)
    page = _session(browser, locale)
    _sign_in(page, base, "viewer_a", landing="/signin/code/")
    audit.check(page, "second factor: code")
    page.close()


def _walk_data_manager(browser: Any, base: str, locale: str, audit: Audit, world: World) -> None:
    from remission.registry.models import Conditioning, FollowUp, Infusion

    page = _session(browser, locale)
    _sign_in(page, base, "dm_a")
    rid = world.patient_a.registry_id
    follow_up = FollowUp.objects.filter(patient=world.patient_a).order_by("pk").first()
    infusion = Infusion.objects.filter(patient=world.patient_a).order_by("pk").first()
    conditioning = Conditioning.objects.filter(patient=world.patient_a).order_by("pk").first()
    _visit(page, audit, f"{base}/patients/", "patient list")
    _visit(page, audit, f"{base}/patients/?registry_id=zz&sex=x", "patient list (filtered, nothing found)")
    _visit(page, audit, f"{base}/patients/{rid}/", "patient detail")
    _visit(page, audit, f"{base}/patients/{rid}/assessment/new/", "record form: new assessment")
    page.locator("#id_date").fill((dt.date.today() + dt.timedelta(days=20)).isoformat())
    _submit(page)
    assert page.locator(".errorlist").count() >= 1, "the assessment form shows no error"
    focused = "document.activeElement && document.activeElement.getAttribute('aria-invalid')"
    assert page.evaluate(focused) == "true", "the keyboard should start at the first field in error"
    audit.check(page, "record form: assessment with errors")
    _visit(page, audit, f"{base}/patients/{rid}/lab-result/new/", "record form: new laboratory result")
    _visit(page, audit, f"{base}/patients/{rid}/adverse-event/new/", "record form: new adverse event")
    _visit(page, audit, f"{base}/patients/{rid}/quick/follow-up/", "quick entry: follow-up with scores")
    _visit(page, audit, f"{base}/patients/{rid}/quick/labs/", "quick entry: laboratory panel")
    page.locator("#id_date").fill("D+100")
    page.locator("#id_value__cd8").fill("50000")  # above CD8's plausible range: the panel is refused
    _submit(page)
    assert page.locator("#id_value__cd8_error").count() == 1, "the refused value shows no error"
    audit.check(page, "quick entry: laboratory panel with errors")
    _visit(page, audit, f"{base}/records/follow-up/{follow_up.pk}/", "record form: follow-up")
    _visit(page, audit, f"{base}/records/infusion/{infusion.pk}/", "record form: infusion")
    if conditioning is not None:
        _visit(page, audit, f"{base}/records/conditioning/{conditioning.pk}/", "record form: conditioning")
    _visit(page, audit, f"{base}/records/follow-up/{follow_up.pk}/history/", "record history")
    _visit(page, audit, f"{base}/records/follow-up/{follow_up.pk}/delete/", "delete confirmation")
    _visit(page, audit, f"{base}/patients/new/", "register patient")
    _visit(page, audit, f"{base}/screening/", "screening form")
    example = (ROOT / "docs" / "examples" / "candidate-ssc.json").read_text(encoding="utf-8")
    page.locator("#id_candidate_json").fill(example)
    _submit(page, "main form.screening-form")
    assert page.locator("[data-testid=verdict]").count() == 1, "no screening verdict"
    audit.check(page, "screening verdict")
    _visit(page, audit, f"{base}/quality/", "data quality")
    _visit(page, audit, f"{base}/quality/worklist/", "forms due")
    _visit(page, audit, f"{base}/quality/completeness/", "completeness")
    _visit(page, audit, f"{base}/queries/", "queries")
    _visit(page, audit, f"{base}/export/", "export")
    _visit(page, audit, f"{base}/import/", "import")
    _visit(page, audit, f"{base}/account/tokens/", "API tokens")
    _visit(page, audit, f"{base}/account/", "account")
    _visit(page, audit, f"{base}/account/password/", "password change")
    _visit(page, audit, f"{base}/account/second-factor/", "second factor: enrolment")
    _visit(
        page, audit, f"{base}/patients/{world.patient_b.registry_id}/", "404 (another centre's patient)", 404
    )
    _visit(page, audit, f"{base}/accounts/users/", "403 (users, for a data manager)", 403)
    page.close()


def _walk_coordinator(browser: Any, base: str, locale: str, audit: Audit, world: World) -> None:
    from remission.registry.models import FollowUp

    page = _session(browser, locale)
    _sign_in(page, base, "coord")
    follow_up = FollowUp.objects.filter(patient=world.patient_a).order_by("pk").first()
    _visit(page, audit, f"{base}/records/follow-up/{follow_up.pk}/", "record form: view only, with queries")
    page.locator("[data-testid=raise-current_therapy]").click()
    page.wait_for_url(re.compile(r".*/queries/raise/\?.*"))
    audit.check(page, "raise a query")
    page.locator("#id_text").fill("Current therapy is empty at this follow-up: still on mycophenolate?")
    _submit(page)
    page.wait_for_url(re.compile(r".*/queries/\d+/$"))
    audit.check(page, "a query")
    _visit(page, audit, f"{base}/queries/", "queries (coordinator)")
    page.close()


def _walk_statistician(browser: Any, base: str, locale: str, audit: Audit) -> None:
    page = _session(browser, locale)
    _sign_in(page, base, "stat")
    page.goto(f"{base}/outcomes/")
    assert "/outcomes/jobs/" in page.url, "the first outcomes page should be computed as a job"
    for _ in range(10):  # SQLite in shared memory may answer 503 while the worker writes (test_flows.py)
        if page.locator("[data-testid=job]").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    audit.check(page, "outcomes job (under way)", keyboard=False)  # it reloads itself
    _job_done(page)
    audit.check(page, "outcomes job (done)")
    page.locator("[data-testid=job-page]").click()
    page.wait_for_load_state("load")
    assert page.locator(".report-section").count() >= 1, "the outcomes page shows no results"
    audit.check(page, "outcomes (results)")
    page.close()


def _walk_administrator(browser: Any, base: str, locale: str, audit: Audit, world: World) -> None:
    page = _session(browser, locale)
    _sign_in(page, base, "admin")
    _visit(page, audit, f"{base}/accounts/users/", "users")
    _visit(page, audit, f"{base}/accounts/users/{world.users['dm_a'].pk}/", "user detail")
    page.close()


# At 320 CSS pixels (1280 at 400% zoom) a page scrolls only vertically (WCAG 1.4.10): wide tables scroll
# inside their card, which the keyboard can reach (axe's scrollable-region-focusable)
NARROW = {"width": 320, "height": 640}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.engine_independent
def test_pages_reflow_at_320_css_pixels(axe: Any, browser: Any, live_server: Any, live_world: World) -> None:
    base, rid = live_server.url, live_world.patient_a.registry_id
    page = browser.new_context(viewport=NARROW, locale=LOCALES["en"]).new_page()
    _sign_in(page, base, "dm_a")
    audit = Audit(axe=axe, language="en")
    wide = {}
    for path in (
        "/patients/",
        f"/patients/{rid}/",
        f"/patients/{rid}/assessment/new/",
        "/screening/",
        "/quality/",
        "/quality/worklist/",
        "/quality/completeness/",
        "/queries/",
        "/export/",
        "/account/",
    ):
        page.goto(base + path)
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            wide[path] = overflow
        audit.check(page, f"{path} at 320 px")
    page.close()
    print(audit.report())
    assert not wide, f"pages wider than 320 CSS pixels (by how many pixels): {wide}"
    blocking = audit.blocking()
    assert not blocking, "serious or critical violations:\n" + "\n".join(v.line() for v in blocking)


@pytest.mark.slow
@pytest.mark.engine_independent
@pytest.mark.parametrize("language", list(LOCALES))
def test_no_serious_or_critical_axe_violation_on_any_page(
    language: str, axe: Any, browser: Any, live_server: Any, live_world: World
) -> None:
    base, locale = live_server.url, LOCALES[language]
    audit = Audit(axe=axe, language=language)
    _walk_signed_out(browser, base, language, audit, live_world)
    _walk_data_manager(browser, base, locale, audit, live_world)
    _walk_coordinator(browser, base, locale, audit, live_world)
    _walk_administrator(browser, base, locale, audit, live_world)
    _walk_statistician(browser, base, locale, audit)
    print(audit.report())
    assert len(audit.pages) >= 39
    blocking = audit.blocking()
    assert not blocking, "serious or critical axe violations:\n" + "\n".join(v.line() for v in blocking)
