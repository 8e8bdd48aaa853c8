"""WCAG 2.1 AA in Chromium (issue 11): axe-core on every page of every role in both
languages, a keyboard-only journey, reflow at 320 px and a visible focus style.

axe runs with the tags wcag2a, wcag2aa, wcag21a, wcag21aa and best-practice; all
pages' violations are collected and asserted once, so one run shows everything.
Screenshots at 320 px go to tests.artifacts.SCREENSHOTS as fondas-320-<page>-<lang>.png."""

import os
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from core.models import Role
from grants.models import ProjectStatus
from grants.services import payment_create, project_transition
from reports.models import ReportJob, ReportJobStatus
from reports.services import jobs
from reports.tasks import report_job_render
from tests.artifacts import SCREENSHOTS
from tests.factories import IndicatorFactory, OrganisationFactory, UserFactory, make_call, make_instrument, make_project

# Also set by tests/browser/conftest.py; repeated so that the module runs on its own.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

PASSWORD = "fondas-test-password"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
LANGUAGES = ("lt", "en")
ROLES = (Role.OFFICER, Role.EVALUATOR, Role.APPLICANT, Role.AUDITOR, Role.ADMINISTRATOR)
NARROW = {"width": 320, "height": 640}
WIDE = {"width": 1280, "height": 900}
AXE = Axe()


@pytest.fixture
def dispatched(monkeypatch):
    """Jobs handed to the broker are recorded instead: no worker runs here."""
    sent: list[str] = []
    monkeypatch.setattr(jobs, "report_job_dispatch", lambda *, job_id: sent.append(str(job_id)) or True)
    return sent


@dataclass
class World:
    instrument: object
    project: object
    users: dict = field(default_factory=dict)


@pytest.fixture
def world(transactional_db, dispatched) -> World:
    """A programme with Lithuanian-only data, a user of each role, and report jobs
    in every state (queued, succeeded, failed) for the reports list."""
    indicator = IndicatorFactory(name_lt="Remti skaitmeninių inovacijų centrai", name_en="", unit="centrai")
    hubs = make_instrument(code="DIH", allocation="17600000.00", indicators={indicator: "12"})
    call = make_call(hubs, code="DIH-2020-1", budget="3000000.00")
    beneficiary = OrganisationFactory(name="VšĮ Skaitmeninių inovacijų centras su labai ilgu pavadinimu")
    projects = [
        make_project(hubs, call=call, beneficiary=beneficiary if i == 0 else None, code=f"DIH-{i:04d}")
        for i in range(3)
    ]
    first = projects[0]
    project_transition(actor=None, project=first, to_status=ProjectStatus.IN_IMPLEMENTATION)
    payment_create(actor=None, project=first, kind="advance", paid_on=date(2020, 3, 1), amount=Decimal("2100.00"))

    users = {role: UserFactory(role=role, first_name="Rūta", last_name=f"Petraitienė-{role}") for role in ROLES}
    users[Role.APPLICANT] = UserFactory(
        role=Role.APPLICANT, first_name="Jonas", last_name="Jonaitis", organisation=beneficiary
    )
    admin = users[Role.ADMINISTRATOR]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])

    officer = users[Role.OFFICER]
    done = jobs.report_job_request(actor=officer, kind="project", params={"project_id": first.pk})
    report_job_render.apply(args=[str(done.pk)])
    jobs.report_job_request(actor=officer, kind="programme", params={"programme_id": hubs.programme_id})
    failed = jobs.report_job_request(actor=officer, kind="instrument", params={"instrument_id": hubs.pk})
    ReportJob.objects.filter(pk=failed.pk).update(status=ReportJobStatus.FAILED, error="The worker stopped.")
    assert ReportJob.objects.get(pk=done.pk).status == ReportJobStatus.SUCCEEDED
    return World(instrument=hubs, project=first, users=users)


# --- helpers -------------------------------------------------------------------------


def _choose_language(page: Page, code: str) -> None:
    """Through the language switcher, unless the page is in that language already."""
    if page.locator("html").get_attribute("lang") != code:
        page.locator(f".language-switch button[value={code}]").click()
        page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", code)


def _log_in(page: Page, live_server, user, code: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    _choose_language(page, code)
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/")
    _choose_language(page, code)


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")


def _axe(page: Page) -> list[str]:
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(", ".join(node["target"]) for node in violation["nodes"][:8])
        + (f" (+{len(violation['nodes']) - 8} more)" if len(violation["nodes"]) > 8 else "")
        for violation in results.response["violations"]
    ]


def _reflow(page: Page, name: str, code: str) -> str | None:
    """At 320 px the document is no wider than the viewport (WCAG 1.4.10); the
    screenshot is kept. Returns a problem, or None."""
    page.set_viewport_size(NARROW)
    page.wait_for_timeout(100)
    page.screenshot(path=str(SCREENSHOTS / f"fondas-320-{name}-{code}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.body.querySelectorAll("*")]
            .filter(el => !el.closest(".table-scroll") && el.getBoundingClientRect().right > 321)
            .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (
                typeof el.className === "string" && el.className ? "." + el.className.trim().replaceAll(" ", ".") : ""
            ))"""
    )
    page.set_viewport_size(WIDE)
    return None if width <= NARROW["width"] else f"scrollWidth {width} px; sticking out: {', '.join(wide)}"


class Audit:
    """Every page's axe violations and reflow problems, asserted once at the end."""

    def __init__(self):
        self.pages = 0
        self.violations: list[str] = []
        self.reflow: list[str] = []

    def check(self, page: Page, name: str, code: str, *, reflow: bool = True) -> None:
        _settle(page)
        self.pages += 1
        where = f"[{code}] {name} ({page.url})"
        self.violations += [f"{where}: {line}" for line in _axe(page)]
        if reflow:
            problem = _reflow(page, name, code)
            if problem:
                self.reflow.append(f"{where}: {problem}")

    def assert_clean(self) -> None:
        print(f"axe-core checked {self.pages} pages")
        message = f"{self.pages} pages checked\n"
        if self.violations:
            message += f"{len(self.violations)} axe violations:\n" + "\n".join(self.violations) + "\n"
        if self.reflow:
            message += f"{len(self.reflow)} pages scroll sideways at 320 px:\n" + "\n".join(self.reflow)
        assert not self.violations and not self.reflow, message


def _fail_report_form(page: Page) -> None:
    """Submit the report form with a half period (start, no end) or no subject."""
    form = page.locator("form[data-report-form], main form[method=post]").first
    start = page.locator("input[name=period_start]")
    if start.count() and start.is_visible():
        start.fill("2021-01-01")
    else:
        for select in page.locator("main select").all()[1:]:
            if select.is_visible():
                select.select_option(index=0)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


# --- axe and reflow on every page ---------------------------------------------------


def test_every_page_passes_axe_and_reflows_at_320_pixels(browser: Browser, live_server, world):
    audit = Audit()
    base = live_server.url
    for code in LANGUAGES:
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        page.goto(f"{base}/accounts/login/")
        _choose_language(page, code)
        audit.check(page, "login", code)
        page.fill("#id_username", "nobody")
        page.fill("#id_password", "wrong")
        page.locator("main button[type=submit]").click()
        expect(page.locator("[data-error-summary], .error").first).to_be_visible()
        audit.check(page, "login-error", code)
        page.goto(f"{base}/no-such-page/")
        audit.check(page, "404-anonymous", code)
        context.close()

        for role, user in world.users.items():
            context = browser.new_context(viewport=WIDE)
            page = context.new_page()
            _log_in(page, live_server, user, code)
            pages = (
                ("home", "/"),
                ("instrument", f"/instruments/{world.instrument.pk}/"),
                ("project", f"/projects/{world.project.pk}/"),
                ("reports", "/reports/"),
                ("report-form", "/reports/new/"),
                ("404", "/no-such-page/"),
            )
            for name, path in pages:
                page.goto(f"{base}{path}")
                audit.check(page, f"{name}-{role}", code)
                if name == "report-form" and page.locator("main select[name=kind]").count():
                    _fail_report_form(page)
                    audit.check(page, f"report-form-error-{role}", code)
            if role == Role.OFFICER:
                # The API docs are the same for every role: checked once per language.
                page.goto(f"{base}/api/docs/")
                page.locator(".opblock-summary").first.wait_for(timeout=15_000)
                audit.check(page, "api-docs", code)
                # One operation of each tag, expanded and in "try it out" mode: the
                # API has over a hundred operations, all built from the same parts
                # (parameters, bodies, file fields, responses), and expanding every one
                # makes the page too heavy for the browser to answer in time.
                for section in page.locator(".opblock-tag-section").all():
                    section.locator(".opblock-summary-control").first.click()
                for button in page.locator(".try-out__btn").all():
                    button.click()
                audit.check(page, "api-docs-expanded", code, reflow=False)
                page.goto(f"{base}/api/redoc/")
                page.get_by_role("heading", name="List report jobs").wait_for(timeout=15_000)
                audit.check(page, "api-redoc", code)
            context.close()
    audit.assert_clean()


# --- keyboard only ------------------------------------------------------------------


def _focused(page: Page) -> str:
    return page.evaluate(
        """() => { const el = document.activeElement; if (!el) return "";
            return [el.tagName.toLowerCase(), el.id, el.getAttribute("name") || "", el.getAttribute("href") || "",
                    (el.textContent || "").trim().slice(0, 40)].join("|"); }"""
    )


def _expect_at(page: Page, live_server, path: str) -> None:
    """At `path`; a fragment (#content, after the skip link) may stay on the URL."""
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}{path}") + "(#content)?$"))


def _tab_to(page: Page, selector: str, *, limit: int = 30, key: str = "Tab") -> None:
    """Press Tab until the element matching `selector` has the focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        seen.append(_focused(page))
    raise AssertionError(f"{key} never reached {selector}; focus went through: {seen}")


def test_keyboard_only_log_in_and_request_a_report(page: Page, live_server, world, dispatched):
    officer = world.users[Role.OFFICER]
    page.goto(f"{live_server.url}/accounts/login/")

    # The skip link is first (the login page puts the focus in the user name field,
    # autofocus: Shift+Tab goes back up to it).
    if page.evaluate("document.activeElement && document.activeElement.id") == "id_username":
        _tab_to(page, ".skip-link", limit=6, key="Shift+Tab")
    else:
        page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_in_viewport()

    _tab_to(page, "#id_username", limit=6)
    page.keyboard.type(officer.username)
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#id_username")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    _tab_to(page, "main button[type=submit]", limit=3)
    page.keyboard.press("Enter")
    _expect_at(page, live_server, "/")

    # Home: the skip link first; it takes the focus into the main content. From
    # there Shift+Tab goes back up to "Reports" in the main navigation.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
    _tab_to(page, "header nav a[href='/reports/']", limit=8, key="Shift+Tab")
    page.keyboard.press("Enter")
    _expect_at(page, live_server, "/reports/")

    # "Request a report", then the form: the first kind, its subject, Space on the button.
    _tab_to(page, "main a[href='/reports/new/']", limit=40)
    page.keyboard.press("Enter")
    _expect_at(page, live_server, "/reports/new/")
    _tab_to(page, "main select[name=kind]", limit=20)
    kind = page.locator("main select[name=kind]").input_value()
    subject = page.locator("main select:visible").nth(1)
    if subject.count() and not subject.input_value():
        _tab_to(page, "main select:visible >> nth=1", limit=3)
        # A select takes the first letters of an option, as a keyboard user types them.
        option = subject.locator("option").nth(1).text_content().strip()
        page.keyboard.type(option[:3])
    before = ReportJob.objects.count()
    _tab_to(page, "main form button[type=submit]", limit=12)
    page.keyboard.press("Space")
    _expect_at(page, live_server, "/reports/")
    assert ReportJob.objects.count() == before + 1
    assert ReportJob.objects.order_by("-queued_at").first().kind == kind


# --- focus visible --------------------------------------------------------------------


def test_focused_links_and_buttons_show_an_outline(page: Page, live_server, world):
    _log_in(page, live_server, world.users[Role.OFFICER], "en")
    page.goto(f"{live_server.url}/reports/")
    checked = []
    for selector in (
        ".skip-link",
        "header a.brand",
        ".language-switch button",
        "header form.inline button",
        "main a",
        "main button",
        ".table-scroll",
    ):
        element = page.locator(selector).first
        if not element.count():
            continue
        page.keyboard.press("Tab")  # keyboard modality, so that :focus-visible applies
        element.focus()
        style = element.evaluate(
            "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
        )
        checked.append(selector)
        assert style[0] != "none", f"{selector} shows no outline when focused: {style}"
        assert float(style[1].removesuffix("px")) >= 2, f"{selector} outline is thinner than 2 px: {style}"
    assert len(checked) >= 4, checked
