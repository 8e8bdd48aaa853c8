"""WCAG 2.1 AA of the beneficiary's payment-claim pages (issue 9): axe-core,
the conventions of issue 11 (one polite live region, the focus on the error
summary, link names that say where they go) and reflow at 320 px, in
Lithuanian and English, on every page of grants/urls_claims.py and the
project page's claims section, including a failed submit of each form and an
edit made from a stale version.

The data are built through the services (tests/grants/claim_page_fixtures.py).
Screenshots at 320 px go to tests.artifacts.SCREENSHOTS as
fondas-320-claim-<page>-<lang>.png."""

import io
import os

import pytest
from openpyxl import Workbook
from playwright.sync_api import Browser, Page, expect

from grants.services.claims import claim_create, item_add
from grants.services.claims_import import COLUMNS
from tests.browser.test_accessibility import LANGUAGES, WIDE, _log_in
from tests.browser.test_accessibility_selection import SelectionAudit
from tests.grants.claim_page_fixtures import build_claim_world, item_values

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def claim_world(transactional_db):
    world = build_claim_world()
    # A draft whose item has no document yet: its submission is refused.
    applicant = world.users["applicant"]
    world.nodoc = claim_create(
        actor=applicant,
        project=world.project,
        period_start=world.project.start_date,
        period_end=world.project.end_date,
    )
    item_add(actor=applicant, claim=world.nodoc, **item_values(world.project, document_number="BE-DOK"))
    return world


def _wrong_rows_xlsx() -> dict:
    """A file of the template's columns with a wrong row (row 3)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([str(column.label) for column in COLUMNS])
    sheet.append(["STAFF", "UAB Alfa", "111", "A-1", "2020-02-03", 100, 21, "ne"])
    sheet.append(["NOPE", "", "222", "B-1", "2020-13-01", "abc", 0, "gal"])
    out = io.BytesIO()
    workbook.save(out)
    return {"name": "islaidos.xlsx", "mimeType": XLSX, "buffer": out.getvalue()}


def _visit(page: Page, audit: SelectionAudit, base: str, name: str, path: str, code: str) -> None:
    page.goto(f"{base}{path}")
    audit.check(page, f"claim-{name}", code)


def _submit(page: Page, selector: str = "main form[method=post] button[type=submit]") -> None:
    page.locator(selector).first.click()
    page.wait_for_load_state()


def _failed(page: Page, audit: SelectionAudit, name: str, code: str) -> None:
    expect(page.locator("[data-error-summary]")).to_be_visible()
    audit.check(page, f"claim-{name}-error", code)


def _stale_version(page: Page) -> None:
    """Another person's edit in between: the form states an older version."""
    page.evaluate("document.querySelector('main form input[name=version]').value = '1000'")


def test_claim_pages_pass_axe_and_reflow_at_320_pixels(browser: Browser, live_server, claim_world):
    audit = SelectionAudit()
    base = live_server.url
    w = claim_world
    draft, returned, item = w.draft, w.returned, w.item
    for code in LANGUAGES:
        # The beneficiary.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, w.users["applicant"], code)
        for name, path in (
            ("list", "/claims/"),
            ("project", f"/projects/{w.project.pk}/"),
            ("detail-draft", f"/claims/{draft.pk}/"),
            ("detail-returned", f"/claims/{returned.pk}/"),
            ("item-delete", f"/claims/items/{item.pk}/delete/"),
        ):
            _visit(page, audit, base, name, path, code)

        _visit(page, audit, base, "create", f"/claims/new/{w.project.pk}/", code)
        page.fill("#id_period_start", "2019-01-01")
        page.fill("#id_period_end", "2019-06-30")
        _submit(page)
        _failed(page, audit, "create", code)

        _visit(page, audit, base, "update", f"/claims/{draft.pk}/edit/", code)
        page.fill("#id_period_end", "2030-01-01")
        _submit(page)
        _failed(page, audit, "update", code)
        page.goto(f"{base}/claims/{draft.pk}/edit/")
        _stale_version(page)
        _submit(page)
        _failed(page, audit, "update-stale", code)

        _visit(page, audit, base, "delete", f"/claims/{draft.pk}/delete/", code)
        _stale_version(page)
        _submit(page)
        _failed(page, audit, "delete-stale", code)

        _visit(page, audit, base, "item-create", f"/claims/{draft.pk}/items/new/", code)
        page.fill("#id_amount_excl_vat", "12,345" if code == "lt" else "12.345")
        _submit(page)
        _failed(page, audit, "item-create", code)

        _visit(page, audit, base, "item-update", f"/claims/items/{item.pk}/edit/", code)
        page.fill("#id_supplier_name", "")
        _submit(page)
        _failed(page, audit, "item-update", code)
        page.goto(f"{base}/claims/items/{item.pk}/edit/")
        _stale_version(page)
        _submit(page)
        _failed(page, audit, "item-update-stale", code)

        page.goto(f"{base}/claims/items/{item.pk}/delete/")
        _stale_version(page)
        _submit(page)
        _failed(page, audit, "item-delete-stale", code)

        _visit(page, audit, base, "indicator", f"/claims/{returned.pk}/indicators/{w.indicator.pk}/", code)
        page.fill("#id_evidence", "")
        _submit(page)
        _failed(page, audit, "indicator", code)
        _visit(page, audit, base, "indicator-new", f"/claims/{draft.pk}/indicators/{w.indicator.pk}/", code)

        _visit(page, audit, base, "import", f"/claims/{draft.pk}/import/", code)
        page.set_input_files("#id_file", _wrong_rows_xlsx())
        _submit(page)
        _failed(page, audit, "import", code)
        expect(page.locator("ul#row-errors li")).to_have_count(5)

        _visit(page, audit, base, "detail-nodoc", f"/claims/{w.nodoc.pk}/", code)
        _submit(page, f"form[action$='/claims/{w.nodoc.pk}/submit/'] button[type=submit]")
        _failed(page, audit, "submit", code)
        context.close()

        # An officer who may accept a repeated document: the item form with the reason.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, w.users["override_officer"], code)
        _visit(page, audit, base, "officer-detail", f"/claims/{returned.pk}/", code)
        _visit(page, audit, base, "officer-item-create", f"/claims/{returned.pk}/items/new/", code)
        expect(page.locator("#id_double_funding_override_reason")).to_be_visible()
        page.fill("#id_document_date", "2001-01-01")
        _submit(page)
        _failed(page, audit, "officer-item-create", code)
        context.close()

        # The auditor reads.
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, w.users["auditor"], code)
        _visit(page, audit, base, "auditor-detail", f"/claims/{returned.pk}/", code)
        _visit(page, audit, base, "auditor-project", f"/projects/{w.project.pk}/", code)
        context.close()
    audit.assert_clean()
