"""The whole selection journey in Chromium (issue 8, "A browser test"), every
step through Fondas's pages, in English (the language switcher):

1. a visitor signs up, opens the confirmation link from the e-mail, confirms
   and lands on "your organisation";
2. registers the organisation (an SME with a valid company code);
3. finds the open call and fills the six steps: a wrong amount is refused by its
   field and corrected, the totals follow the typing, a PDF is uploaded; submits
   and gets the receipt;
4. an officer logs in, starts the eligibility check, ticks the checklist, marks
   the application eligible and assigns the evaluator;
5. the evaluator declares no conflict of interest and scores every criterion
   with a comment;
6. the officer closes the call and takes the decision with its reasons: the
   project exists with the grant the applicant asked for, in the database and
   on its page.

Screenshots: tests.artifacts.SCREENSHOTS / fondas-journey-<nn>-<step>.png.
The measured time of the browser part is printed, in total and by actor."""

import os
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from clusters.models import Organisation, OrganisationType
from core.models import AuditEvent, Role, User
from grants.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    CallStatus,
    EvaluationCriterion,
    EvaluatorAssignment,
)
from grants.services import call_transition
from tests.artifacts import SCREENSHOTS
from tests.factories import CostCategoryFactory, IndicatorFactory, UserFactory, make_instrument

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

PASSWORD = "fondas-test-password"  # the factories' password of the officer and the evaluator
APPLICANT_PASSWORD = "Saugus-Slaptazodis-2026"
APPLICANT_EMAIL = "ona.petraitiene@example.lt"
COMPANY_CODE = "302345674"  # a valid Lithuanian company code (its last digit is the check digit)
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


class Shots:
    """Numbered full-page screenshots: fondas-journey-<nn>-<step>.png. Those of
    an earlier run go first, so the folder shows this run's steps only."""

    def __init__(self, page: Page):
        self.page = page
        self.number = 0
        for old in SCREENSHOTS.glob("fondas-journey-*.png"):
            old.unlink(missing_ok=True)

    def __call__(self, step: str) -> None:
        self.number += 1
        path = SCREENSHOTS / f"fondas-journey-{self.number:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)


def _expect_path(page: Page, live_server, pattern: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(live_server.url) + pattern + r"(#content)?$"))


def _log_in(page: Page, live_server, user, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    _expect_path(page, live_server, "/")
    expect(page.locator(".who")).to_contain_text(user.get_full_name())


def _log_out(page: Page, live_server) -> None:
    page.get_by_role("banner").get_by_role("button", name="Log out").click()
    _expect_path(page, live_server, "/accounts/login/")


def test_an_applicant_signs_up_applies_and_the_project_is_contracted(
    page: Page, live_server, open_call, mailoutbox, tmp_path
):
    base = live_server.url
    shot = Shots(page)
    page.set_default_timeout(15_000)
    officer = UserFactory(role=Role.OFFICER, username="specialiste", first_name="Rasa", last_name="Vaitkutė")
    evaluator = UserFactory(role=Role.EVALUATOR, username="vertintojas", first_name="Jonas", last_name="Kazlauskas")
    times: dict[str, float] = {}
    started = lap = time.monotonic()

    def timed(part: str) -> None:
        nonlocal lap
        now = time.monotonic()
        times[part] = now - lap
        lap = now

    # 1. Sign-up, in English (the switcher), and the confirmation link from the e-mail.
    page.goto(f"{base}/accounts/signup/")
    page.locator(".language-switch").get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    page.get_by_label("First name").fill("Ona")
    page.get_by_label("Last name").fill("Petraitienė")
    page.get_by_label("Email").fill(APPLICANT_EMAIL)
    page.get_by_label(re.compile(r"^Password(?! \(again\))")).fill(APPLICANT_PASSWORD)
    page.get_by_label("Password (again)").fill(APPLICANT_PASSWORD)
    shot("signup")
    page.get_by_role("main").get_by_role("button", name="Create an account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your e-mail address")
    shot("confirmation-sent")

    messages = [m for m in mailoutbox if APPLICANT_EMAIL in m.to]
    assert len(messages) == 1, [m.subject for m in mailoutbox]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", messages[0].body)
    assert link, messages[0].body
    page.goto(link.group(0))
    expect(page.get_by_role("main")).to_contain_text(f"Confirm that {APPLICANT_EMAIL} is your e-mail address")
    shot("confirm-email")
    page.get_by_role("main").get_by_role("button", name="Confirm").click()
    _expect_path(page, live_server, "/organisation/start/")
    expect(page.locator(".who")).to_contain_text("Ona Petraitienė")
    shot("organisation-start")
    timed("sign-up")

    # 2. The organisation: an SME with a valid company code.
    page.get_by_role("link", name="Register your organisation").click()
    page.get_by_label("Name of the organisation").fill("UAB „Bandomoji gamykla“")
    page.get_by_label("Company code").fill(COMPANY_CODE)
    page.get_by_label("Organisation type").select_option(label="SME")
    page.get_by_label("The organisation is a small or medium-sized enterprise (SME)").check()
    page.get_by_label("Region").select_option(label="Kaunas")
    page.get_by_label("Sector").fill("Pramonės automatizavimas")
    shot("organisation-form")
    page.get_by_role("button", name="Register the organisation").click()
    _expect_path(page, live_server, "/organisation/")
    expect(page.get_by_role("main")).to_contain_text(COMPANY_CODE)
    shot("organisation")
    organisation = Organisation.objects.get(legal_code=COMPANY_CODE)
    assert organisation.organisation_type == OrganisationType.SME and organisation.is_sme
    timed("organisation")

    # 3. The open calls, the call's page, "Start an application".
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calls").click()
    page.get_by_role("link", name="Cluster development").click()
    expect(page.locator("#call-facts")).to_contain_text("€100,000.00")
    shot("call")
    page.get_by_role("button", name="Start an application").click()

    # Step 1: the project.
    expect(page.locator("nav.steps [aria-current=step]")).to_have_count(1)
    start = timezone.localdate() + timedelta(days=30)
    page.get_by_label("Project title").fill("Skaitmeninis gamybos dvynys")
    page.get_by_label("Summary").fill("Gamybos linijos skaitmeninis dvynys klasterio įmonėms.")
    page.locator("#id_start_date").fill(start.isoformat())
    page.locator("#id_end_date").fill((start + timedelta(days=365)).isoformat())
    shot("step-1-project")
    page.get_by_role("button", name="Save and continue").click()

    # Step 2: partners (none to choose here).
    expect(page.get_by_role("heading", level=1)).to_contain_text("Step 2 of 6")
    shot("step-2-partners")
    page.get_by_role("button", name="Save and continue").click()

    # Step 3: a wrong amount (three decimals) is refused by its field and shown back, then corrected.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Step 3 of 6")
    staff, patents = page.locator("#id_budget_STAFF"), page.locator("#id_budget_PAT")
    staff.fill("12.345")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(staff).to_have_value("12.345")
    expect(staff).to_have_attribute("aria-invalid", "true")
    shot("step-3-budget-error")
    staff.fill("")
    staff.press_sequentially("60,000.00")
    patents.press_sequentially("10,000.00")
    # The live totals: 70,000.00 eligible, 49,000.00 grant, 21,000.00 own contribution.
    expect(page.locator("[data-total=eligible]")).to_have_text("€70,000.00")
    expect(page.locator("[data-total=grant]")).to_have_text("€49,000.00")
    expect(page.locator("[data-total=own]")).to_have_text("€21,000.00")
    expect(page.locator("[data-live]")).to_contain_text("€49,000.00", timeout=5000)
    shot("step-3-budget-totals")
    page.get_by_role("button", name="Save and continue").click()

    # Step 4: indicator targets.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Step 4 of 6")
    page.locator("#id_target_P\\.S\\.001").fill("3")
    shot("step-4-indicators")
    page.get_by_role("button", name="Save and continue").click()

    # Step 5: an upload.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Step 5 of 6")
    plan = tmp_path / "verslo-planas.pdf"
    plan.write_bytes(PDF)
    page.locator("#id_file").set_input_files(str(plan))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#attachments")).to_contain_text("verslo-planas.pdf")
    shot("step-5-attachments")
    page.get_by_role("link", name="Continue to the declarations").click()

    # Step 6: declarations, then the review.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Step 6 of 6")
    page.locator("#id_de_minimis_received").fill("0")
    page.locator("#id_declares_no_double_funding").check()
    page.locator("#id_declares_data_accurate").check()
    shot("step-6-declarations")
    page.get_by_role("button", name="Save and review").click()
    expect(page.locator("[data-col=grant_requested]")).to_have_text("€49,000.00")
    shot("review")

    # Submit: the receipt.
    page.get_by_role("button", name="Submit the application").click()
    expect(page.locator("[data-col=number]")).to_have_text("KLAST-2026-1-00001")
    shot("receipt")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My applications").click()
    expect(page.locator("#applications tbody tr")).to_have_count(1)
    shot("my-applications")
    application = Application.objects.get(number="KLAST-2026-1-00001")
    assert application.applicant == organisation and application.status == ApplicationStatus.SUBMITTED
    assert application.attachments.count() == 1
    _log_out(page, live_server)
    timed("application")

    # 4. The officer: the call, its applications, the application; eligibility; the evaluator.
    _log_in(page, live_server, officer)
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the switcher's cookie stays
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Calls").click()
    page.get_by_role("link", name="KLAST-2026-1").click()
    page.get_by_role("navigation", name="Pages of call KLAST-2026-1").get_by_role("link", name="Applications").click()
    expect(page.locator("#applications tbody tr")).to_have_count(1)
    shot("officer-applications")
    page.get_by_role("link", name="KLAST-2026-1-00001").click()
    expect(page.locator("[data-col=status]").first).to_have_text("Submitted")
    shot("officer-application")
    page.get_by_role("button", name="Start the eligibility check").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eligibility of KLAST-2026-1-00001")
    for condition in (
        "The applicant's type is eligible in this call",
        "Submitted before the call's deadline",
        "The declarations are complete",
        "The grant requested is within the maximum and the own contribution is sufficient",
    ):
        page.get_by_label(condition).check()
    page.get_by_label("Eligible: goes to evaluation").check()
    shot("officer-eligibility")
    page.get_by_role("button", name="Record the verdict").click()
    expect(page.locator("#selection-facts [data-col=status]")).to_have_text("Under evaluation")
    page.get_by_role("combobox", name="Evaluator").select_option(label="Jonas Kazlauskas (vertintojas)")
    page.get_by_role("button", name="Assign").click()
    expect(page.locator("#assignments tr[data-evaluator=vertintojas]")).to_have_count(1)
    shot("officer-evaluator-assigned")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_EVALUATION
    verdict = AuditEvent.objects.get(
        object_type="grants.application", object_id=str(application.pk), new_values__status="under_evaluation"
    )
    assert verdict.actor == officer
    assert verdict.new_values["checklist"] == {
        "applicant_type": True,
        "deadline_met": True,
        "declarations": True,
        "budget_within_maximum": True,
    }
    _log_out(page, live_server)
    timed("officer: eligibility")

    # 5. The evaluator: the declaration, then a score and a comment for every criterion.
    _log_in(page, live_server, evaluator)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My evaluations").click()
    expect(page.locator("#evaluations tbody tr")).to_have_count(1)
    shot("evaluations")
    page.get_by_role("link", name="KLAST-2026-1-00001").click()
    page.get_by_label("I have no conflict of interest with this application or its applicant").check()
    shot("evaluator-declaration")
    page.get_by_role("button", name="Submit the declaration").click()
    expect(page.get_by_role("heading", name="Scores")).to_be_visible()
    page.get_by_label("Score for K1").fill("8")
    page.get_by_label("Comment on K1").fill("Aktualus klasterio įmonėms.")
    page.get_by_label("Score for K2").fill("7")
    page.get_by_label("Comment on K2").fill("Geras poveikis gamybai.")
    shot("evaluator-scores")
    page.get_by_role("button", name="Submit the scores").click()
    # Back on the list: 8 × 60 % + 7 × 40 % of 10 points is 76 of 100.
    scored = page.locator("#evaluations tr[data-number='KLAST-2026-1-00001']")
    expect(scored.locator("[data-col=status]")).to_have_text("Completed")
    expect(scored.locator("[data-col=score]")).to_have_text("76")
    shot("evaluator-scored")
    assignment = EvaluatorAssignment.objects.get(application=application, evaluator=evaluator)
    assert assignment.status == AssignmentStatus.COMPLETED
    assert sorted(assignment.scores.values_list("comment", flat=True)) == [
        "Aktualus klasterio įmonėms.",
        "Geras poveikis gamybai.",
    ]
    _log_out(page, live_server)
    timed("evaluator")

    # 6. The officer: the call is closed first (a decision refuses an open call), then the decision.
    _log_in(page, live_server, officer)
    page.goto(f"{base}/manage/calls/{open_call.pk}/ranking/")
    expect(page.get_by_role("main")).to_contain_text("Close the call before deciding on it.")
    page.get_by_role("navigation", name="Pages of call KLAST-2026-1").get_by_role("link", name="Call details").click()
    page.get_by_role("button", name="Close the call").click()
    expect(page.locator("#call-facts [data-col=status]")).to_have_text("Closed")
    shot("officer-call-closed")
    page.get_by_role("navigation", name="Pages of call KLAST-2026-1").get_by_role(
        "link", name="Ranking and decision"
    ).click()
    ranked = page.locator("table[id^=ranking-] tbody tr")
    expect(ranked).to_have_count(1)
    expect(ranked.first).to_contain_text("KLAST-2026-1-00001")
    expect(ranked.first).to_contain_text("€49,000.00")
    shot("officer-ranking")
    page.get_by_label("Reasons for the decision").fill("Finansuojama pagal surinktus balus; biudžeto pakanka.")
    page.get_by_role("button", name="Take the decision").click()
    expect(page.locator("#decision [data-col=reasons]")).to_contain_text("Finansuojama pagal surinktus balus")
    shot("officer-decision")

    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED
    project = application.project
    assert project is not None
    assert project.grant_amount == Decimal("49000.00")

    # The project's page, from the application's.
    page.goto(f"{base}/manage/applications/{application.pk}/")
    page.get_by_role("link", name=project.code).click()
    _expect_path(page, live_server, f"/projects/{project.pk}/")
    expect(page.locator("[data-col=grant_amount]")).to_have_text("€49,000.00")
    shot("project")
    _log_out(page, live_server)
    timed("officer: decision")

    # The applicant (logging in with the e-mail address) sees the decision and the project.
    applicant = User.objects.get(email=APPLICANT_EMAIL)
    assert applicant.role == Role.APPLICANT
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(APPLICANT_EMAIL)
    page.get_by_label("Password").fill(APPLICANT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    _expect_path(page, live_server, "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My applications").click()
    expect(page.locator("#applications tbody tr").first).to_contain_text("Approved")
    page.goto(f"{base}/applications/{application.pk}/")
    expect(page.get_by_role("link", name=f"Project {project.code}")).to_be_visible()
    shot("applicant-approved")
    timed("applicant: the outcome")

    total = time.monotonic() - started
    parts = ", ".join(f"{part} {seconds:.1f} s" for part, seconds in times.items())
    print(f"\napplication journey in the browser: {total:.1f} s ({parts})")
