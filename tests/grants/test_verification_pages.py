"""The officers' verification pages (/manage/claims/): the queue in order of
submission with the payment deadline and days left (overdue said in words),
a fixed number of queries whatever the page size, the officer's actions
through the pages (start, verify items, return, approve, pay), errors by
their fields, a stale version answered with the message and the current
data, and who may open what (officers write, auditors read, others 404)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core.models import Role
from grants.models import ClaimStatus, ExpenditureItem, PaymentClaim
from grants.services import claims as svc
from tests.factories import UserFactory
from tests.grants.test_home import table_rows
from tests.grants.verification_fixtures import make_claim, verify_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def world():
    return verify_world(code="VRF-1")


@pytest.fixture
def as_officer(client, world):
    client.force_login(world.officer)
    return client


def _days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def claim_url(claim, name="verification:claim-verify"):
    return reverse(name, args=[claim.pk])


def item_post(item, *, eligible, reason="", note="", version=None) -> dict:
    prefix = f"item-{item.pk}-"
    return {
        f"{prefix}version": item.version if version is None else version,
        f"{prefix}eligible_amount": eligible,
        f"{prefix}ineligibility_reason": reason,
        f"{prefix}ineligibility_note": note,
    }


# --------------------------------------------------------------------------- the queue


def test_queue_lists_waiting_claims_oldest_first_with_days_left_and_overdue(as_officer, world):
    recent = make_claim(world, submitted_at=_days_ago(10))
    late = make_claim(world, submitted_at=_days_ago(100))
    checking = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION, submitted_at=_days_ago(50))
    approved = make_claim(world, status=ClaimStatus.APPROVED, submitted_at=_days_ago(30))
    draft = make_claim(world, status=ClaimStatus.DRAFT)
    paid = make_claim(world, status=ClaimStatus.PAID, submitted_at=_days_ago(60))

    response = as_officer.get(reverse("verification:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    rows = [row for row in table_rows(html, "queue") if "data-claim" in row["attrs"]]
    assert [row["attrs"]["data-claim"] for row in rows] == [late.reference, checking.reference, recent.reference]
    by_claim = {row["attrs"]["data-claim"]: row["cols"] for row in rows}
    # 80 days from submission: 100 days ago is 20 days late, 10 days ago leaves 70.
    assert by_claim[late.reference]["days_left"] == "Overdue by 20 days"
    assert by_claim[checking.reference]["days_left"] == "30 days left"
    assert by_claim[recent.reference]["days_left"] == "70 days left"
    assert by_claim[checking.reference]["status"] == "Under verification"
    assert by_claim[recent.reference]["claimed_total"] == "€1,210.00"
    late.refresh_from_db()
    assert f'<td data-col="due"><time datetime="{late.payment_due_on:%Y-%m-%d}">' in html
    assert '<strong class="overdue" data-overdue="true">Overdue by 20 days</strong>' in html

    approved_rows = [row for row in table_rows(html, "approved") if "data-claim" in row["attrs"]]
    assert [row["attrs"]["data-claim"] for row in approved_rows] == [approved.reference]
    assert approved_rows[0]["cols"]["days_left"] == "50 days left"
    assert draft.reference not in html and paid.reference not in html


def test_queue_costs_a_fixed_number_of_queries_whatever_the_page_size(as_officer, world, django_assert_max_num_queries):
    make_claim(world, submitted_at=_days_ago(5))
    make_claim(world, status=ClaimStatus.APPROVED, submitted_at=_days_ago(6))
    with django_assert_max_num_queries(20) as small:
        assert as_officer.get(reverse("verification:queue")).status_code == 200
    other = verify_world()
    other.officer = world.officer
    for days in range(8):
        make_claim(other, items=[{}, {}, {"budget_line": other.equipment_line}], submitted_at=_days_ago(days))
    for days in range(3):
        make_claim(other, status=ClaimStatus.APPROVED, submitted_at=_days_ago(days))
    make_claim(other, status=ClaimStatus.UNDER_VERIFICATION)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = as_officer.get(reverse("verification:queue"))
    html = response.content.decode()
    assert len([r for r in table_rows(html, "queue") if "data-claim" in r["attrs"]]) == 10
    assert len([r for r in table_rows(html, "approved") if "data-claim" in r["attrs"]]) == 4


def test_queue_is_paginated(as_officer, world, monkeypatch):
    from grants.views import verification

    monkeypatch.setattr(verification, "QUEUE_PER_PAGE", 2)
    claims = [make_claim(world, submitted_at=_days_ago(40 - days)) for days in range(3)]
    first = as_officer.get(reverse("verification:queue")).content.decode()
    second = as_officer.get(reverse("verification:queue") + "?page=2").content.decode()
    assert claims[0].reference in first and claims[1].reference in first and claims[2].reference not in first
    assert claims[2].reference in second
    assert 'aria-label="Pages of the claims waiting for verification"' in first


# --------------------------------------------------------------------------- the officer's actions


def test_officer_verifies_returns_approves_and_pays_through_the_pages(client, as_officer, world):
    claim = make_claim(world, items=[{"amount_excl_vat": Decimal("1000.00")}, {"budget_line": world.equipment_line}])
    first, second = claim.items.order_by("pk")
    page = as_officer.get(claim_url(claim)).content.decode()
    assert "Start verification" in page and 'action="/manage/claims/items/' not in page

    response = as_officer.post(claim_url(claim, "verification:claim-start"))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNDER_VERIFICATION

    # The form starts at the claimed amount.
    page = as_officer.get(claim_url(claim)).content.decode()
    assert f'name="item-{first.pk}-eligible_amount" value="1,210.00"' in page

    response = as_officer.post(
        reverse("verification:item-verify", args=[first.pk]),
        item_post(first, eligible="800.00", reason="not_necessary", note="Dalis konsultacijų nesusijusi."),
    )
    assert response.status_code == 302 and response.url.endswith(f"#item-{first.pk}")
    first.refresh_from_db()
    assert first.eligible_amount == Decimal("800.00") and first.ineligibility_reason == "not_necessary"
    assert first.verified_by == world.officer

    # Questions for the beneficiary; the beneficiary answers and submits again.
    claim.refresh_from_db()
    response = as_officer.post(
        claim_url(claim, "verification:claim-return"),
        {"return-version": claim.version, "return-reason": "Pateikite konsultacijų ataskaitą."},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RETURNED
    html = as_officer.get(claim_url(claim)).content.decode()
    assert 'data-col="days_left">Paused while the claim is with the beneficiary<' in html
    svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version, response="Ataskaita pridėta.")
    assert as_officer.post(claim_url(claim, "verification:claim-start")).status_code == 302

    second.refresh_from_db()
    as_officer.post(reverse("verification:item-verify", args=[second.pk]), item_post(second, eligible="1,210.00"))
    html = as_officer.get(claim_url(claim)).content.decode()
    rounds = table_rows(html, "rounds")
    assert [r["cols"].get("questions") for r in rounds if "data-round" in r["attrs"]] == [
        "Pateikite konsultacijų ataskaitą.",
        "—",
    ]
    # The payable amount before approval: (800.00 + 1,210.00) × 70 % = 1,407.00.
    payable = {row["cells"][0]: row["cells"][1] for row in table_rows(html, "payable")}
    assert payable["Eligible expenditure"] == "€2,010.00"
    assert payable["Payable"] == "€1,407.00"

    claim.refresh_from_db()
    response = as_officer.post(
        claim_url(claim, "verification:claim-approve"), {"approve-version": claim.version, "approve-note": "Gerai."}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and claim.payable_amount == Decimal("1407.00")
    html = as_officer.get(claim_url(claim)).content.decode()
    assert "Record the payment" in html and "cannot be undone" in html

    response = as_officer.post(claim_url(claim, "verification:claim-pay"), {"pay-paid_on": "2026-01-15"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert claim.payment.amount == Decimal("1407.00") and claim.payment.paid_on.isoformat() == "2026-01-15"
    html = as_officer.get(claim_url(claim)).content.decode()
    assert 'data-col="status">Paid<' in html


def test_officer_rejects_with_reasons(as_officer, world):
    claim = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION)
    response = as_officer.post(
        claim_url(claim, "verification:claim-reject"),
        {"reject-version": claim.version, "reject-note": "Išlaidos nesusijusios su projektu."},
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED and claim.decision_note == "Išlaidos nesusijusios su projektu."


# --------------------------------------------------------------------------- errors by the field


def test_an_ineligible_part_without_a_reason_is_refused_by_its_field(as_officer, world):
    claim = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION)
    item = claim.items.get()
    response = as_officer.post(reverse("verification:item-verify", args=[item.pk]), item_post(item, eligible="500"))
    assert response.status_code == 400
    html = response.content.decode()
    field_id = f"id_item-{item.pk}-ineligibility_reason"
    assert f'id="{field_id}-error-1">Choose the reason for the ineligible part of €710.00.<' in html
    assert "data-error-summary" in html
    # What the officer typed is shown back.
    assert f'name="item-{item.pk}-eligible_amount" value="500"' in html

    response = as_officer.post(
        reverse("verification:item-verify", args=[item.pk]), item_post(item, eligible="500", reason="procurement")
    )
    assert response.status_code == 400
    assert f'id="id_item-{item.pk}-ineligibility_note-error-1">Explain the ineligible part' in response.content.decode()

    response = as_officer.post(reverse("verification:item-verify", args=[item.pk]), item_post(item, eligible="2000"))
    assert response.status_code == 400
    assert (
        f'id="id_item-{item.pk}-eligible_amount-error-1">The eligible amount cannot exceed the claimed €1,210.00.<'
        in response.content.decode()
    )

    response = as_officer.post(reverse("verification:item-verify", args=[item.pk]), item_post(item, eligible="12.345"))
    assert response.status_code == 400
    assert f'id="id_item-{item.pk}-eligible_amount-error-1"' in response.content.decode()
    item.refresh_from_db()
    assert item.eligible_amount is None and item.version == 1


def test_return_without_questions_and_reject_without_reasons_are_refused_by_the_field(as_officer, world):
    claim = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION)
    response = as_officer.post(
        claim_url(claim, "verification:claim-return"), {"return-version": claim.version, "return-reason": " "}
    )
    assert response.status_code == 400
    assert 'id="id_return-reason-error-1"' in response.content.decode()
    response = as_officer.post(
        claim_url(claim, "verification:claim-reject"), {"reject-version": claim.version, "reject-note": ""}
    )
    assert response.status_code == 400
    assert 'id="id_reject-note-error-1"' in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNDER_VERIFICATION


def test_approval_with_an_unverified_item_is_refused_with_the_message(as_officer, world):
    claim = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION)
    response = as_officer.post(
        claim_url(claim, "verification:claim-approve"), {"approve-version": claim.version, "approve-note": ""}
    )
    assert response.status_code == 400
    assert "Verify every item of claim" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.UNDER_VERIFICATION


def test_paying_with_a_wrong_date_is_refused_by_the_field(as_officer, world):
    claim = make_claim(world, status=ClaimStatus.APPROVED)
    response = as_officer.post(claim_url(claim, "verification:claim-pay"), {"pay-paid_on": "15.01.2026"})
    assert response.status_code == 400
    assert 'id="id_pay-paid_on-error-1">Enter a date as YYYY-MM-DD.<' in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED


# --------------------------------------------------------------------------- stale versions


def test_a_stale_item_verification_shows_the_message_and_the_current_data(as_officer, world):
    claim = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION)
    item = claim.items.get()
    seen = item.version
    colleague = UserFactory(role=Role.OFFICER)
    svc.item_verify(
        actor=colleague,
        item=item,
        version=seen,
        eligible_amount=Decimal("1000.00"),
        ineligibility_reason="recoverable_vat",
        ineligibility_note="PVM susigrąžinamas.",
    )
    response = as_officer.post(
        reverse("verification:item-verify", args=[item.pk]), item_post(item, eligible="1,210.00", version=seen)
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this expenditure item while you were editing it" in html
    # The colleague's amount and reason are kept and shown, with the new version.
    assert f'name="item-{item.pk}-eligible_amount" value="1,000.00"' in html
    assert f'name="item-{item.pk}-version" value="{seen + 1}"' in html
    assert '<option value="recoverable_vat" selected>' in html
    item.refresh_from_db()
    assert item.eligible_amount == Decimal("1000.00") and item.verified_by == colleague


def test_a_stale_decision_shows_the_message_and_changes_nothing(as_officer, world):
    claim = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION)
    seen = claim.version
    for item in claim.items.all():
        svc.item_verify(actor=world.officer, item=item, version=item.version, eligible_amount=item.claimed_amount)
    svc.claim_return(actor=UserFactory(role=Role.OFFICER), claim=claim, version=seen, reason="Klausimas.")
    claim.refresh_from_db()
    response = as_officer.post(
        claim_url(claim, "verification:claim-reject"), {"reject-version": seen, "reject-note": "Atmetama."}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this payment claim while you were editing it" in html
    assert 'data-col="status">Returned for clarification<' in html
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RETURNED
    html = as_officer.get(claim_url(claim)).content.decode()
    assert 'data-col="days_left">Paused while the claim is with the beneficiary<' in html


# --------------------------------------------------------------------------- who may do what


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR])
def test_applicants_and_evaluators_get_404_everywhere(client, world, role):
    claim = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION)
    item = claim.items.get()
    user = world.beneficiary if role == Role.APPLICANT else UserFactory(role=role)
    client.force_login(user)
    assert client.get(reverse("verification:queue")).status_code == 404
    assert client.get(claim_url(claim)).status_code == 404
    assert client.post(claim_url(claim, "verification:claim-start")).status_code == 404
    assert (
        client.post(reverse("verification:item-verify", args=[item.pk]), item_post(item, eligible="0")).status_code
        == 404
    )
    for action in ("return", "approve", "reject", "pay"):
        assert client.post(claim_url(claim, f"verification:claim-{action}"), {}).status_code == 404
    item.refresh_from_db()
    assert item.eligible_amount is None


def test_auditor_reads_the_queue_and_the_claim_but_changes_nothing(client, world):
    claim = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION)
    item = claim.items.get()
    client.force_login(UserFactory(role=Role.AUDITOR))
    assert claim.reference in client.get(reverse("verification:queue")).content.decode()
    response = client.get(claim_url(claim))
    assert response.status_code == 200
    html = response.content.decode()
    assert "only programme officers verify it" in html
    assert 'action="/manage/claims/items/' not in html and "Approve the claim" not in html
    assert "Request the verification record (PDF)" in html
    assert (
        client.post(reverse("verification:item-verify", args=[item.pk]), item_post(item, eligible="0")).status_code
        == 403
    )
    assert (
        client.post(
            claim_url(claim, "verification:claim-reject"), {"reject-version": claim.version, "reject-note": "x"}
        ).status_code
        == 403
    )
    claim.refresh_from_db()
    item.refresh_from_db()
    assert claim.status == ClaimStatus.UNDER_VERIFICATION and item.eligible_amount is None


def test_a_draft_is_the_beneficiarys_own(as_officer, world):
    draft = make_claim(world, status=ClaimStatus.DRAFT)
    assert as_officer.get(claim_url(draft)).status_code == 404
    assert as_officer.get(claim_url(PaymentClaim(pk=999999))).status_code == 404


def test_the_claim_page_links_the_item_documents_and_the_record(as_officer, world):
    claim = make_claim(world, status=ClaimStatus.UNDER_VERIFICATION)
    item = ExpenditureItem.objects.get(claim=claim)
    html = as_officer.get(claim_url(claim)).content.decode()
    assert f'action="{reverse("reports:job-create")}"' in html
    assert 'name="kind" value="claim_verification"' in html and f'name="claim_id" value="{claim.pk}"' in html
    assert f'href="{reverse("claims:item-document", args=[item.pk])}"' in html
