"""The call ranking list as a report kind (reports/kinds/call_ranking.py):
officers and auditors only, the call checked, each budget pool's list with
its cut-off, the decision when taken, in English and in Lithuanian."""

import re
from datetime import datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from pypdf import PdfReader

from core.errors import ApplicationError
from grants.models import Application, ApplicationStatus, Call, CallStatus, Envelope, FundingDecision
from reports import documents
from reports.kinds import get_kind
from reports.services.jobs import report_job_request
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

VILNIUS = ZoneInfo("Europe/Vilnius")
REPORT_ID = "5e6f7a8b-0000-4000-8000-00000000abcd"


def text_of(content: bytes) -> str:
    with pdfplumber.open(BytesIO(content)) as pdf:
        return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pdf.pages))


@pytest.fixture
def call(instrument, officer):
    call = Call.objects.create(
        instrument=instrument,
        code="KV-R",
        title_lt="Reitingavimo kvietimas",
        title_en="Ranking call",
        budget_amount=Decimal("300000.00"),
        opens_at=datetime(2024, 1, 5, 9, tzinfo=VILNIUS),
        closes_at=datetime(2024, 3, 1, 17, tzinfo=VILNIUS),
        selection_method="competitive",
        status=CallStatus.CLOSED,
        funding_rate=Decimal("70.00"),
        max_grant_amount=Decimal("200000.00"),
        eligible_applicant_types=["sme"],
        quality_threshold=Decimal("50.00"),
    )
    north = Envelope.objects.create(
        call=call,
        code="N",
        name_lt="Šiaurė",
        name_en="North",
        budget_amount=Decimal("100000.00"),
        funding_rate=Decimal("70.00"),
        max_grant_amount=Decimal("100000.00"),
    )
    south = Envelope.objects.create(
        call=call,
        code="S",
        name_lt="Pietūs",
        name_en="",
        budget_amount=None,
        funding_rate=Decimal("70.00"),
        max_grant_amount=Decimal("100000.00"),
    )
    start = datetime(2024, 2, 1, 10, tzinfo=VILNIUS)
    rows = [
        # envelope, number, score, grant, minutes after start
        (north, "KV-R-00001", "80.00", "60000.00", 1),
        (north, "KV-R-00002", "80.00", "50000.00", 2),  # tie: submitted later → second, does not fit → reserve
        (north, "KV-R-00003", "40.00", "10000.00", 3),  # below the threshold → rejected
        (south, "KV-R-00004", "90.00", "150000.00", 4),
    ]
    for envelope, number, score, grant, minutes in rows:
        Application.objects.create(
            call=call,
            envelope=envelope,
            applicant=OrganisationFactory(),
            created_by=officer,
            status=ApplicationStatus.EVALUATED,
            number=number,
            submitted_at=start + timedelta(minutes=minutes),
            title=f"Projektas {number}",
            grant_requested=Decimal(grant),
            eligible_cost=Decimal(grant) * 2,
            own_contribution=Decimal(grant),
            score=Decimal(score),
        )
    return call


def render(call, language: str) -> bytes:
    params = documents.validate_params("call_ranking", {"call_id": call.pk, "language": language})
    return documents.render_report(
        kind="call_ranking", params=params, report_id=REPORT_ID, as_of=timezone.now()
    ).content


def test_the_ranking_report_in_english_lists_each_pool_with_its_cut_off(call):
    content = render(call, "en")
    text = text_of(content)

    assert "Call ranking list" in text
    assert "KV-R · Ranking call" in text
    assert "Envelope N · North" in text
    assert "Shared budget of the call" in text
    assert "Envelopes without a budget of their own: S." in text
    # North: 100,000 budget; the tie goes to the earlier submission.
    north = text[text.index("Envelope N") : text.index("Shared budget of the call")]
    assert north.index("KV-R-00001") < north.index("KV-R-00002") < north.index("KV-R-00003")
    assert re.search(r"1 KV-R-00001 .*?80 €60,000.00 €60,000.00 Approved", north)
    assert re.search(r"2 KV-R-00002 .*?80 €50,000.00 €110,000.00 Reserve", north)
    assert "beyond the budget" in north and "below the threshold" in north
    assert re.search(r"3 KV-R-00003 .*?40 €10,000.00 €120,000.00 Rejected", north)
    # Shared: 300,000 − 100,000 held by N.
    assert "Budget €200,000.00" in text
    assert re.search(r"1 KV-R-00004 .*?90 €150,000.00 €150,000.00 Approved", text)
    assert "The decision has not been taken yet" in text

    reader = PdfReader(BytesIO(content))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_the_ranking_report_in_lithuanian_with_the_decision(call, officer):
    officer.first_name, officer.last_name = "Rūta", "Žemaitė"
    officer.save()
    decision = FundingDecision.objects.create(
        call=call,
        decided_by=officer,
        decided_at=datetime(2024, 4, 2, 14, 5, tzinfo=VILNIUS),
        reasons="Finansuojama pagal reitingą.",
    )
    Application.objects.filter(call=call).update(decision=decision)

    content = render(call, "lt")
    text = text_of(content)

    assert PdfReader(BytesIO(content)).trailer["/Root"]["/Lang"] == "lt"
    assert "KV-R · Reitingavimo kvietimas" in text
    assert "Rūta Žemaitė" in text
    assert "2024-04-02 14:05" in text
    assert "Finansuojama pagal reitingą." in text
    assert "60 000,00 €" in text
    assert "The decision has not been taken yet" not in text


def test_only_officers_and_auditors_may_request_it(call, officer, auditor, applicant):
    kind = get_kind("call_ranking")
    kind.require_may_request(officer, {"call_id": call.pk})
    kind.require_may_request(auditor, {"call_id": call.pk})
    with pytest.raises(PermissionDenied):
        report_job_request(actor=applicant, kind="call_ranking", params={"call_id": call.pk})


def test_the_call_must_exist(db):
    with pytest.raises(ApplicationError) as error:
        documents.validate_params("call_ranking", {"call_id": 987654})
    assert error.value.field == "call_id"
    with pytest.raises(ApplicationError) as error:
        documents.validate_params("call_ranking", {"call_id": 1, "other": 2})
    assert error.value.field == "other"


def test_file_name_and_title(call):
    kind = get_kind("call_ranking")
    params = {"call_id": call.pk, "language": "en"}
    assert kind.file_stem(params) == "call-ranking-kv-r"
    assert documents.download_filename("call_ranking", params, REPORT_ID) == "fondas-call-ranking-kv-r-5E6F7A8B.pdf"
