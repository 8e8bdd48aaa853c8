"""The receipt PDF of a submitted application (reports/receipts.py): its
content (number, Vilnius time, call, applicant, title, amounts, attachments
with SHA-256) in the applicant's language, a tagged PDF/A, and who may have it
(404 for anyone who may not see the application, on the pages and the API)."""

import hashlib
import re
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader
from rest_framework.test import APIRequestFactory, force_authenticate

from core.models import Role
from grants.models import (
    Application,
    ApplicationAttachment,
    ApplicationStatus,
    AssignmentStatus,
    Call,
    CallStatus,
    EvaluatorAssignment,
)
from reports.receipts import receipt_pdf
from reports.views_receipts import ApplicationReceiptApi
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VILNIUS = ZoneInfo("Europe/Vilnius")
UTC = ZoneInfo("UTC")
PDF_BYTES = b"%PDF-1.4\n% a small test file\n"


def text_of(content: bytes) -> str:
    with pdfplumber.open(BytesIO(content)) as pdf:
        return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pdf.pages))


def make_call(instrument, code="KV-01") -> Call:
    return Call.objects.create(
        instrument=instrument,
        code=code,
        title_lt="Klasterių plėtros kvietimas",
        title_en="Cluster development call",
        budget_amount=Decimal("500000.00"),
        opens_at=datetime(2026, 1, 5, 9, tzinfo=VILNIUS),
        closes_at=datetime(2026, 10, 25, 3, 59, 59, tzinfo=VILNIUS),
        selection_method="competitive",
        status=CallStatus.OPEN,
        funding_rate=Decimal("70.00"),
        max_grant_amount=Decimal("200000.00"),
        min_own_contribution_percent=Decimal("30.00"),
        eligible_applicant_types=["sme"],
        quality_threshold=Decimal("50.00"),
    )


def make_submitted(call, organisation, user, *, number="KV-01-00001", attachments=True) -> Application:
    application = Application.objects.create(
        call=call,
        applicant=organisation,
        created_by=user,
        status=ApplicationStatus.SUBMITTED,
        number=number,
        # 2026-07-14 09:30:05 UTC is 12:30:05 in Vilnius (summer time, EEST).
        submitted_at=datetime(2026, 7, 14, 9, 30, 5, tzinfo=UTC),
        title="Žaliojo vandenilio klasterio plėtra",
        summary="Santrauka",
        start_date=datetime(2026, 9, 1).date(),
        end_date=datetime(2028, 8, 31).date(),
        eligible_cost=Decimal("123456.78"),
        grant_requested=Decimal("86419.75"),
        own_contribution=Decimal("37037.03"),
        de_minimis_received=Decimal("15000.00"),
        declares_no_double_funding=True,
        declares_data_accurate=True,
    )
    if attachments:
        attachment = ApplicationAttachment(
            application=application,
            original_name="verslo-planas.pdf",
            kind="pdf",
            size=len(PDF_BYTES),
            sha256=hashlib.sha256(PDF_BYTES).hexdigest(),
            uploaded_by=user,
        )
        attachment.file.save("receipt-test.pdf", ContentFile(PDF_BYTES), save=False)
        attachment.save()
    return application


@pytest.fixture
def call(instrument):
    return make_call(instrument)


@pytest.fixture
def submitted(call, organisation, applicant):
    return make_submitted(call, organisation, applicant)


@pytest.fixture
def other_submitted(call, other_organisation, other_applicant):
    return make_submitted(call, other_organisation, other_applicant, number="KV-01-00002", attachments=False)


def test_receipt_in_english_holds_number_time_call_applicant_amounts_and_hashes(submitted, organisation):
    content = receipt_pdf(submitted, language="en").content
    text = text_of(content)

    assert "Application KV-01-00001" in text
    # The submission moment in Vilnius time, to the second.
    assert "2026-07-14 12:30:05" in text
    assert "KV-01 Cluster development call" in text
    assert organisation.name in text
    assert organisation.legal_code in text
    assert "Žaliojo vandenilio klasterio plėtra" in text
    assert "€123,456.78" in text
    assert "€86,419.75" in text
    assert "€37,037.03" in text
    assert "€15,000.00" in text
    assert "verslo-planas.pdf" in text
    sha = hashlib.sha256(PDF_BYTES).hexdigest()
    assert sha in text.replace(" ", "")
    assert "Receipt KV-01-00001 · page 1 of 1" in text

    reader = PdfReader(BytesIO(content))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.metadata.title == "Application receipt KV-01-00001"


def test_receipt_follows_the_applicants_language(submitted, applicant):
    applicant.language = "lt"
    applicant.save(update_fields=["language"])

    content = receipt_pdf(submitted).content
    text = text_of(content)

    assert PdfReader(BytesIO(content)).trailer["/Root"]["/Lang"] == "lt"
    assert "KV-01 Klasterių plėtros kvietimas" in text
    assert "123 456,78 €" in text
    assert "2026-07-14 12:30:05" in text


def test_receipt_without_attachments_says_so(other_submitted):
    text = text_of(receipt_pdf(other_submitted, language="en").content)
    assert "No files were attached." in text


def test_a_draft_has_no_receipt(call, organisation, applicant):
    draft = Application.objects.create(call=call, applicant=organisation, created_by=applicant)
    with pytest.raises(ValueError):
        receipt_pdf(draft)


# --------------------------------------------------------------------------- who may have it


def url(application) -> str:
    return f"/reports/receipts/{application.pk}.pdf"


def test_the_applicant_downloads_its_receipt(client, applicant, submitted):
    client.force_login(applicant)
    response = client.get(url(submitted), {"language": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="fondas-receipt-KV-01-00001.pdf"' in response["Content-Disposition"]
    assert "Application KV-01-00001" in text_of(response.content)


def test_another_organisations_receipt_is_404(client, other_applicant, submitted):
    client.force_login(other_applicant)
    assert client.get(url(submitted)).status_code == 404


def test_a_draft_or_unknown_application_is_404(client, applicant, call, organisation):
    draft = Application.objects.create(call=call, applicant=organisation, created_by=applicant)
    client.force_login(applicant)
    assert client.get(url(draft)).status_code == 404
    assert client.get("/reports/receipts/999999.pdf").status_code == 404


def test_officers_and_auditors_may_have_any_receipt(client, officer, auditor, submitted):
    for user in (officer, auditor):
        client.force_login(user)
        assert client.get(url(submitted)).status_code == 200


def test_an_evaluator_only_after_declaring_no_conflict(client, officer, submitted):
    evaluator = UserFactory(role=Role.EVALUATOR)
    client.force_login(evaluator)
    assert client.get(url(submitted)).status_code == 404
    assignment = EvaluatorAssignment.objects.create(
        application=submitted,
        evaluator=evaluator,
        assigned_by=officer,
        assigned_at=submitted.submitted_at,
        status=AssignmentStatus.ASSIGNED,
    )
    assert client.get(url(submitted)).status_code == 404
    assignment.status = AssignmentStatus.SCORING
    assignment.save(update_fields=["status"])
    assert client.get(url(submitted)).status_code == 200


def test_anonymous_is_sent_to_log_in(client, submitted):
    response = client.get(url(submitted))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_api_receipt_same_rules(applicant, other_applicant, submitted):
    view = ApplicationReceiptApi.as_view()
    factory = APIRequestFactory()

    request = factory.get(f"/api/v1/applications/{submitted.pk}/receipt/", HTTP_ACCEPT="application/pdf")
    force_authenticate(request, user=applicant)
    response = view(request, application_id=submitted.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"

    request = factory.get(f"/api/v1/applications/{submitted.pk}/receipt/", HTTP_ACCEPT="application/pdf")
    force_authenticate(request, user=other_applicant)
    response = view(request, application_id=submitted.pk)
    response.render()
    assert response.status_code == 404
    assert set(response.data) == {"error"}
