"""One payment claim from draft to paid in Chromium (issue 9), every step
through Fondas's pages, in English (the language switcher):

1. the beneficiary logs in, creates a claim for its project, adds an
   expenditure item with a PDF upload, enters an indicator value and submits;
2. the officer opens the queue, starts the verification, accepts less than
   the claimed amount with a reason and an explanation, and returns the claim
   with a question;
3. the beneficiary answers and submits again;
4. the officer verifies the item, sees the payable amount, approves and pays;
5. the beneficiary sees the claim paid.

Screenshots: tests.artifacts.SCREENSHOTS / fondas-claim-<nn>-<step>.png.
The measured time of the browser part is printed, in total and by actor."""

import os
import re
import time
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.models import Role
from grants.models import ClaimStatus, PaymentClaim, ProjectStatus
from grants.services.projects import indicator_target_set, project_transition
from tests.artifacts import SCREENSHOTS
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

PASSWORD = "fondas-test-password"  # the factories' password
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def claim_world(transactional_db):
    """A project in implementation (2024–2026, 70 % funding) with a staff
    line and an indicator target; its beneficiary's user and an officer."""
    staff = CostCategoryFactory(code="DU", name_lt="Darbo užmokestis", name_en="Staff")
    equipment = CostCategoryFactory(code="IR", name_lt="Įranga", name_en="Equipment")
    indicator = IndicatorFactory(code="P.S.361", name_lt="Įmonės, gavusios paramą", name_en="Companies supported")
    instrument = make_instrument(code="KLAST", categories=[staff, equipment], indicators={indicator: "10"})
    organisation = OrganisationFactory(name="UAB „Klasterio branduolys“")
    project = make_project(
        instrument, beneficiary=organisation, code="KLAST-01", lines={"DU": "20000.00", "IR": "10000.00"}
    )
    type(project).objects.filter(pk=project.pk).update(
        start_date=date(2024, 1, 1), end_date=date(2026, 12, 31), title="Klasterio skaitmeninimas"
    )
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    indicator_target_set(actor=None, project=project, indicator=indicator, target_value=Decimal("5"))
    beneficiary = UserFactory(
        role=Role.APPLICANT, organisation=organisation, username="vykdytoja", first_name="Ona", last_name="Jonaitė"
    )
    officer = UserFactory(role=Role.OFFICER, username="tikrintoja", first_name="Rasa", last_name="Vaitkutė")
    return {"project": project, "beneficiary": beneficiary, "officer": officer, "indicator": indicator}


class Shots:
    """Numbered full-page screenshots: fondas-claim-<nn>-<step>.png. Those of
    an earlier run go first, so the folder shows this run's steps only."""

    def __init__(self, page: Page):
        self.page = page
        self.number = 0
        for old in SCREENSHOTS.glob("fondas-claim-*.png"):
            old.unlink(missing_ok=True)

    def __call__(self, step: str) -> None:
        self.number += 1
        self.page.screenshot(path=str(SCREENSHOTS / f"fondas-claim-{self.number:02d}-{step}.png"), full_page=True)


def _log_in(page: Page, base: str, user) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page.locator(".who")).to_contain_text(user.get_full_name())


def _log_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_a_claim_goes_from_draft_to_paid_through_the_pages(page: Page, live_server, claim_world, tmp_path):
    base = live_server.url
    world = claim_world
    shot = Shots(page)
    page.set_default_timeout(15_000)
    times: dict[str, float] = {}
    started = lap = time.monotonic()

    def timed(part: str) -> None:
        nonlocal lap
        now = time.monotonic()
        times[part] = times.get(part, 0.0) + now - lap
        lap = now

    # 1. The beneficiary, in English: a new claim for its project.
    page.goto(f"{base}/accounts/login/")
    page.locator(".language-switch").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _log_in(page, base, world["beneficiary"])
    page.goto(f"{base}/claims/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My payment claims")
    shot("my-claims")
    page.get_by_role("link", name="New claim for project KLAST-01").click()
    page.locator("#id_period_start").fill("2024-01-01")
    page.locator("#id_period_end").fill("2024-06-30")
    shot("new-claim")
    page.get_by_role("button", name="Create the draft claim").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment claim KLAST-01-MP1")
    claim = PaymentClaim.objects.get(project=world["project"])

    # An expenditure item with its supporting document (a PDF upload).
    page.get_by_role("link", name="Add an expenditure item").first.click()
    page.locator("#id_budget_line").select_option(index=1)
    page.locator("#id_supplier_name").fill("UAB „Duomenų sprendimai“")
    page.locator("#id_supplier_code").fill("304 567 890")
    page.locator("#id_document_number").fill("DS-2024-017")
    page.locator("#id_document_date").fill("2024-03-15")
    page.locator("#id_amount_excl_vat").fill("1,000.00")
    page.locator("#id_vat_amount").fill("210.00")
    invoice = tmp_path / "saskaita-DS-2024-017.pdf"
    invoice.write_bytes(PDF)
    page.locator("#id_document").set_input_files(str(invoice))
    shot("item-form")
    page.get_by_role("button", name="Save the item").click()
    expect(page.locator("#items")).to_contain_text("DS-2024-017")
    expect(page.locator("#items")).to_contain_text("saskaita-DS-2024-017.pdf")
    expect(page.locator("#items [data-col=claimed_amount]").first).to_have_text("€1,210.00")

    # An indicator value with its evidence.
    page.locator("#claim-indicators").get_by_role("link", name=re.compile("Enter the value")).click()
    page.locator("#id_value").fill("2")
    page.locator("#id_evidence").fill("Dvi klasterio įmonės gavo konsultacijas (sutartys pridėtos).")
    shot("indicator-value")
    page.get_by_role("button", name="Save the value").click()
    expect(page.locator("#claim-indicators [data-col=value]").first).to_have_text("2")
    shot("claim-draft")

    page.get_by_role("button", name="Submit the claim").click()
    expect(page.locator("#claim-facts [data-col=status]")).to_have_text("Submitted")
    shot("claim-submitted")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED and claim.payment_due_on is not None
    _log_out(page)
    timed("beneficiary: draft and submission")

    # 2. The officer: the queue, the verification, an ineligible part, a question.
    _log_in(page, base, world["officer"])
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{base}/manage/claims/")
    row = page.locator("#queue tr[data-claim='KLAST-01-MP1']")
    expect(row.locator("[data-col=days_left]")).to_have_text("80 days left")
    expect(row.locator("[data-col=claimed_total]")).to_have_text("€1,210.00")
    shot("officer-queue")
    row.get_by_role("link", name="KLAST-01-MP1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment claim KLAST-01-MP1")
    page.get_by_role("button", name="Start verification").click()
    expect(page.locator("#claim-facts [data-col=status]")).to_have_text("Under verification")
    item_form = page.locator("form.item-verify").first
    expect(item_form.get_by_label("Eligible amount")).to_have_value("1,210.00")
    # Refused first: an ineligible part without its reason.
    item_form.get_by_label("Eligible amount").fill("1,000.00")
    item_form.get_by_role("button", name=re.compile("Save the verification")).click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary")).to_contain_text("Choose the reason for the ineligible part of €210.00.")
    shot("officer-item-error")
    item_form = page.locator("form.item-verify").first
    expect(item_form.get_by_label("Eligible amount")).to_have_value("1,000.00")
    item_form.get_by_label("Reason for the ineligible part").select_option(label="Recoverable VAT")
    item_form.get_by_label("Explanation of the ineligible part").fill(
        "Vykdytojas yra PVM mokėtojas: PVM susigrąžinamas, todėl netinkamas finansuoti."
    )
    shot("officer-item-verified-form")
    item_form.get_by_role("button", name=re.compile("Save the verification")).click()
    expect(page.locator("#items [data-col=eligible]").first).to_have_text("€1,000.00")
    expect(page.locator("#items [data-col=reason]").first).to_contain_text("Recoverable VAT")
    page.get_by_label("Questions for the beneficiary").fill("Pateikite konsultacijų sutartis su įmonėmis.")
    shot("officer-return")
    page.get_by_role("button", name="Return with these questions").click()
    expect(page.locator("#claim-facts [data-col=status]")).to_have_text("Returned for clarification")
    shot("officer-returned")
    _log_out(page)
    timed("officer: verification and return")

    # 3. The beneficiary answers and submits again.
    _log_in(page, base, world["beneficiary"])
    page.goto(f"{base}/claims/{claim.pk}/")
    expect(page.locator("#claim-facts [data-col=status]")).to_have_text("Returned for clarification")
    expect(page.get_by_role("main")).to_contain_text("Pateikite konsultacijų sutartis su įmonėmis.")
    page.get_by_label("Your response to the questions").fill("Sutartys įkeltos kaip rodiklio įrodymai.")
    shot("beneficiary-answer")
    page.get_by_role("button", name="Submit the claim again").click()
    expect(page.locator("#claim-facts [data-col=status]")).to_have_text("Submitted")
    shot("beneficiary-resubmitted")
    _log_out(page)
    timed("beneficiary: answer")

    # 4. The officer: verification again, the payable amount, approval and payment.
    _log_in(page, base, world["officer"])
    page.goto(f"{base}/manage/claims/{claim.pk}/")
    expect(page.locator("#rounds tr[data-round='2']")).to_contain_text("Sutartys įkeltos kaip rodiklio įrodymai.")
    page.get_by_role("button", name="Start verification").click()
    item_form = page.locator("form.item-verify").first
    # The verification of the first round is kept; saving confirms it for this round.
    expect(item_form.get_by_label("Eligible amount")).to_have_value("1,000.00")
    item_form.get_by_role("button", name=re.compile("Save the verification")).click()
    # 1,000.00 × 70 % = 700.00 (no advance was paid, the grant is not exceeded).
    expect(page.locator("#payable [data-col=eligible]")).to_have_text("€1,000.00")
    expect(page.locator("#payable [data-col=payable]")).to_have_text("€700.00")
    shot("officer-payable")
    page.get_by_label("Note on the approval").fill("Tinkamos išlaidos patikrintos.")
    page.get_by_role("button", name="Approve the claim").click()
    expect(page.locator("#claim-facts [data-col=status]")).to_have_text("Approved")
    expect(page.locator("#claim-facts [data-col=payable_amount]")).to_have_text("€700.00")
    shot("officer-approved")
    page.get_by_label("Paid on").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Record the payment").click()
    expect(page.locator("#claim-facts [data-col=status]")).to_have_text("Paid")
    shot("officer-paid")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert claim.payment.amount == Decimal("700.00")
    assert claim.eligible_amount == Decimal("1000.00")
    _log_out(page)
    timed("officer: approval and payment")

    # 5. The beneficiary sees the claim paid.
    _log_in(page, base, world["beneficiary"])
    page.goto(f"{base}/claims/")
    expect(page.get_by_role("main")).to_contain_text("Paid")
    page.goto(f"{base}/claims/{claim.pk}/")
    expect(page.locator("#claim-facts [data-col=status]")).to_have_text("Paid")
    expect(page.locator("#claim-facts [data-col=payable_amount]")).to_have_text("€700.00")
    shot("beneficiary-paid")
    timed("beneficiary: paid")

    total = time.monotonic() - started
    parts = ", ".join(f"{part} {seconds:.1f} s" for part, seconds in times.items())
    print(f"\nclaim journey in the browser: {total:.1f} s ({parts})")  # noqa: T201 - the figure the issue asks for
