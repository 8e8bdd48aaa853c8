"""WCAG 2.1 AA of the cluster registry's pages (issue 10): axe-core and reflow
at 320 px in Lithuanian and English on the list (plain and filtered), a
cluster's page (officer and applicant), and every officer's editing form
after a failed submit. Screenshots of the list and a cluster's page go to
tests.artifacts.SCREENSHOTS as fondas-cluster-*.png."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from clusters.models import CommitmentKind, LabelLevel
from core.models import Role
from tests.artifacts import SCREENSHOTS
from tests.browser.test_accessibility import LANGUAGES, WIDE, _log_in
from tests.browser.test_accessibility_selection import SelectionAudit
from tests.clusters.registry_fixtures import build_registry
from tests.factories import UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture
def registry_world(transactional_db):
    world = build_registry()
    officer = UserFactory(role=Role.OFFICER, first_name="Rūta", last_name="Registrienė")
    applicant = UserFactory(
        role=Role.APPLICANT, first_name="Jonas", last_name="Narys", organisation=world.organisations["former"]
    )
    return world, officer, applicant


def _edit_paths(world) -> list[tuple[str, str]]:
    lasers = world.lasers
    member = lasers.memberships.get(organisation=world.organisations["member"])
    label = lasers.labels.get(level=LabelLevel.GOLD)
    network = lasers.network_memberships.get()
    flag = lasers.commitments.get(kind=CommitmentKind.DIGITISATION)
    return [
        ("create", "/clusters/new/"),
        ("update", f"/clusters/{lasers.pk}/edit/"),
        ("member-add", f"/clusters/{lasers.pk}/members/new/"),
        ("member-leave", f"/clusters/members/{member.pk}/leave/"),
        ("label-award", f"/clusters/{lasers.pk}/labels/new/"),
        ("label-withdraw", f"/clusters/labels/{label.pk}/withdraw/"),
        ("network-add", f"/clusters/{lasers.pk}/networks/new/"),
        ("network-end", f"/clusters/networks/{network.pk}/end/"),
        ("flag-add", f"/clusters/{lasers.pk}/flags/new/"),
        ("flag-end", f"/clusters/flags/{flag.pk}/end/"),
        ("maturity-add", f"/clusters/{lasers.pk}/maturity/new/"),
        ("activity-add", f"/clusters/{lasers.pk}/activities/new/"),
    ]


def _fail_submit(page: Page) -> None:
    """Empty the form's first text or date box (the required ones), then submit."""
    boxes = page.locator("main form[method=post] input[type=text], main form[method=post] input[type=date]")
    if boxes.count():
        boxes.first.fill("")
    page.locator("main form[method=post] button[type=submit]").last.click()
    page.wait_for_load_state()
    expect(page.locator("[data-error-summary]")).to_be_visible()


def test_registry_pages_pass_axe_and_reflow(browser: Browser, live_server, registry_world):
    world, officer, applicant = registry_world
    audit = SelectionAudit()
    base = live_server.url
    lasers = world.lasers.pk
    filtered = "/clusters/?label=any&network=yes&commitments=digitisation&region=kaunas&on=2024-06-01"
    for code in LANGUAGES:
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, officer, code)
        page.goto(f"{base}/clusters/")
        audit.check(page, "cluster-list", code)
        page.goto(f"{base}{filtered}")
        expect(page.locator("#clusters tbody tr")).to_have_count(1)
        if code == "en":
            page.screenshot(path=str(SCREENSHOTS / "fondas-cluster-list.png"), full_page=True)
        audit.check(page, "cluster-list-filtered", code)
        page.goto(f"{base}/clusters/?on=not-a-day")
        expect(page.locator("[data-error-summary]")).to_be_visible()
        audit.check(page, "cluster-list-error", code)
        page.goto(f"{base}/clusters/{lasers}/?on=2024-06-01")
        if code == "en":
            page.screenshot(path=str(SCREENSHOTS / "fondas-cluster-detail.png"), full_page=True)
        audit.check(page, "cluster-detail", code)
        for name, path in _edit_paths(world):
            page.goto(f"{base}{path}")
            _fail_submit(page)
            audit.check(page, f"cluster-{name}-error", code)
        context.close()

        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, applicant, code)
        page.goto(f"{base}/clusters/{lasers}/")
        expect(page.locator("#projects tbody tr")).to_have_count(1)
        audit.check(page, "cluster-detail-applicant", code)
        context.close()
    audit.assert_clean()
