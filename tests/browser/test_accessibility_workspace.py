"""WCAG 2.1 AA of the officers' project list (/manage/projects/) and the
audit-trail browser (/audit/): axe-core in Lithuanian and English with filters
applied, sorted, on a second page and after a failed filter; the conventions of
issue 11 (one polite live region, focus on the error summary, link names that
say where they go); reflow at 320 px, the top bar's navigation wrapping.
Screenshots at 320 px go to tests.artifacts.SCREENSHOTS as
fondas-320-ws-<page>-<lang>.png."""

import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, expect

from core.models import Role
from grants.models import ClaimStatus, PaymentClaim, Project
from grants.selectors.workspace import vilnius_today
from grants.services import payment_create, project_transition
from tests.browser.test_accessibility import LANGUAGES, NARROW, WIDE, _log_in
from tests.browser.test_accessibility_selection import SelectionAudit
from tests.factories import OrganisationFactory, UserFactory, make_call, make_instrument, make_project

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture
def workspace_world(transactional_db) -> dict:
    """30 projects (two pages) with Lithuanian-only names, payments, claims in
    several statuses, one overdue; an officer and an auditor."""
    instrument = make_instrument(code="DIH", name_lt="Skaitmeninių inovacijų centrai", name_en="")
    call = make_call(instrument, code="DIH-2024-1")
    long_name = OrganisationFactory(name="VšĮ Skaitmeninių inovacijų centras su labai ilgu pavadinimu")
    applicant = UserFactory(role=Role.APPLICANT)
    today = vilnius_today()
    for i in range(30):
        project = make_project(
            instrument, call=call if i % 2 else None, beneficiary=long_name if i == 0 else None, code=f"DIH-{i:04d}"
        )
        Project.objects.filter(pk=project.pk).update(title=f"Pramonės skaitmeninimo bandymų aplinka Nr. {i}")
        if i % 3 == 0:
            project_transition(actor=None, project=project, to_status="in_implementation")
            payment_create(
                actor=None, project=project, kind="advance", paid_on=date(2024, 3, 1), amount=Decimal("2100.00")
            )
        if i % 4 == 0:
            PaymentClaim.objects.create(
                project=project,
                number=1,
                period_start=date(2020, 1, 1),
                period_end=date(2020, 6, 30),
                status=ClaimStatus.SUBMITTED if i % 8 == 0 else ClaimStatus.DRAFT,
                created_by=applicant,
                payment_due_on=today - timedelta(days=3) if i % 8 == 0 else None,
            )
    officer = UserFactory(role=Role.OFFICER, first_name="Rūta", last_name="Petraitienė")
    auditor = UserFactory(role=Role.AUDITOR, first_name="Algis", last_name="Auditorius")
    return {"officer": officer, "auditor": auditor, "instrument": instrument}


def test_project_list_and_audit_trail_pass_axe_and_reflow_at_320_pixels(browser: Browser, live_server, workspace_world):
    audit = SelectionAudit()
    base = live_server.url
    w = workspace_world
    for code in LANGUAGES:
        for role in ("officer", "auditor"):
            context = browser.new_context(viewport=WIDE)
            page = context.new_page()
            _log_in(page, live_server, w[role], code)

            page.goto(f"{base}/manage/projects/")
            audit.check(page, f"ws-projects-{role}", code)
            # Filters through the form: the instrument, then "with an overdue claim".
            page.select_option("#id_instrument", str(w["instrument"].pk))
            page.select_option("#id_overdue", "yes")
            page.locator("#project-filters button[type=submit]").click()
            page.wait_for_load_state()
            expect(page.locator("#projects tbody tr[data-code]")).to_have_count(4)
            audit.check(page, f"ws-projects-filtered-{role}", code)
            # Sorted by a column header link, then the second page.
            page.locator("#projects thead a[href*='sort=grant']").click()
            page.wait_for_load_state()
            expect(page.locator("#projects th[aria-sort]")).to_have_count(1)
            page.goto(f"{base}/manage/projects/?sort=-paid&page=2")
            expect(page.locator(".pager")).to_be_visible()
            audit.check(page, f"ws-projects-page-2-{role}", code)
            page.goto(f"{base}/manage/projects/?status=bogus&q=DIH")
            expect(page.locator("[data-error-summary]")).to_be_visible()
            audit.check(page, f"ws-projects-error-{role}", code)

            page.goto(f"{base}/audit/")
            audit.check(page, f"ws-audit-{role}", code)
            page.select_option("#id_object_type", "grants.project")
            page.select_option("#id_event_type", "status_changed")
            page.locator("#event-filters button[type=submit]").click()
            page.wait_for_load_state()
            expect(page.locator("#events tbody tr[data-object]").first).to_be_visible()
            audit.check(page, f"ws-audit-filtered-{role}", code)
            page.goto(f"{base}/audit/?page=2")
            audit.check(page, f"ws-audit-page-2-{role}", code)
            # A failed filter: a range that ends before it starts.
            page.goto(f"{base}/audit/")
            page.fill("#id_date_from", "2026-03-03")
            page.fill("#id_date_to", "2026-03-01")
            page.locator("#event-filters button[type=submit]").click()
            page.wait_for_load_state()
            expect(page.locator("[data-error-summary]")).to_be_visible()
            audit.check(page, f"ws-audit-error-{role}", code)
            context.close()
    audit.assert_clean()


def test_the_top_bar_wraps_its_navigation_at_320_pixels(browser: Browser, live_server, workspace_world):
    context = browser.new_context(viewport=NARROW)
    page = context.new_page()
    _log_in(page, live_server, workspace_world["officer"], "lt")
    page.goto(f"{live_server.url}/manage/projects/")
    links = page.locator("header nav a")
    assert links.count() >= 6
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], links.nth(i).text_content()
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]
    # The current section is marked.
    expect(page.locator("header nav a[aria-current=page]")).to_have_attribute("href", "/manage/projects/")
    context.close()
