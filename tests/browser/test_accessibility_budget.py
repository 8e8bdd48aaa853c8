"""WCAG 2.1 AA of the pages budget tracking changed: the project page's budget
and expenditure table, the instrument page's expenditure by call and the
officers' home page with expenditure by instrument — axe-core, the conventions
of tests.browser.test_accessibility_selection and reflow at 320 px, in
Lithuanian and English, for an officer, an auditor and the beneficiary's user
(project page). These pages have no forms of their own (the instrument page's
project search is audited with a wrong filter)."""

import os

import pytest
from playwright.sync_api import Browser

from core.models import Role
from grants.models import ClaimStatus, Project, ProjectStatus
from grants.services import project_transition
from tests.browser.test_accessibility import LANGUAGES, WIDE, _log_in
from tests.browser.test_accessibility_selection import SelectionAudit
from tests.factories import UserFactory, make_call, make_instrument, make_project
from tests.grants.budget_fixtures import every_status, make_claim

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


@pytest.fixture
def budget_world(transactional_db) -> dict:
    instrument = make_instrument(code="BDG", name_lt="Skaitmeninių inovacijų centrai", name_en="")
    call = make_call(instrument, code="BDG-2024-1", budget="100000.00")
    project = make_project(instrument, call=call, lines={"STAFF": "8000.00", "EQUIP": "2000.00"})
    Project.objects.filter(pk=project.pk).update(title="Pramonės skaitmeninimo bandymų aplinka")
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    every_status(project)
    other = make_project(instrument, call=call, lines={"STAFF": "5000.00"})
    make_claim(other, ClaimStatus.APPROVED, [("STAFF", "100.00", "95.50")])
    return {
        "officer": UserFactory(role=Role.OFFICER, first_name="Rūta", last_name="Petraitienė"),
        "auditor": UserFactory(role=Role.AUDITOR),
        "beneficiary": UserFactory(role=Role.APPLICANT, organisation=project.beneficiary),
        "instrument": instrument,
        "project": project,
    }


def test_budget_pages_pass_axe_and_reflow_at_320_pixels(browser: Browser, live_server, budget_world):
    audit = SelectionAudit()
    base = live_server.url
    w = budget_world
    for code in LANGUAGES:
        for role in ("officer", "auditor", "beneficiary"):
            context = browser.new_context(viewport=WIDE)
            page = context.new_page()
            _log_in(page, live_server, w[role], code)
            page.goto(f"{base}/projects/{w['project'].pk}/")
            assert page.locator("#budget-lines tbody tr").count() == 2
            audit.check(page, f"budget-project-{role}", code)
            if role != "beneficiary":
                page.goto(f"{base}/")
                assert page.locator(f"#expenditure-{w['instrument'].programme_id}").count() == 1
                audit.check(page, f"budget-home-{role}", code)
                page.goto(f"{base}/instruments/{w['instrument'].pk}/")
                assert page.locator("#call-rollup tbody tr[data-code]").count() == 1
                audit.check(page, f"budget-instrument-{role}", code)
                page.goto(f"{base}/instruments/{w['instrument'].pk}/?status=bogus")
                audit.check(page, f"budget-instrument-error-{role}", code)
            context.close()
    audit.assert_clean()
