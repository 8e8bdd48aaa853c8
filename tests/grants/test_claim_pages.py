"""The beneficiary's payment-claim pages (issue 9): they render in Lithuanian
and English; a refused form shows what was typed with the message by its
field; a stale version shows the message above the form with the current
data; documents are downloaded under their names by those who may see the
claim; another organisation's claim, item or document, a partner's and the
other roles' edits answer 404."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grants.models import ClaimStatus, ExpenditureItem, PaymentClaim
from grants.services.claims import (
    claim_approve,
    claim_create,
    claim_submit,
    claim_update,
    claim_verification_start,
    item_add,
    item_update,
    item_verify,
)
from tests.grants.claim_page_fixtures import PDF, build_claim_world, item_values, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_claim_world()


@pytest.fixture
def as_user(client):
    def log_in(user, language: str = "lt"):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        return client

    return log_in


def text(response) -> str:
    return response.content.decode()


def detail_url(claim) -> str:
    return reverse("claims:claim-detail", args=[claim.pk])


def page_urls(w) -> dict:
    return {
        "list": reverse("claims:claim-list"),
        "create": reverse("claims:claim-create", args=[w.project.pk]),
        "detail": detail_url(w.draft),
        "returned": detail_url(w.returned),
        "update": reverse("claims:claim-update", args=[w.draft.pk]),
        "delete": reverse("claims:claim-delete", args=[w.draft.pk]),
        "item-create": reverse("claims:item-create", args=[w.draft.pk]),
        "item-update": reverse("claims:item-update", args=[w.item.pk]),
        "item-delete": reverse("claims:item-delete", args=[w.item.pk]),
        "indicator": reverse("claims:indicator-value", args=[w.draft.pk, w.indicator.pk]),
        "import": reverse("claims:claim-import", args=[w.draft.pk]),
        "project": reverse("project-detail", args=[w.project.pk]),
    }


# --- rendering --------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["lt", "en"])
def test_every_page_renders_for_the_beneficiary(world, as_user, language):
    client = as_user(world.users["applicant"], language)
    for name, url in page_urls(world).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert f'<html lang="{language}">' in text(response), name
        assert text(response).count("<h1") == 1, name


def test_english_pages_read_in_english_and_mark_lithuanian_data(world, as_user):
    client = as_user(world.users["applicant"], "en")
    page = text(client.get(detail_url(world.draft)))
    assert "Payment claim KLAST-0001-MP1" in page
    assert "Staff costs" in page
    assert '<span lang="lt">UAB „Tiekėjas“</span>' in page
    assert "€1,210.00" in page
    lithuanian = text(as_user(world.users["applicant"], "lt").get(detail_url(world.draft)))
    assert "1 210,00 €" in lithuanian
    assert "Darbo užmokestis" in lithuanian


def test_the_list_shows_the_organisations_claims_and_where_to_start_one(world, as_user):
    page = text(as_user(world.users["applicant"], "en").get(reverse("claims:claim-list")))
    assert "KLAST-0001-MP1" in page and "KLAST-0001-MP2" in page
    assert "KLAST-0002" not in page  # another organisation's project and claim
    assert reverse("claims:claim-create", args=[world.project.pk]) in page
    assert "€1,210.00" in page


def test_the_list_costs_the_same_queries_for_more_claims(world, as_user, django_assert_max_num_queries):
    client = as_user(world.users["applicant"])
    url = reverse("claims:claim-list")
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    applicant = world.users["applicant"]
    for month in range(1, 9):
        claim = claim_create(
            actor=applicant,
            project=world.project,
            period_start=date(2021, month, 1),
            period_end=date(2021, month, 28),
        )
        item_add(
            actor=applicant,
            claim=claim,
            **item_values(world.project, document_number=f"X-{month}", document_date=date(2021, month, 2)),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert text(response).count('data-status="draft"') == 9


def test_the_claim_page_costs_the_same_queries_for_more_items(world, as_user, django_assert_max_num_queries):
    client = as_user(world.users["applicant"])
    url = detail_url(world.draft)
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for number in range(8):
        item_add(
            actor=world.users["applicant"],
            claim=world.draft,
            document=pdf(f"saskaita-{number}.pdf"),
            **item_values(world.project, document_number=f"Q-{number}"),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert text(response).count("data-item=") == 9


def test_the_project_page_lists_its_claims_for_the_beneficiary_only(world, as_user):
    page = text(as_user(world.users["applicant"], "en").get(reverse("project-detail", args=[world.project.pk])))
    assert detail_url(world.draft) in page
    assert reverse("claims:claim-create", args=[world.project.pk]) in page
    partner = text(as_user(world.users["partner"], "en").get(reverse("project-detail", args=[world.project.pk])))
    assert detail_url(world.draft) not in partner
    assert "The beneficiary submits the project's payment claims." in partner
    officer = text(as_user(world.users["officer"], "en").get(reverse("project-detail", args=[world.project.pk])))
    assert detail_url(world.draft) in officer
    assert reverse("claims:claim-create", args=[world.project.pk]) not in officer


def test_officers_and_auditors_read_a_claim_without_its_forms(world, as_user):
    for role in ("officer", "auditor"):
        page = text(as_user(world.users[role], "en").get(detail_url(world.returned)))
        assert "Pateikite darbo laiko apskaitos žiniaraštį." in page, role
        assert reverse("claims:claim-submit", args=[world.returned.pk]) not in page, role
        assert reverse("claims:item-create", args=[world.returned.pk]) not in page, role


# --- forms: data and messages by their fields -------------------------------------------


def test_a_claim_is_created_and_the_next_page_says_so(world, as_user):
    client = as_user(world.users["applicant"], "en")
    response = client.post(
        reverse("claims:claim-create", args=[world.project.pk]),
        {"period_start": "2021-01-01", "period_end": "2021-06-30", "kind": "interim"},
        follow=True,
    )
    claim = PaymentClaim.objects.get(project=world.project, period_start=date(2021, 1, 1))
    assert response.redirect_chain[-1][0] == detail_url(claim)
    assert "is created as a draft" in text(response)


def test_a_period_outside_the_project_is_shown_by_its_field_with_what_was_typed(world, as_user):
    client = as_user(world.users["applicant"], "en")
    response = client.post(
        reverse("claims:claim-create", args=[world.project.pk]),
        {"period_start": "2019-01-01", "period_end": "2019-06-30", "kind": "interim"},
    )
    assert response.status_code == 400
    page = text(response)
    assert 'id="field-period_start"' in page and "field has-error" in page
    assert "The period must lie within the project" in page
    assert 'value="2019-01-01"' in page
    assert "data-error-summary" in page


def test_an_amount_with_three_decimals_is_refused_by_its_field_in_lithuanian(world, as_user):
    client = as_user(world.users["applicant"], "lt")
    line = world.project.budget_lines.get(cost_category__code="STAFF")
    response = client.post(
        reverse("claims:item-create", args=[world.draft.pk]),
        {
            "budget_line": line.pk,
            "supplier_name": "UAB Naujas",
            "supplier_code": "111222333",
            "document_number": "N-1",
            "document_date": "2020-04-01",
            "amount_excl_vat": "12,345",
            "vat_amount": "0",
        },
    )
    assert response.status_code == 400
    page = text(response)
    assert 'id="id_amount_excl_vat-error-1"' in page
    assert 'value="12,345"' in page and 'value="UAB Naujas"' in page
    assert world.draft.items.count() == 1


def test_an_item_with_its_document_is_added_and_downloaded_under_its_name(world, as_user):
    client = as_user(world.users["applicant"], "lt")
    line = world.project.budget_lines.get(cost_category__code="EQUIP")
    response = client.post(
        reverse("claims:item-create", args=[world.draft.pk]),
        {
            "budget_line": line.pk,
            "supplier_name": "UAB Įrangos tiekėjas",
            "supplier_code": "111 222 333",
            "document_number": "IR-77",
            "document_date": "2020-05-04",
            "amount_excl_vat": "2 500,50",
            "vat_amount": "525,11",
            "vat_recoverable": "on",
            "document": SimpleUploadedFile("Sąskaita IR-77.pdf", PDF, content_type="application/pdf"),
            "action": "save",
        },
    )
    assert response.status_code == 302
    item = world.draft.items.get(document_number="IR-77")
    assert item.amount_excl_vat == Decimal("2500.50")
    assert item.claimed_amount == Decimal("2500.50")  # recoverable VAT is not claimed
    download = client.get(reverse("claims:item-document", args=[item.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "IR-77.pdf" in download["Content-Disposition"]
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF


def test_a_file_that_is_not_a_document_is_refused_by_the_file_field(world, as_user):
    client = as_user(world.users["applicant"], "en")
    data = {
        "budget_line": world.item.budget_line_id,
        "supplier_name": "UAB Naujas",
        "supplier_code": "444",
        "document_number": "EXE-1",
        "document_date": "2020-04-01",
        "amount_excl_vat": "10",
        "document": SimpleUploadedFile("virus.pdf", b"MZ\x90\x00not a pdf", content_type="application/pdf"),
    }
    response = client.post(reverse("claims:item-create", args=[world.draft.pk]), data)
    assert response.status_code == 400
    assert 'id="id_document-error-1"' in text(response)
    assert not world.draft.items.filter(document_number="EXE-1").exists()


def test_a_repeated_document_is_refused_for_the_beneficiary_by_the_document_number(world, as_user):
    client = as_user(world.users["applicant"], "en")
    values = item_values(world.project)  # the same document as the draft's item
    data = {**values, "budget_line": values["budget_line"].pk, "document_date": "2020-03-15"}
    response = client.post(reverse("claims:item-create", args=[world.returned.pk]), data)
    assert response.status_code == 400
    assert 'id="id_document_number-error-1"' in text(response)
    assert "double_funding_override_reason" not in text(response)


def test_only_an_officer_with_the_permission_sees_and_uses_the_override_reason(world, as_user):
    plain = as_user(world.users["officer"], "en")
    assert plain.get(reverse("claims:item-create", args=[world.returned.pk])).status_code == 404
    client = as_user(world.users["override_officer"], "en")
    url = reverse("claims:item-create", args=[world.returned.pk])
    assert 'name="double_funding_override_reason"' in text(client.get(url))
    values = item_values(world.project)
    data = {
        **values,
        "budget_line": values["budget_line"].pk,
        "document_date": "2020-03-15",
        "double_funding_override_reason": "Antra sąskaitos dalis, patvirtinta raštu.",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    item = world.returned.items.get(document_number="SF-0001")
    assert item.double_funding_overridden_by == world.users["override_officer"]


def test_an_indicator_value_is_saved_and_a_missing_evidence_shown_by_its_field(world, as_user):
    client = as_user(world.users["applicant"], "en")
    url = reverse("claims:indicator-value", args=[world.draft.pk, world.indicator.pk])
    response = client.post(url, {"value": "3", "evidence": ""})
    assert response.status_code == 400
    assert 'id="id_evidence-error-1"' in text(response) and 'value="3"' in text(response)
    response = client.post(
        url, {"value": "3", "evidence": "Sutartys su įmonėmis.", "evidence_file": pdf("sutartys.pdf")}
    )
    assert response.status_code == 302
    value = world.draft.indicator_values.get()
    assert value.value == Decimal("3.00") and value.evidence_file_name == "sutartys.pdf"
    download = client.get(reverse("claims:indicator-evidence", args=[value.pk]))
    assert download.status_code == 200 and "sutartys.pdf" in download["Content-Disposition"]


# --- submission -------------------------------------------------------------------------


def test_a_draft_is_submitted_and_the_deadline_is_shown(world, as_user):
    client = as_user(world.users["applicant"], "en")
    response = client.post(
        reverse("claims:claim-submit", args=[world.draft.pk]), {"version": world.draft.version}, follow=True
    )
    world.draft.refresh_from_db()
    assert world.draft.status == ClaimStatus.SUBMITTED
    assert "is submitted" in text(response)
    assert world.draft.payment_due_on.isoformat() in text(response)


def test_an_item_without_its_document_stops_the_submission_with_the_message(world, as_user):
    applicant = world.users["applicant"]
    item_add(actor=applicant, claim=world.draft, **item_values(world.project, document_number="BE-DOK"))
    world.draft.refresh_from_db()
    response = as_user(applicant, "en").post(
        reverse("claims:claim-submit", args=[world.draft.pk]), {"version": world.draft.version}
    )
    assert response.status_code == 400
    assert "BE-DOK" in text(response) and "data-error-summary" in text(response)
    world.draft.refresh_from_db()
    assert world.draft.status == ClaimStatus.DRAFT


def test_a_returned_claim_is_answered_and_submitted_again(world, as_user):
    client = as_user(world.users["applicant"], "en")
    page = text(client.get(detail_url(world.returned)))
    assert 'name="response"' in page
    client.post(
        reverse("claims:claim-submit", args=[world.returned.pk]),
        {"version": world.returned.version, "response": "Žiniaraštis pridėtas."},
    )
    world.returned.refresh_from_db()
    assert world.returned.status == ClaimStatus.SUBMITTED
    assert world.returned.rounds.get(number=2).response == "Žiniaraštis pridėtas."
    page = text(client.get(detail_url(world.returned)))
    assert "Žiniaraštis pridėtas." in page and "Submission 2" in page


# --- stale versions ---------------------------------------------------------------------


def test_a_stale_item_edit_shows_the_message_and_the_current_data(world, as_user):
    client = as_user(world.users["applicant"], "en")
    item = world.item
    stale_version = item.version
    values = item_values(world.project)
    item_update(
        actor=world.users["applicant"],
        item=item,
        version=item.version,
        **{**values, "supplier_name": "UAB Kito žmogaus pakeitimas"},
    )
    response = client.post(
        reverse("claims:item-update", args=[item.pk]),
        {
            **values,
            "budget_line": values["budget_line"].pk,
            "document_date": "2020-03-15",
            "supplier_name": "UAB Mano pakeitimas",
            "version": stale_version,
        },
    )
    assert response.status_code == 409
    page = text(response)
    assert "Someone else changed this" in page and "data-error-summary" in page
    assert 'value="UAB Kito žmogaus pakeitimas"' in page
    assert "UAB Mano pakeitimas" not in page
    assert f'name="version" value="{stale_version + 1}"' in page
    assert ExpenditureItem.objects.get(pk=item.pk).supplier_name == "UAB Kito žmogaus pakeitimas"


def test_a_stale_claim_edit_shows_the_current_period(world, as_user):
    client = as_user(world.users["applicant"], "en")
    claim = world.draft
    stale = claim.version
    claim_update(
        actor=world.users["applicant"],
        claim=claim,
        version=claim.version,
        period_start=date(2020, 2, 1),
        period_end=date(2020, 6, 30),
        kind="interim",
    )
    response = client.post(
        reverse("claims:claim-update", args=[claim.pk]),
        {"period_start": "2020-03-01", "period_end": "2020-06-30", "kind": "interim", "version": stale},
    )
    assert response.status_code == 409
    page = text(response)
    assert "Someone else changed this" in page
    assert 'value="2020-02-01"' in page and 'value="2020-03-01"' not in page


def test_a_stale_submission_and_a_stale_removal_change_nothing(world, as_user):
    client = as_user(world.users["applicant"], "en")
    stale_claim, stale_item = world.draft.version, world.item.version
    values = item_values(world.project)
    item_update(actor=world.users["applicant"], item=world.item, version=stale_item, **values)
    response = client.post(reverse("claims:item-delete", args=[world.item.pk]), {"version": stale_item})
    assert response.status_code == 409 and "Someone else changed this" in text(response)
    assert ExpenditureItem.objects.filter(pk=world.item.pk).exists()
    claim_update(
        actor=world.users["applicant"],
        claim=world.draft,
        version=stale_claim,
        period_start=date(2020, 1, 1),
        period_end=date(2020, 5, 31),
        kind="interim",
    )
    response = client.post(reverse("claims:claim-submit", args=[world.draft.pk]), {"version": stale_claim})
    assert response.status_code == 409 and "Someone else changed this" in text(response)
    world.draft.refresh_from_db()
    assert world.draft.status == ClaimStatus.DRAFT


# --- who may see and change what --------------------------------------------------------


def test_another_organisations_claim_item_and_documents_answer_404(world, as_user):
    client = as_user(world.users["applicant"])
    other = world.other_claim
    other_item = other.items.get()
    for url in (
        detail_url(other),
        reverse("claims:claim-update", args=[other.pk]),
        reverse("claims:claim-delete", args=[other.pk]),
        reverse("claims:claim-import", args=[other.pk]),
        reverse("claims:item-create", args=[other.pk]),
        reverse("claims:item-update", args=[other_item.pk]),
        reverse("claims:item-delete", args=[other_item.pk]),
        reverse("claims:item-document", args=[other_item.pk]),
        reverse("claims:claim-create", args=[world.other_project.pk]),
        reverse("claims:indicator-value", args=[other.pk, world.indicator.pk]),
        reverse("claims:import-template") + f"?project={world.other_project.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("claims:claim-submit", args=[other.pk]), {"version": 1}).status_code == 404


def test_a_partner_organisation_and_other_roles_cannot_change_a_claim(world, as_user):
    claim, item = world.draft, world.item
    edits = (
        reverse("claims:claim-create", args=[world.project.pk]),
        reverse("claims:claim-update", args=[claim.pk]),
        reverse("claims:claim-delete", args=[claim.pk]),
        reverse("claims:claim-import", args=[claim.pk]),
        reverse("claims:item-create", args=[claim.pk]),
        reverse("claims:item-update", args=[item.pk]),
        reverse("claims:item-delete", args=[item.pk]),
        reverse("claims:indicator-value", args=[claim.pk, world.indicator.pk]),
    )
    for role in ("partner", "stranger", "officer", "auditor", "evaluator"):
        client = as_user(world.users[role])
        for url in edits:
            assert client.get(url).status_code == 404, (role, url)
            assert client.post(url, {"version": 1}).status_code == 404, (role, url)
        assert (
            client.post(reverse("claims:claim-submit", args=[claim.pk]), {"version": claim.version}).status_code == 404
        )
    for role in ("partner", "stranger", "evaluator"):
        client = as_user(world.users[role])
        assert client.get(detail_url(claim)).status_code == 404, role
        assert client.get(reverse("claims:item-document", args=[item.pk])).status_code == 404, role
        assert client.get(reverse("claims:claim-list")).status_code in (200, 404), role
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT and claim.items.count() == 1
    # Officers and auditors read the claim and its documents.
    for role in ("officer", "auditor"):
        client = as_user(world.users[role])
        assert client.get(detail_url(claim)).status_code == 200
        assert client.get(reverse("claims:item-document", args=[item.pk])).status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(detail_url(world.draft))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.get(reverse("claims:item-document", args=[world.item.pk]))
    assert response.status_code == 302


def test_a_submitted_claim_is_read_only_for_the_beneficiary(world, as_user):
    client = as_user(world.users["applicant"], "en")
    client.post(reverse("claims:claim-submit", args=[world.draft.pk]), {"version": world.draft.version})
    page = text(client.get(detail_url(world.draft)))
    assert reverse("claims:item-create", args=[world.draft.pk]) not in page
    response = client.get(reverse("claims:item-update", args=[world.item.pk]))
    assert response.status_code == 302 and response["Location"] == detail_url(world.draft)


def test_the_officers_verification_is_shown_to_the_beneficiary_once_the_claim_is_decided(world, as_user):
    applicant, officer = world.users["applicant"], world.users["officer"]
    claim = claim_submit(actor=applicant, claim=world.draft, version=world.draft.version)
    claim = claim_verification_start(actor=officer, claim=claim)
    item = ExpenditureItem.objects.get(pk=world.item.pk)
    item_verify(
        actor=officer,
        item=item,
        version=item.version,
        eligible_amount=Decimal("1000.00"),
        ineligibility_reason="recoverable_vat",
        ineligibility_note="PVM susigrąžinamas pagal deklaraciją.",
    )
    # While the officer verifies, only the officer sees the figures.
    page = text(as_user(applicant, "en").get(detail_url(claim)))
    assert "Reason for the ineligible part" not in page
    page = text(as_user(officer, "en").get(detail_url(claim)))
    assert "Reason for the ineligible part" in page and "PVM susigrąžinamas pagal deklaraciją." in page
    claim.refresh_from_db()
    claim_approve(actor=officer, claim=claim, version=claim.version)
    page = text(as_user(applicant, "en").get(detail_url(claim)))
    assert "Reason for the ineligible part" in page
    assert "Recoverable VAT: PVM susigrąžinamas pagal deklaraciją." in page
    assert '<td class="num" data-col="eligible_amount">€1,000.00</td>' in page
    assert 'data-col="payable_amount"' in page


def test_every_demo_claim_page_renders_for_its_readers(client):
    """The demo's claims (one in every status, a returned one after two rounds,
    an accepted repeated document) through the pages of each reader."""
    from core.models import User
    from grants import demo

    demo.seed_demo()
    claims = list(PaymentClaim.objects.select_related("project"))
    assert {claim.status for claim in claims} >= set(ClaimStatus.values)
    applicant = User.objects.get(username="applicant")
    beneficiary_claims = [claim for claim in claims if claim.project.beneficiary.users.filter(user=applicant).exists()]
    assert beneficiary_claims
    for username in ("officer", "auditor", "applicant"):
        client.force_login(User.objects.get(username=username))
        for language in ("lt", "en"):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
            mine = beneficiary_claims if username == "applicant" else claims
            for claim in mine:
                response = client.get(detail_url(claim))
                assert response.status_code == 200, (username, claim.reference)
                for item in claim.items.exclude(document=""):
                    assert client.get(reverse("claims:item-document", args=[item.pk])).status_code == 200
    client.force_login(applicant)
    page = text(client.get(reverse("claims:claim-list")))
    assert all(claim.reference in page for claim in beneficiary_claims)
