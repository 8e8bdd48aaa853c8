"""The verification record of a payment claim as a report kind
(reports/kinds/claim_verification.py): every item with its claimed and
eligible amounts and the reason for an ineligible part, the totals, the
payable computation, the rounds and who decided; requested from the claim
page; officers, auditors and the claim's own beneficiary may have it, another
organisation's user may not; tagged PDF/A-3a and PDF/UA-1 (veraPDF when there)."""

import os
import re
import subprocess  # noqa: S404 - runs the veraPDF checker on a PDF this test made
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pdfplumber
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from core.errors import ApplicationError
from core.models import Role
from grants.models import ClaimStatus
from grants.services import claims as svc
from reports import documents
from reports.forms import ReportRequestForm
from reports.kinds import get_kind
from reports.models import ReportJob
from reports.services.jobs import report_job_request
from tests.factories import OrganisationFactory, UserFactory
from tests.grants.verification_fixtures import make_claim, verify_world

pytestmark = pytest.mark.django_db

REPORT_ID = "7c8d9e0f-0000-4000-8000-00000000abcd"
VERAPDF = Path(settings.BASE_DIR).parent / "shared" / "tools" / "verapdf" / "check"


def text_of(content: bytes) -> str:
    with pdfplumber.open(BytesIO(content)) as pdf:
        return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pdf.pages))


def render(claim, language: str) -> bytes:
    params = documents.validate_params("claim_verification", {"claim_id": claim.pk, "language": language})
    return documents.render_report(
        kind="claim_verification", params=params, report_id=REPORT_ID, as_of=timezone.now()
    ).content


@pytest.fixture
def world():
    world = verify_world(code="VRF-9")
    world.officer.first_name, world.officer.last_name = "Rūta", "Žemaitė"
    world.officer.save()
    return world


@pytest.fixture
def approved_claim(world):
    """Three items: one eligible in full, one in part (procurement), one not
    at all (not in the budget); returned once with a question, answered,
    then approved."""
    claim = make_claim(
        world,
        status=ClaimStatus.UNDER_VERIFICATION,
        items=[
            {"document_number": "KONS-001", "supplier_name": "UAB Konsultacijos"},
            {"document_number": "IRA-002", "supplier_name": "UAB Įranga", "budget_line": world.equipment_line},
            {"document_number": "KEL-003", "supplier_name": "UAB Kelionės", "amount_excl_vat": Decimal("500.00")},
        ],
    )
    full, part, none = claim.items.order_by("pk")
    svc.claim_return(actor=world.officer, claim=claim, version=claim.version, reason="Kur pirkimo dokumentai?")
    claim.refresh_from_db()
    svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version, response="Pridėjome protokolą.")
    svc.claim_verification_start(actor=world.officer, claim=claim)
    for item, eligible, reason, note in (
        (full, full.claimed_amount, "", ""),
        (part, Decimal("800.00"), "procurement", "Pirkimas be apklausos viršijo ribą."),
        (none, Decimal("0.00"), "not_in_budget", "Kelionės nenumatytos biudžete."),
    ):
        item.refresh_from_db()
        svc.item_verify(
            actor=world.officer,
            item=item,
            version=item.version,
            eligible_amount=eligible,
            ineligibility_reason=reason,
            ineligibility_note=note,
        )
    claim.refresh_from_db()
    return svc.claim_approve(actor=world.officer, claim=claim, version=claim.version, note="Patvirtinta iš dalies.")


def test_the_record_lists_every_item_its_eligible_amount_and_reason(approved_claim):
    content = render(approved_claim, "en")
    text = text_of(content)

    assert "Verification record of a payment claim" in text
    assert "VRF-9-MP1" in text
    for number in ("KONS-001", "IRA-002", "KEL-003"):
        assert number in text
    # Claimed 1,000.00 + 210.00 VAT (not recoverable) for the first two, 500.00 + 210.00 for the third.
    assert re.search(r"UAB Konsultacijos .*?€1,210.00 €1,210.00 €0.00", text)
    assert re.search(r"UAB Įranga .*?€1,210.00 €800.00 €410.00 Procurement rules not", text)
    assert "Pirkimas be apklausos viršijo ribą." in text
    assert re.search(r"UAB Kelionės .*?€710.00 €0.00 €710.00 Not provided for in the", text)
    assert "Kelionės nenumatytos biudžete." in text
    # Totals and the payable computation: 2,010.00 × 70 % = 1,407.00, no advance to offset.
    assert re.search(r"Total, 3 items €3,130.00 €2,010.00", text)
    assert re.search(r"Eligible expenditure €2,010.00", text)
    assert re.search(r"× funding rate of the agreement \(70(\.0+)? ?%\) €1,407.00", text)
    assert re.search(r"Payable €1,407.00", text)
    # The rounds, the decision and who verified.
    assert "Kur pirkimo dokumentai?" in text and "Pridėjome protokolą." in text
    assert "Patvirtinta iš dalies." in text
    assert "Rūta Žemaitė" in text

    root = PdfReader(BytesIO(content)).trailer["/Root"]
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root


def test_the_record_in_lithuanian_before_the_decision_shows_the_payable_preview(world):
    claim = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION, items=[{"document_number": "A-1"}, {}])
    first = claim.items.order_by("pk").first()
    svc.item_verify(
        actor=world.officer,
        item=first,
        version=first.version,
        eligible_amount=Decimal("1000.00"),
        ineligibility_reason="recoverable_vat",
        ineligibility_note="PVM susigrąžinamas.",
    )
    content = render(claim, "lt")
    text = text_of(content)
    assert PdfReader(BytesIO(content)).trailer["/Root"]["/Lang"] == "lt"
    assert "1 000,00 €" in text and "700,00 €" in text  # 1,000.00 × 70 %; the other item not verified yet
    assert "PVM susigrąžinamas." in text


def test_officers_auditors_and_the_beneficiary_may_request_it_another_organisation_may_not(world, approved_claim):
    params = {"claim_id": approved_claim.pk, "language": "en"}
    for user in (world.officer, UserFactory(role=Role.AUDITOR), world.beneficiary):
        job = report_job_request(actor=user, kind="claim_verification", params=params)
        assert job.title.startswith("Verification record of a payment claim — VRF-9-MP1")
    stranger = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    with pytest.raises(PermissionDenied):
        report_job_request(actor=stranger, kind="claim_verification", params=params)
    with pytest.raises(PermissionDenied):
        report_job_request(actor=UserFactory(role=Role.EVALUATOR), kind="claim_verification", params=params)
    assert ReportJob.objects.filter(kind="claim_verification").count() == 3


def test_an_applicant_of_another_organisation_cannot_request_it_through_the_form(client, world, approved_claim):
    stranger = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    client.force_login(stranger)
    response = client.post(
        reverse("reports:job-create"), {"kind": "claim_verification", "claim_id": approved_claim.pk, "language": "en"}
    )
    assert response.status_code == 200  # the form again, with the error by the claim
    assert not ReportJob.objects.exists()
    assert client.get(reverse("verification:claim-record", args=[approved_claim.pk])).status_code == 404


def test_the_claim_page_requests_it_and_lands_on_the_reports_list(client, world, approved_claim):
    client.force_login(world.officer)
    page = client.get(reverse("verification:claim-verify", args=[approved_claim.pk])).content.decode()
    # The page's form posts these fields to the reports; send what it would.
    fields = dict(re.findall(r'<input type="hidden" name="(kind|claim_id|language)" value="([^"]*)">', page))
    assert fields == {"kind": "claim_verification", "claim_id": str(approved_claim.pk), "language": "lt"}
    response = client.post(reverse("reports:job-create"), fields)
    assert response.status_code == 302 and response.url == reverse("reports:job-list")
    job = ReportJob.objects.get(kind="claim_verification")
    assert job.params == {"claim_id": approved_claim.pk, "language": "lt"}
    assert job.requested_by == world.officer
    # claim-record: the request form, filled in for this claim.
    response = client.get(reverse("verification:claim-record", args=[approved_claim.pk]))
    assert response.status_code == 303
    assert response.url == f"{reverse('reports:job-create')}?kind=claim_verification&claim_id={approved_claim.pk}"


def test_the_claim_must_exist(db):
    with pytest.raises(ApplicationError) as error:
        documents.validate_params("claim_verification", {"claim_id": 987654})
    assert error.value.field == "claim_id"
    with pytest.raises(ApplicationError) as error:
        documents.validate_params("claim_verification", {"claim_id": 1, "other": 2})
    assert error.value.field == "other"


def test_file_name(approved_claim):
    params = {"claim_id": approved_claim.pk, "language": "en"}
    assert get_kind("claim_verification").file_stem(params) == "claim-verification-vrf-9-mp1"


@pytest.mark.skipif(
    not os.access(VERAPDF, os.X_OK), reason=f"veraPDF is not installed at {VERAPDF} (CI has it): not validated"
)
def test_verapdf_passes_the_record_as_pdf_a_3a_and_pdf_ua_1(approved_claim, tmp_path):
    path = tmp_path / "claim-verification.pdf"
    path.write_bytes(render(approved_claim, "lt"))
    for flavour in ("3a", "ua1"):
        result = subprocess.run(  # noqa: S603 - a fixed tool on a file this test wrote
            [str(VERAPDF), f"--flavour={flavour}", str(path)], capture_output=True, text=True, timeout=300, check=False
        )
        verdicts = re.findall(r"^=== (\S+) flavour=(\S+) compliant=(\w+)", result.stdout, re.MULTILINE)
        assert verdicts and all(compliant == "true" for _, _, compliant in verdicts), result.stdout + result.stderr
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_request_form_offers_an_applicant_its_own_claims_only(world, approved_claim):
    other = verify_world()
    foreign = make_claim(other, status=ClaimStatus.SUBMITTED)
    choices = ReportRequestForm(user=world.beneficiary).fields["claim_id"].queryset
    assert list(choices) == [approved_claim]
    officer_choices = ReportRequestForm(user=world.officer).fields["claim_id"].queryset
    assert {approved_claim, foreign} <= set(officer_choices)


def test_the_beneficiary_sees_its_own_record_in_the_reports_list(client, world, approved_claim):
    job = report_job_request(
        actor=world.beneficiary, kind="claim_verification", params={"claim_id": approved_claim.pk, "language": "en"}
    )
    client.force_login(world.beneficiary)
    assert str(job.pk) in client.get(reverse("reports:job-list")).content.decode()
    stranger = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    client.force_login(stranger)
    assert str(job.pk) not in client.get(reverse("reports:job-list")).content.decode()
