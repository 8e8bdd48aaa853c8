"""An application's journey in Chromium (issue 8): an applicant finds the open
call, starts an application and fills the six steps (a wrong amount is
refused by its field and corrected, the totals follow the typing, a PDF is
uploaded), submits and gets the receipt; then the selection (eligibility,
an evaluator's declaration and scores, the decision) runs and the project
exists with the grant the applicant asked for.

Screenshots: tests.artifacts.SCREENSHOTS / fondas-journey-<nn>-<step>.png.
The measured time is printed."""

import os
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clusters.models import OrganisationType
from core.models import Role
from grants.models import Application, ApplicationStatus, Call, CallStatus, EvaluationCriterion
from grants.services import call_transition
from grants.services.selection import call_decide, conflict_declare, eligibility_decide, evaluator_assign, scores_submit
from tests.artifacts import SCREENSHOTS
from tests.factories import CostCategoryFactory, IndicatorFactory, OrganisationFactory, UserFactory, make_instrument

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

PASSWORD = "fondas-test-password"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def open_call(transactional_db):
    staff = CostCategoryFactory(code="STAFF", name_lt="Darbo užmokestis", name_en="Staff")
    patents = CostCategoryFactory(
        code="PAT", name_lt="Patentai ir licencijos", name_en="Patents and licences", max_share_percent=Decimal("25")
    )
    indicator = IndicatorFactory(code="P.S.001", name_lt="Įmonės, gavusios paramą", name_en="Companies supported")
    instrument = make_instrument(code="KLAST", categories=[staff, patents], indicators={indicator: "10"})
    now = timezone.now()
    call = Call.objects.create(
        instrument=instrument,
        code="KLAST-2026-1",
        title_lt="Klasterių plėtra",
        title_en="Cluster development",
        budget_amount=Decimal("500000.00"),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        selection_method="competitive",
        funding_rate=Decimal("70.00"),
        max_grant_amount=Decimal("100000.00"),
        min_own_contribution_percent=Decimal("30.00"),
        eligible_applicant_types=[OrganisationType.SME],
        quality_threshold=Decimal("50.00"),
    )
    EvaluationCriterion.objects.create(call=call, code="K1", name_lt="Aktualumas", weight=Decimal("60"), max_score=10)
    EvaluationCriterion.objects.create(call=call, code="K2", name_lt="Poveikis", weight=Decimal("40"), max_score=10)
    call_transition(actor=None, call=call, to_status=CallStatus.OPEN)
    return call


def _shot(page: Page, number: int, step: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"fondas-journey-{number:02d}-{step}.png"), full_page=True)


def _log_in(page: Page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")


def test_an_applicant_applies_and_the_project_is_contracted(page: Page, live_server, open_call, tmp_path):
    started = time.monotonic()
    organisation = OrganisationFactory(name="UAB Bandomoji gamykla", organisation_type=OrganisationType.SME)
    applicant = UserFactory(role=Role.APPLICANT, organisation=organisation, username="pareiskejas")
    _log_in(page, live_server, applicant)

    # The open calls and the call's page.
    page.goto(f"{live_server.url}/calls/")
    page.get_by_role("link", name="Klasterių plėtra").click()
    expect(page.locator("#call-facts")).to_contain_text("100 000,00 €")
    _shot(page, 1, "call")
    page.click("form[action$='/apply/'] button[type=submit]")

    # Step 1: the project.
    expect(page.locator("nav.steps [aria-current=step]")).to_have_count(1)
    start = timezone.localdate() + timedelta(days=30)
    page.fill("#id_title", "Skaitmeninis gamybos dvynys")
    page.fill("#id_summary", "Gamybos linijos skaitmeninis dvynys klasterio įmonėms.")
    page.fill("#id_start_date", start.isoformat())
    page.fill("#id_end_date", (start + timedelta(days=365)).isoformat())
    _shot(page, 2, "project")
    page.click("button[value=continue]")

    # Step 2: partners (none to choose here).
    expect(page.locator("h1")).to_contain_text("2")
    _shot(page, 3, "partners")
    page.click("button[value=continue]")

    # Step 3: a wrong amount is refused by its field and shown back, then corrected.
    page.fill("#id_budget_STAFF", "12,345")
    page.click("button[value=continue]")
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id_budget_STAFF")).to_have_value("12,345")
    expect(page.locator("#id_budget_STAFF")).to_have_attribute("aria-invalid", "true")
    _shot(page, 4, "budget-error")
    page.fill("#id_budget_STAFF", "")
    page.locator("#id_budget_STAFF").press_sequentially("60 000,00")
    page.locator("#id_budget_PAT").press_sequentially("10 000,00")
    # The live totals: 70 000,00 eligible, 49 000,00 grant, 21 000,00 own contribution.
    expect(page.locator("[data-total=eligible]")).to_have_text("70 000,00 €")
    expect(page.locator("[data-total=grant]")).to_have_text("49 000,00 €")
    expect(page.locator("[data-total=own]")).to_have_text("21 000,00 €")
    expect(page.locator("[data-live]")).to_contain_text("49 000,00 €", timeout=5000)
    _shot(page, 5, "budget-totals")
    page.click("button[value=continue]")

    # Step 4: indicator targets.
    page.fill("#id_target_P\\.S\\.001", "3")
    _shot(page, 6, "indicators")
    page.click("button[value=continue]")

    # Step 5: an upload.
    plan = tmp_path / "verslo-planas.pdf"
    plan.write_bytes(PDF)
    page.set_input_files("#id_file", str(plan))
    page.click("button[value=upload]")
    expect(page.locator("#attachments")).to_contain_text("verslo-planas.pdf")
    _shot(page, 7, "attachments")
    page.click("a[href$='/step/6/']:not(nav a)")

    # Step 6: declarations, then the review.
    page.fill("#id_de_minimis_received", "0")
    page.check("#id_declares_no_double_funding")
    page.check("#id_declares_data_accurate")
    _shot(page, 8, "declarations")
    page.click("button[value=continue]")
    expect(page.locator("[data-col=grant_requested]")).to_have_text("49 000,00 €")
    _shot(page, 9, "review")

    # Submit: the receipt.
    page.click("form[action$='/submit/'] button[type=submit]")
    expect(page.locator("[data-col=number]")).to_have_text("KLAST-2026-1-00001")
    _shot(page, 10, "receipt")
    page.goto(f"{live_server.url}/applications/")
    expect(page.locator("#applications tbody tr")).to_have_count(1)
    _shot(page, 11, "my-applications")

    # The selection, through the services (see the report: the officer's and
    # evaluator's pages are driven by their own browser tests).
    application = Application.objects.get(number="KLAST-2026-1-00001")
    officer = UserFactory(role=Role.OFFICER)
    evaluator = UserFactory(role=Role.EVALUATOR)
    eligibility_decide(actor=officer, application=application, eligible=True, checklist={"applicant_type": True})
    assignment = evaluator_assign(actor=officer, application=application, evaluator=evaluator)
    conflict_declare(actor=evaluator, assignment=assignment, has_conflict=False)
    criteria = {c.code: c for c in open_call.criteria.all()}
    scores_submit(
        actor=evaluator,
        assignment=assignment,
        scores={criteria["K1"]: (Decimal("8"), "Aktualus."), criteria["K2"]: (Decimal("7"), "Geras poveikis.")},
    )
    call_transition(actor=officer, call=open_call, to_status=CallStatus.CLOSED)
    call_decide(actor=officer, call=open_call, reasons="Finansuojama pagal surinktus balus.")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    assert application.project is not None
    assert application.project.grant_amount == Decimal("49000.00")

    # The applicant sees the decision and the project.
    page.goto(f"{live_server.url}/applications/{application.pk}/")
    expect(page.locator("main")).to_contain_text(application.project.code)
    _shot(page, 12, "approved")
    print(f"\napplication journey: {time.monotonic() - started:.1f} s")
