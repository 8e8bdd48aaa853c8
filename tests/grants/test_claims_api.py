"""The payment-claim API (/api/v1/claims/): the whole path from a draft to a
payment, optimistic locking (409), what another applicant cannot see (404), the
error shape (400) and a fixed number of queries for the list."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from core.models import Role
from grants.models import ClaimStatus, IndicatorValue, Payment
from grants.services import claims as svc
from tests.factories import UserFactory
from tests.grants.claims_fixtures import PDF_BYTES, add_item, claim_world, new_claim, pdf, submitted_claim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def url(name: str, **kwargs) -> str:
    return reverse(f"claims-api:{name}", kwargs=kwargs)


def test_happy_path_from_draft_to_paid():
    world = claim_world()
    beneficiary = client_for(world.beneficiary)
    officer = client_for(world.officer)

    created = beneficiary.post(
        url("claim-list"),
        {"project": world.project.pk, "period_start": "2024-01-01", "period_end": "2024-06-30"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    claim = created.json()
    assert claim["status"] == "draft" and claim["reference"] == f"{world.project.code}-MP1"
    pk = claim["id"]

    item = beneficiary.post(
        url("claim-items", pk=pk),
        {
            "budget_line": world.staff_line.pk,
            "supplier_name": "UAB Vilniaus technologijos",
            "supplier_code": "302 555 111",
            "document_number": "vt 2024-015",
            "document_date": "2024-03-20",
            "amount_excl_vat": "2500.00",
            "vat_amount": "525.00",
            "vat_recoverable": "false",
            "document": pdf("VT-2024-015.pdf"),
        },
        format="multipart",
    )
    assert item.status_code == 201, item.json()
    item = item.json()
    assert (item["supplier_code"], item["document_number"], item["claimed_amount"]) == (
        "302555111",
        "VT2024-015",
        "3025.00",
    )
    download = beneficiary.get(item["document_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES

    value = beneficiary.post(
        url("claim-indicator-values", pk=pk),
        {"indicator": world.indicator.pk, "value": "2.00", "evidence": "Dvi bendradarbiavimo sutartys."},
        format="json",
    )
    assert value.status_code == 200, value.json()

    submitted = beneficiary.post(url("claim-submit", pk=pk), {"version": claim["version"]}, format="json")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted" and submitted.json()["payment_due_on"]

    started = officer.post(url("claim-start-verification", pk=pk), format="json")
    assert started.json()["status"] == "under_verification"
    verified = officer.post(
        url("claim-item-verify", pk=pk, item_id=item["id"]),
        {
            "version": item["version"],
            "eligible_amount": "2500.00",
            "ineligibility_reason": "recoverable_vat",
            "ineligibility_note": "PVM įtrauktas į PVM deklaraciją.",
        },
        format="json",
    )
    assert verified.status_code == 200, verified.json()
    payable = officer.get(url("claim-payable", pk=pk)).json()
    assert payable == {
        "eligible": "2500.00",
        "gross": "1750.00",
        "advance_offset": "0.00",
        "payable": "1750.00",
        "capped": False,
        "outstanding_advance": "0.00",
        "grant_left": payable["grant_left"],
    }
    version = officer.get(url("claim-detail", pk=pk)).json()["version"]
    approved = officer.post(url("claim-approve", pk=pk), {"version": version, "note": "Tinkama."}, format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["payable_amount"] == "1750.00"
    assert IndicatorValue.objects.filter(claim_id=pk).count() == 1

    paid = officer.post(url("claim-pay", pk=pk), {"paid_on": "2024-09-01"}, format="json")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    again = officer.post(url("claim-pay", pk=pk), {"paid_on": "2024-09-02"}, format="json")
    assert again.status_code == 400
    assert again.json()["error"]["fields"] == {"status": [again.json()["error"]["message"]]}
    assert Payment.objects.filter(claim_id=pk).count() == 1

    detail = beneficiary.get(url("claim-detail", pk=pk)).json()
    assert [r["number"] for r in detail["rounds"]] == [1]
    assert detail["claimed_total"] == "3025.00" and detail["eligible_total"] == "2500.00"


def test_stale_patch_is_409_and_the_other_change_is_kept():
    world = claim_world()
    claim = new_claim(world)
    first = client_for(world.beneficiary)
    second = client_for(UserFactory(role=Role.APPLICANT, organisation=world.project.beneficiary))
    ok = first.patch(url("claim-detail", pk=claim.pk), {"version": 1, "period_end": "2024-05-31"}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = second.patch(url("claim-detail", pk=claim.pk), {"version": 1, "period_end": "2024-04-30"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict" and "version" in stale.json()["error"]["fields"]
    claim.refresh_from_db()
    assert claim.period_end == date(2024, 5, 31)

    item = add_item(world, claim)
    ok = first.patch(
        url("claim-item", pk=claim.pk, item_id=item.pk), {"version": 1, "amount_excl_vat": "900.00"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["claimed_amount"] == "1110.00"
    stale = second.patch(
        url("claim-item", pk=claim.pk, item_id=item.pk), {"version": 1, "amount_excl_vat": "800.00"}, format="json"
    )
    assert stale.status_code == 409
    item.refresh_from_db()
    assert item.amount_excl_vat == Decimal("900.00")
    missing = first.patch(url("claim-item", pk=claim.pk, item_id=item.pk), {"vat_amount": "1.00"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()["error"]["fields"]


def test_another_applicant_gets_404_for_claim_item_and_document():
    world = claim_world()
    claim = submitted_claim(world)
    item = claim.items.get()
    stranger = client_for(claim_world().beneficiary)
    for address in (
        url("claim-detail", pk=claim.pk),
        url("claim-payable", pk=claim.pk),
        url("claim-item-document", pk=claim.pk, item_id=item.pk),
    ):
        answer = stranger.get(address)
        assert answer.status_code == 404, address
        assert answer.json()["error"]["code"] == "not_found"
    assert (
        stranger.patch(url("claim-item", pk=claim.pk, item_id=item.pk), {"version": 1}, format="json").status_code
        == 404
    )
    assert stranger.post(url("claim-submit", pk=claim.pk), {"version": 1}, format="json").status_code == 404
    assert stranger.get(url("claim-list")).json()["count"] == 0
    # an item id under another claim's address is not found either
    own = new_claim(claim_world())
    assert client_for(world.beneficiary).get(url("claim-item-document", pk=own.pk, item_id=item.pk)).status_code == 404


def test_error_shapes():
    world = claim_world()
    claim = new_claim(world)
    beneficiary = client_for(world.beneficiary)
    bad_line = beneficiary.post(
        url("claim-items", pk=claim.pk),
        {
            "budget_line": claim_world().staff_line.pk,
            "supplier_name": "UAB X",
            "supplier_code": "300000001",
            "document_number": "A-1",
            "document_date": "2024-02-01",
            "amount_excl_vat": "10.00",
        },
        format="json",
    )
    assert bad_line.status_code == 400
    body = bad_line.json()["error"]
    assert body["code"] == "invalid" and list(body["fields"]) == ["budget_line"]
    shape = beneficiary.post(url("claim-items", pk=claim.pk), {"amount_excl_vat": "abc"}, format="json")
    assert shape.status_code == 400 and {"amount_excl_vat", "supplier_name"} <= set(shape.json()["error"]["fields"])
    submit = beneficiary.post(url("claim-submit", pk=claim.pk), {"version": claim.version}, format="json")
    assert submit.status_code == 400 and list(submit.json()["error"]["fields"]) == ["items"]
    forbidden = beneficiary.post(url("claim-start-verification", pk=claim.pk), format="json")
    assert forbidden.status_code == 403
    no_version = beneficiary.delete(url("claim-detail", pk=claim.pk))
    assert no_version.status_code == 400 and "version" in no_version.json()["error"]["fields"]
    deleted = beneficiary.delete(url("claim-detail", pk=claim.pk) + "?version=1")
    assert deleted.status_code == 204


def test_auditor_reads_but_may_not_act():
    world = claim_world()
    claim = submitted_claim(world)
    auditor = client_for(UserFactory(role=Role.AUDITOR))
    assert auditor.get(url("claim-detail", pk=claim.pk)).status_code == 200
    assert auditor.post(url("claim-start-verification", pk=claim.pk)).status_code == 403
    assert auditor.post(url("claim-submit", pk=claim.pk), {"version": 2}, format="json").status_code == 403


def test_return_and_resubmit_through_the_api():
    world = claim_world()
    claim = submitted_claim(world)
    officer = client_for(world.officer)
    beneficiary = client_for(world.beneficiary)
    started = officer.post(url("claim-start-verification", pk=claim.pk)).json()
    returned = officer.post(
        url("claim-return", pk=claim.pk), {"version": started["version"], "reason": "Pridėkite aktą."}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["status"] == ClaimStatus.RETURNED
    assert returned.json()["rounds"][0]["return_reason"] == "Pridėkite aktą."
    again = beneficiary.post(
        url("claim-submit", pk=claim.pk),
        {"version": returned.json()["version"], "response": "Aktas pridėtas."},
        format="json",
    )
    assert again.status_code == 200 and [r["number"] for r in again.json()["rounds"]] == [1, 2]


@pytest.mark.parametrize("count", [2, 6])
def test_list_costs_a_fixed_number_of_queries(count, django_assert_max_num_queries):
    world = claim_world()
    for n in range(count):
        claim = new_claim(world, start=date(2024, 1, 1 + n), end=date(2024, 1, 1 + n))
        add_item(world, claim, document_date=date(2024, 1, 1))
    officer = client_for(world.officer)
    with django_assert_max_num_queries(4):
        answer = officer.get(url("claim-list"))
    assert answer.json()["count"] == count
    assert all(row["item_count"] == 1 for row in answer.json()["results"])


def test_queue_selector_orders_by_submission():
    from grants.selectors.claims import claims_queue

    world = claim_world()
    first = submitted_claim(world)
    second = submitted_claim(world, start=date(2024, 7, 1), end=date(2024, 9, 30))
    new_claim(world, start=date(2024, 10, 1), end=date(2024, 12, 31))
    queue = list(claims_queue(date.today()))
    assert [c.pk for c in queue] == [first.pk, second.pk]
    assert queue[0].claimed_total == Decimal("1210.00") and queue[0].item_count == 1
    svc.claim_verification_start(actor=world.officer, claim=first)
    assert len(claims_queue(date.today())) == 2


def test_admin_shows_claims_read_only(client):
    world = claim_world()
    claim = submitted_claim(world)
    admin = UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get(reverse("admin:grants_paymentclaim_changelist")).status_code == 200
    page = client.get(reverse("admin:grants_paymentclaim_change", args=[claim.pk]))
    assert page.status_code == 200 and claim.items.get().document_number in page.content.decode()
    assert client.get(reverse("admin:grants_paymentclaim_add")).status_code == 403
    assert client.get(reverse("admin:grants_amendment_changelist")).status_code == 200
    assert client.get(reverse("admin:grants_agreementversion_changelist")).status_code == 200
