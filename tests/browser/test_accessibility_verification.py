"""WCAG 2.1 AA of the officers' verification pages (issue 11 applied to issue
9): axe-core on the queue and the claim page in every status the officer
acts in, for the officer and the auditor, in Lithuanian and English, and
after a failed submit of each form (an item without the reason of its
ineligible part, a return without questions, an approval with an item not
verified, a rejection without reasons, a payment with a wrong date); reflow
at 320 px and the conventions of tests/browser/test_accessibility_selection.py
(one live region, the error summary focused, link names). Screenshots at
320 px: tests.artifacts.SCREENSHOTS / fondas-320-verify-<page>-<lang>.png."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from core.models import Role, User
from grants.models import ClaimStatus
from tests.browser.test_accessibility import LANGUAGES, PASSWORD, WIDE, _log_in
from tests.browser.test_accessibility_selection import SelectionAudit
from tests.factories import UserFactory
from tests.grants.verification_fixtures import make_claim, verify_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture
def verify_data(transactional_db) -> dict:
    """Claims in each status the officer acts in, one of them overdue."""
    world = verify_world(code="VRF-A11Y")
    for user in (world.officer,):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    now = timezone.now()
    return {
        "officer": world.officer,
        "auditor": UserFactory(role=Role.AUDITOR, first_name="Aldona", last_name="Auditorė"),
        "submitted": make_claim(world, submitted_at=now - timedelta(days=90)),
        "verifying": make_claim(
            world, status=ClaimStatus.UNDER_VERIFICATION, items=[{}, {"budget_line": world.equipment_line}]
        ),
        "approved": make_claim(world, status=ClaimStatus.APPROVED, submitted_at=now - timedelta(days=20)),
        "paid": make_claim(world, status=ClaimStatus.PAID),
    }


def _failed(page: Page, audit: SelectionAudit, name: str, code: str, form: str) -> None:
    """Submit the (first) form matching `form`, a CSS selector, as it is and check the page with its errors."""
    page.locator(form).first.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    audit.check(page, f"verify-{name}-error", code)


def test_verification_pages_pass_axe_and_reflow_at_320_pixels(browser: Browser, live_server, verify_data):
    audit = SelectionAudit()
    base = live_server.url
    data = verify_data
    auditor: User = data["auditor"]
    verifying = data["verifying"]
    for code in LANGUAGES:
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, data["officer"], code)
        page.goto(f"{base}/manage/claims/")
        expect(page.locator("#queue [data-overdue=true]")).to_have_count(1)
        audit.check(page, "verify-queue", code)
        for name in ("submitted", "approved", "paid"):
            page.goto(f"{base}/manage/claims/{data[name].pk}/")
            audit.check(page, f"verify-claim-{name}", code)
        claim_url = f"{base}/manage/claims/{verifying.pk}/"
        page.goto(claim_url)
        audit.check(page, "verify-claim-verifying", code)

        # An ineligible part without its reason.
        item_form = page.locator("form.item-verify").first
        item_form.locator("input[name$=eligible_amount]").fill("100")
        _failed(page, audit, "item", code, "form.item-verify")
        for name, form in (
            ("return", f"form[action$='/{verifying.pk}/return/']"),
            ("approve", f"form[action$='/{verifying.pk}/approve/']"),
            ("reject", f"form[action$='/{verifying.pk}/reject/']"),
        ):
            page.goto(claim_url)
            _failed(page, audit, name, code, form)
        page.goto(f"{base}/manage/claims/{data['approved'].pk}/")
        page.locator("input[name=pay-paid_on]").evaluate("element => { element.type = 'text'; }")
        page.locator("input[name=pay-paid_on]").fill("31.12.2026")
        _failed(page, audit, "pay", code, f"form[action$='/{data['approved'].pk}/pay/']")
        context.close()

        # The auditor reads the same pages without the forms.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        auditor.set_password(PASSWORD)
        auditor.save(update_fields=["password"])
        _log_in(page, live_server, auditor, code)
        page.goto(f"{base}/manage/claims/")
        audit.check(page, "verify-queue-auditor", code)
        page.goto(claim_url)
        expect(page.locator("form.item-verify")).to_have_count(0)
        audit.check(page, "verify-claim-auditor", code)
        context.close()
    audit.assert_clean()
