"""WCAG 2.1 AA of the selection pages (issue 11 applied to issue 8): axe-core on
the sign-up and organisation pages, the applicant portal, the officers'
workspace and the evaluators' pages, in both languages, for every role that
sees them, including forms after a failed submit; reflow at 320 px; and an
application filled and submitted with the keyboard only.

The data are the demo's (grants.demo.seed_demo): its open call holds an
application in every status for the demo applicant and evaluator. The helpers
(axe with the tags of issue 11, the reflow check, the one assertion at the end)
are those of tests/browser/test_accessibility.py. Screenshots at 320 px go to
tests.artifacts.SCREENSHOTS as fondas-320-sel-<page>-<lang>.png."""

import os
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from clusters.models import OrganisationType, OrganisationUser
from clusters.services import join_request_create
from core.models import Role, User
from grants import demo
from grants.models import Application, ApplicationStatus, AssignmentStatus, CallStatus, EvaluatorAssignment
from tests.browser.test_accessibility import (
    LANGUAGES,
    PASSWORD,
    WIDE,
    Audit,
    _choose_language,
    _log_in,
    _settle,
    _tab_to,
)
from tests.browser.test_application_journey import open_call  # noqa: F401 - a fixture of the keyboard test
from tests.factories import OrganisationFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_world(transactional_db) -> dict:
    """The demo data, the demo users with the test password, an applicant
    without an organisation, and a pending request to join the demo
    applicant's organisation (for the officer's list)."""
    demo.seed_demo()
    users = {}
    for username in ("officer", "evaluator", "applicant", "auditor"):
        user = User.objects.get(username=username)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        users[username] = user
    users["newcomer"] = UserFactory(role=Role.APPLICANT, first_name="Ieva", last_name="Naujokė")
    organisation = OrganisationUser.objects.select_related("organisation").get(user=users["applicant"]).organisation
    joiner = UserFactory(role=Role.APPLICANT, first_name="Paulius", last_name="Stonkus")
    join_request_create(actor=joiner, legal_code=organisation.legal_code, message="Būsiu projekto vadovas.")

    mine = Application.objects.filter(applicant=organisation, call__status=CallStatus.OPEN)
    call = mine.first().call
    in_call = Application.objects.filter(call=call)
    assignments = EvaluatorAssignment.objects.filter(evaluator=users["evaluator"], application__call=call)
    return {
        "users": users,
        "call": call,
        "draft": mine.get(status=ApplicationStatus.DRAFT),
        "submitted": mine.filter(status=ApplicationStatus.SUBMITTED).first(),
        "checking": in_call.filter(status=ApplicationStatus.ELIGIBILITY_CHECK).first(),
        "evaluating": in_call.filter(status=ApplicationStatus.UNDER_EVALUATION).first(),
        "to_declare": assignments.filter(status=AssignmentStatus.ASSIGNED).first(),
        "to_score": assignments.filter(status=AssignmentStatus.SCORING).first(),
    }


# The conventions of issue 11 that axe does not check: one polite live region
# per page; after a failed submit the focus is on the error summary; a link's
# name says where it goes (two links with one name go to one place).
CONVENTIONS = """() => {
    const problems = [];
    const live = [...document.querySelectorAll("[aria-live=polite], [role=status], [role=log], output")]
        .filter(el => el.getAttribute("aria-live") !== "off");
    if (live.length > 1) problems.push(`${live.length} polite live regions: ` +
        live.map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")).join(", "));
    const summary = document.querySelector("[data-error-summary]");
    if (summary && document.activeElement !== summary) problems.push("the error summary does not have the focus");
    const targets = new Map();
    for (const a of document.querySelectorAll("a[href]")) {
        if (a.closest("[hidden], [aria-hidden=true]")) continue;
        const name = (a.getAttribute("aria-label") || a.textContent).replace(/\\s+/g, " ").trim();
        const href = new URL(a.getAttribute("href"), location.href);
        href.hash = a.getAttribute("href").startsWith("#") ? href.hash : "";
        if (!targets.has(name)) targets.set(name, new Set());
        targets.get(name).add(href.toString());
    }
    for (const [name, hrefs] of targets) {
        if (hrefs.size > 1) problems.push(`${hrefs.size} links named "${name}" go to different places`);
    }
    return problems;
}"""


class SelectionAudit(Audit):
    """Audit's axe and reflow checks, and the conventions above."""

    def check(self, page: Page, name: str, code: str, *, reflow: bool = True) -> None:
        _settle(page)
        where = f"[{code}] {name} ({page.url})"
        self.violations += [f"{where}: convention: {problem}" for problem in page.evaluate(CONVENTIONS)]
        super().check(page, name, code, reflow=reflow)


def _submit(page: Page) -> None:
    """Submit the main form (its first submit button) and wait for the answer."""
    page.locator("main form[method=post] button[type=submit]").last.click()
    page.wait_for_load_state()


def _visit(page: Page, audit: Audit, base: str, name: str, path: str, code: str) -> None:
    page.goto(f"{base}{path}")
    audit.check(page, f"sel-{name}", code)


def test_selection_pages_pass_axe_and_reflow_at_320_pixels(browser: Browser, live_server, demo_world):
    audit = SelectionAudit()
    base = live_server.url
    w = demo_world
    users = w["users"]
    for code in LANGUAGES:
        # Anonymous: sign-up (and after a failed submit), password reset.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        page.goto(f"{base}/accounts/signup/")
        _choose_language(page, code)
        audit.check(page, "sel-signup", code)
        page.fill("#id_email", "not-an-address")
        page.fill("#id_password1", "short")
        page.fill("#id_password2", "other")
        page.locator("main form button[type=submit]").last.click()
        expect(page.locator("[data-error-summary]")).to_be_visible()
        audit.check(page, "sel-signup-error", code)
        _visit(page, audit, base, "password-reset", "/accounts/password/reset/", code)
        context.close()

        # An applicant without an organisation.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, users["newcomer"], code)
        _visit(page, audit, base, "organisation-start", "/organisation/start/", code)
        _visit(page, audit, base, "organisation-form", "/organisation/new/", code)
        page.fill("#id_name", "UAB „Bandymas“")
        page.fill("#id_legal_code", "123456789")
        _submit(page)
        expect(page.locator("[data-error-summary]")).to_be_visible()
        audit.check(page, "sel-organisation-form-error", code)
        _visit(page, audit, base, "join-request-form", "/organisation/join/", code)
        context.close()

        # The applicant.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, users["applicant"], code)
        draft, submitted = w["draft"].pk, w["submitted"].pk
        for name, path in (
            ("calls", "/calls/"),
            ("call", f"/calls/{w['call'].pk}/"),
            ("applications", "/applications/"),
            *((f"step-{n}", f"/applications/{draft}/step/{n}/") for n in range(1, 7)),
        ):
            _visit(page, audit, base, name, path, code)
        page.goto(f"{base}/applications/{draft}/step/3/")
        # Three decimals: a wrong amount in either language.
        page.locator("main input[id^=id_budget_]").first.fill("12,345" if code == "lt" else "12.345")
        page.locator("button[value=save]").click()
        expect(page.locator("[data-error-summary]")).to_be_visible()
        audit.check(page, "sel-step-3-error", code)
        for name, path in (
            ("review", f"/applications/{draft}/"),
            ("submitted", f"/applications/{submitted}/"),
            ("receipt", f"/applications/{submitted}/receipt/"),
            ("withdraw", f"/applications/{submitted}/withdraw/"),
            ("organisation", "/organisation/"),
        ):
            _visit(page, audit, base, name, path, code)
        context.close()

        # The officer.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, users["officer"], code)
        call = w["call"].pk
        for name, path in (
            ("manage-calls", "/manage/calls/"),
            ("manage-call", f"/manage/calls/{call}/"),
            ("manage-call-form", "/manage/calls/new/"),
        ):
            _visit(page, audit, base, name, path, code)
        _submit(page)
        expect(page.locator("[data-error-summary]")).to_be_visible()
        audit.check(page, "sel-manage-call-form-error", code)
        for name, path in (
            ("manage-applications", f"/manage/calls/{call}/applications/"),
            ("manage-application", f"/manage/applications/{w['submitted'].pk}/"),
            ("manage-eligibility", f"/manage/applications/{w['checking'].pk}/eligibility/"),
            ("manage-assignment", f"/manage/applications/{w['evaluating'].pk}/"),
            ("join-requests", "/organisation/requests/"),
        ):
            _visit(page, audit, base, name, path, code)
        context.close()

        # The evaluator.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, users["evaluator"], code)
        _visit(page, audit, base, "evaluations", "/manage/evaluations/", code)
        _visit(page, audit, base, "declaration", f"/manage/evaluations/{w['to_declare'].pk}/", code)
        _visit(page, audit, base, "scoring", f"/manage/evaluations/{w['to_score'].pk}/", code)
        page.locator("main input[name^=score_]").first.fill("99")
        _submit(page)
        expect(page.locator("[data-error-summary]")).to_be_visible()
        audit.check(page, "sel-scoring-error", code)
        context.close()

        # The auditor reads.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, users["auditor"], code)
        _visit(page, audit, base, "auditor-calls", "/manage/calls/", code)
        _visit(page, audit, base, "auditor-call", f"/manage/calls/{call}/", code)
        context.close()
    audit.assert_clean()


# --- keyboard only ------------------------------------------------------------------


def _date_keys(page: Page) -> str:
    """The order in which this Chromium's date fields take the parts of a date
    (it follows the machine's locale, not the page's): a strftime format, found
    by typing into a date field on a blank page."""
    probe = page.context.new_page()
    try:
        probe.set_content("<input id=before><input id=probe type=date>")
        for keys in ("%Y-%m-%d", "%m%d%Y", "%d%m%Y"):
            probe.focus("#before")
            probe.evaluate("document.querySelector('#probe').value = ''")
            probe.keyboard.press("Tab")
            probe.keyboard.type(date(2031, 12, 28).strftime(keys))
            if probe.input_value("#probe") == "2031-12-28":
                return keys
    finally:
        probe.close()
    raise AssertionError("no typing order fills a date field")


def _focus_and_type(page: Page, selector: str, text: str, *, limit: int = 40) -> None:
    """Tab to the field, empty it with the keyboard and type `text`."""
    _tab_to(page, selector, limit=limit)
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def _expect_path(page: Page, live_server, pattern: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + pattern + "(#content)?$"))


def test_keyboard_only_an_applicant_fills_and_submits_an_application(page: Page, live_server, open_call):  # noqa: F811
    organisation = OrganisationFactory(name="UAB Klaviatūra", organisation_type=OrganisationType.SME)
    applicant = UserFactory(role=Role.APPLICANT, organisation=organisation, username="klaviatura")
    base = live_server.url

    # Log in: the login page focuses the user name field.
    page.goto(f"{base}/accounts/login/")
    if not page.evaluate("document.activeElement && document.activeElement.id === 'id_username'"):
        _tab_to(page, "#id_username", limit=6)
    page.keyboard.type(applicant.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    _expect_path(page, live_server, "/")

    # The calls in the navigation, the call, "Start an application".
    _tab_to(page, "header nav a[href='/calls/']", limit=20)
    page.keyboard.press("Enter")
    _expect_path(page, live_server, "/calls/")
    _tab_to(page, f"main a[href='/calls/{open_call.pk}/']", limit=30)
    page.keyboard.press("Enter")
    _expect_path(page, live_server, f"/calls/{open_call.pk}/")
    _tab_to(page, "form[action$='/apply/'] button[type=submit]", limit=40)
    page.keyboard.press("Enter")
    _expect_path(page, live_server, r"/applications/\d+/step/1/")
    application = Application.objects.get(applicant=organisation)

    # Step 1: the project.
    start = timezone.localdate() + timedelta(days=30)
    _focus_and_type(page, "#id_title", "Klaviatūra be pelės")
    _focus_and_type(page, "#id_summary", "Projektas, užpildytas vien klaviatūra.", limit=3)
    # Back up one field and forward again, as a person checking their typing does.
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#id_title")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#id_summary")).to_be_focused()
    # A date field takes its parts in the machine's order, typed one after another.
    keys = _date_keys(page)
    for selector, day in (("#id_start_date", start), ("#id_end_date", start + timedelta(days=365))):
        _tab_to(page, selector, limit=4)
        page.keyboard.type(day.strftime(keys))
        expect(page.locator(selector)).to_have_value(day.isoformat())
    _tab_to(page, "button[value=continue]", limit=6)
    page.keyboard.press("Enter")
    _expect_path(page, live_server, rf"/applications/{application.pk}/step/2/")

    # Step 2: no partners to choose; Space on the button.
    _tab_to(page, "button[value=continue]", limit=40)
    page.keyboard.press("Space")
    _expect_path(page, live_server, rf"/applications/{application.pk}/step/3/")

    # Step 3: a small budget; the live totals follow the typing.
    _focus_and_type(page, "#id_budget_PAT", "200,00")
    _focus_and_type(page, "#id_budget_STAFF", "1 000,00", limit=4)
    expect(page.locator("[data-total=grant]")).to_have_text("840,00 €")
    _tab_to(page, "button[value=continue]", limit=10)
    page.keyboard.press("Enter")
    _expect_path(page, live_server, rf"/applications/{application.pk}/step/4/")

    # Step 4: the indicator target.
    _focus_and_type(page, "#id_target_P\\.S\\.001", "1")
    _tab_to(page, "button[value=continue]", limit=6)
    page.keyboard.press("Enter")
    _expect_path(page, live_server, rf"/applications/{application.pk}/step/5/")

    # Step 5: no file; the link to the declarations.
    _tab_to(page, f"main a[href='/applications/{application.pk}/step/6/']:not(nav a)", limit=40)
    page.keyboard.press("Enter")
    _expect_path(page, live_server, rf"/applications/{application.pk}/step/6/")

    # Step 6: de minimis aid and the two declarations (Space ticks a box).
    _focus_and_type(page, "#id_de_minimis_received", "0")
    for box in ("#id_declares_no_double_funding", "#id_declares_data_accurate"):
        _tab_to(page, box, limit=6)
        page.keyboard.press("Space")
        expect(page.locator(box)).to_be_checked()
    _tab_to(page, "button[value=continue]", limit=6)
    page.keyboard.press("Enter")
    _expect_path(page, live_server, rf"/applications/{application.pk}/")
    expect(page.locator("[data-col=grant_requested]")).to_have_text("840,00 €")

    # The review: submit.
    _tab_to(page, "form[action$='/submit/'] button[type=submit]", limit=60)
    page.keyboard.press("Enter")
    _expect_path(page, live_server, rf"/applications/{application.pk}/receipt/")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.number == "KLAST-2026-1-00001"
    expect(page.locator("[data-col=number]")).to_have_text(application.number)
