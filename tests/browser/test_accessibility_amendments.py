"""WCAG 2.1 AA of the amendment pages (issue 9): axe-core, the conventions of
issue 11 (one polite live region, the focus on the error summary after a
failed submit, link names) and reflow at 320 px, in Lithuanian and English,
for the beneficiary (the project page's section, the request forms and their
failed submits, an amendment, an agreement version) and the officer (the
decision and its failed submit, the status page with what closing still
needs and a refused closing, the project edit form with a failed submit and
a stale edit). Screenshots at 320 px go to tests.artifacts.SCREENSHOTS as
fondas-320-amend-<page>-<lang>.png."""

import os
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from playwright.sync_api import Browser, Page, expect

from core.models import Role
from grants.models import AgreementVersion, AmendmentKind, ProjectStatus
from grants.services import indicator_target_set, project_transition
from grants.services.amendments import amendment_request
from tests.browser.test_accessibility import LANGUAGES, WIDE, _log_in
from tests.browser.test_accessibility_selection import SelectionAudit
from tests.factories import (
    CostCategoryFactory,
    IndicatorFactory,
    OrganisationFactory,
    UserFactory,
    make_instrument,
    make_project,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser
D = Decimal


@pytest.fixture
def amend_world(transactional_db) -> dict:
    """A project of the beneficiary with one applied reallocation (versions 1
    and 2) and one requested extension; a second, completed project for the
    status page."""
    with translation.override("en"):
        indicator = IndicatorFactory(code="AMD.A11Y")
        categories = [
            CostCategoryFactory(code="STAFF"),
            CostCategoryFactory(code="EQUIP"),
            CostCategoryFactory(code="PAT", max_share_percent=D("25.00")),
        ]
        instrument = make_instrument(categories=categories, indicators={indicator: "5"}, max_grant="100000.00")
        beneficiary = OrganisationFactory(name="UAB „Vykdytojas“")
        partner = OrganisationFactory(name="UAB „Partneris“")
        user = UserFactory(role=Role.APPLICANT, organisation=beneficiary, first_name="Ona", last_name="Vykdytoja")
        officer = UserFactory(role=Role.OFFICER, first_name="Jonas", last_name="Pareigūnas")
        lines = {"STAFF": "60000.00", "EQUIP": "30000.00", "PAT": "10000.00"}
        project = make_project(instrument, beneficiary=beneficiary, lines=lines, code="AMD-A11Y-1")
        project.partners.add(partner)
        indicator_target_set(actor=None, project=project, indicator=indicator, target_value=D("5"))
        line = {bl.cost_category.code: bl for bl in project.budget_lines.select_related("cost_category")}
        amendment_request(
            actor=user,
            project=project,
            kind=AmendmentKind.BUDGET_REALLOCATION,
            justification="Įrangos kainos išaugo.",
            budget={line["STAFF"]: D("57000.00"), line["EQUIP"]: D("33000.00")},
        )
        extension = amendment_request(
            actor=user,
            project=project,
            kind=AmendmentKind.DATE_EXTENSION,
            justification="Vėluoja įrangos tiekimas.",
            new_end_date=date(2022, 6, 30),
        )
        completed = make_project(instrument, beneficiary=beneficiary, lines=lines, code="AMD-A11Y-2")
        indicator_target_set(actor=None, project=completed, indicator=indicator, target_value=D("5"))
        project_transition(actor=None, project=completed, to_status=ProjectStatus.IN_IMPLEMENTATION)
        project_transition(actor=None, project=completed, to_status=ProjectStatus.COMPLETED)
    return {
        "user": user,
        "officer": officer,
        "project": project,
        "completed": completed,
        "extension": extension,
        "version": AgreementVersion.objects.get(project=project, number=2),
    }


def _visit(page: Page, audit: SelectionAudit, base: str, name: str, path: str, code: str) -> None:
    page.goto(f"{base}{path}")
    audit.check(page, f"amend-{name}", code)


def _failed_submit(page: Page, audit: SelectionAudit, name: str, code: str, button: str = "main form button") -> None:
    page.locator(button).last.click()
    page.wait_for_load_state()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    audit.check(page, f"amend-{name}-error", code)


def test_amendment_pages_pass_axe_and_reflow_at_320_pixels(browser: Browser, live_server, amend_world):
    audit = SelectionAudit()
    base = live_server.url
    w = amend_world
    project, completed = w["project"].pk, w["completed"].pk
    for code in LANGUAGES:
        # The beneficiary.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, w["user"], code)
        _visit(page, audit, base, "project", f"/projects/{project}/", code)
        _visit(page, audit, base, "kinds", f"/amendments/new/{project}/", code)
        _visit(page, audit, base, "reallocation", f"/amendments/new/{project}/?kind=reallocation", code)
        # The lines no longer add up to the eligible cost.
        page.locator("main input[name^=line_]").first.fill("1 000,00" if code == "lt" else "1,000.00")
        page.fill("#id_justification", "Bandymas")
        _failed_submit(page, audit, "reallocation", code)
        _visit(page, audit, base, "partner", f"/amendments/new/{project}/?kind=partner", code)
        page.fill("#id_partner_added", "000000000")
        page.fill("#id_justification", "Bandymas")
        _failed_submit(page, audit, "partner", code)
        _visit(page, audit, base, "extension-requested", f"/amendments/{w['extension'].pk}/", code)
        _visit(page, audit, base, "version", f"/amendments/version/{w['version'].pk}/", code)
        _visit(page, audit, base, "version-1", f"/amendments/version/{w['version'].pk - 1}/", code)
        context.close()

        # The officer.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, w["officer"], code)
        _visit(page, audit, base, "officer-project", f"/projects/{project}/", code)
        _visit(page, audit, base, "decision", f"/amendments/{w['extension'].pk}/", code)
        # A rejection without a note.
        page.locator("main input[name=decision][value=reject]").check()
        _failed_submit(page, audit, "decision", code, "main form[action$='/decision/'] button")
        _visit(page, audit, base, "status", f"/amendments/project/{completed}/status/", code)
        _failed_submit(page, audit, "status", code, "main button[name=to_status][value=closed]")
        _visit(page, audit, base, "edit", f"/amendments/project/{project}/edit/", code)
        page.fill("#id_end_date", "2019-01-01")
        _failed_submit(page, audit, "edit", code)
        # A stale edit: the version is changed behind the form's back.
        page.goto(f"{base}/amendments/project/{project}/edit/")
        page.evaluate("document.querySelector('input[name=version]').value = '999'")
        page.locator("main form button").last.click()
        page.wait_for_load_state()
        expect(page.locator("#stale-message")).to_be_visible()
        audit.check(page, "amend-edit-stale", code)
        context.close()
    audit.assert_clean()
