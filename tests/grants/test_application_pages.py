"""The applicant's pages (issue 8): open calls, the six steps of the
application form saved as drafts, attachments, the review with "Submit", the
receipt, withdrawal and "My applications"; errors by their fields with what
was typed shown back; 404 for anything of another organisation or role."""

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clusters.models import OrganisationType
from clusters.services import cluster_create
from core.models import Role
from grants.models import Application, ApplicationAttachment, ApplicationStatus, Call, CallStatus
from grants.services import call_transition
from grants.services.applications import (
    application_attachment_add,
    application_budget_set,
    application_create,
    application_declarations_set,
    application_indicators_set,
    application_project_update,
    application_submit,
)
from tests.factories import (
    CostCategoryFactory,
    IndicatorFactory,
    OrganisationFactory,
    UserFactory,
    make_instrument,
)

pytestmark = pytest.mark.django_db

S = ApplicationStatus
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def categories():
    return {
        "STAFF": CostCategoryFactory(code="STAFF"),
        "PAT": CostCategoryFactory(code="PAT", max_share_percent=Decimal("25.00")),
    }


@pytest.fixture
def indicator():
    return IndicatorFactory(code="P.S.001")


@pytest.fixture
def call(categories, indicator):
    instrument = make_instrument(categories=list(categories.values()), indicators={indicator: "10"})
    now = timezone.now()
    call = Call.objects.create(
        instrument=instrument,
        code="K-01",
        title_lt="Bandomasis kvietimas",
        title_en="Test call",
        budget_amount=Decimal("500000.00"),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        selection_method="competitive",
        funding_rate=Decimal("70.00"),
        max_grant_amount=Decimal("100000.00"),
        min_own_contribution_percent=Decimal("30.00"),
        eligible_applicant_types=[OrganisationType.SME],
    )
    call_transition(actor=None, call=call, to_status=CallStatus.OPEN)
    return call


@pytest.fixture
def client_of(client):
    def log_in(user):
        client.force_login(user)
        return client

    return log_in


@pytest.fixture
def draft(call, applicant):
    return application_create(actor=applicant, call=call)


def complete(application, applicant, categories, indicator):
    application_project_update(
        actor=applicant,
        application=application,
        title="Skaitmeninis dvynys",
        summary="Gamybos linijos skaitmeninis dvynys.",
        start_date=timezone.localdate() + timedelta(days=30),
        end_date=timezone.localdate() + timedelta(days=400),
    )
    application_budget_set(actor=applicant, application=application, lines={categories["STAFF"]: Decimal("10000.00")})
    application_indicators_set(actor=applicant, application=application, targets={indicator: Decimal("2")})
    application_declarations_set(
        actor=applicant,
        application=application,
        de_minimis_received=Decimal("0"),
        no_double_funding=True,
        data_accurate=True,
    )
    return application


def step_url(application, step):
    return reverse("application-step", args=[application.pk, step])


def stored_files() -> set[Path]:
    """Every stored application file (tests share the media folder of the run)."""
    folder = Path(settings.MEDIA_ROOT) / "applications"
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


# --- calls ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, call):
    response = client.get(reverse("call-list"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_open_calls_list_and_call_page_show_the_conditions(client_of, applicant, call, categories):
    draft_call = Call.objects.create(
        instrument=call.instrument,
        code="K-DRAFT",
        title_lt="Juodraštis",
        budget_amount=Decimal("1000.00"),
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        selection_method="competitive",
        funding_rate=Decimal("50.00"),
        max_grant_amount=Decimal("1000.00"),
    )
    client = client_of(applicant)
    page = client.get(reverse("call-list")).content.decode()
    assert "K-01" in page and "K-DRAFT" not in page
    detail = client.get(reverse("call-detail", args=[call.pk]))
    text = detail.content.decode()
    closes = timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M:%S")
    assert closes in text
    assert "100 000,00 €" in text and "70,0 %" in text and "30,0 %" in text
    assert "25,0 %" in text  # the patents cap
    assert f'action="{reverse("call-apply", args=[call.pk])}"' in text
    assert client.get(reverse("call-detail", args=[draft_call.pk])).status_code == 404


def test_apply_creates_a_draft_and_opens_step_one(client_of, applicant, call):
    response = client_of(applicant).post(reverse("call-apply", args=[call.pk]))
    application = Application.objects.get(call=call)
    assert application.status == S.DRAFT and application.applicant == applicant.organisation_link.organisation
    assert response["Location"] == step_url(application, 1)


def test_officers_cannot_apply(client_of, officer, call):
    assert client_of(officer).post(reverse("call-apply", args=[call.pk])).status_code == 404


# --- the steps ------------------------------------------------------------------------------


def test_step_one_saves_and_continues(client_of, applicant, draft):
    client = client_of(applicant)
    assert client.get(step_url(draft, 1)).status_code == 200
    start = timezone.localdate() + timedelta(days=10)
    response = client.post(
        step_url(draft, 1),
        {
            "title": "Naujas projektas",
            "summary": "Santrauka",
            "start_date": start.isoformat(),
            "end_date": (start + timedelta(days=100)).isoformat(),
            "action": "continue",
            "version": draft.version,
        },
    )
    assert response["Location"] == step_url(draft, 2)
    draft.refresh_from_db()
    assert draft.title == "Naujas projektas" and draft.start_date == start


def test_step_one_refusal_is_shown_by_the_field_and_keeps_what_was_typed(client_of, applicant, draft):
    start = timezone.localdate() + timedelta(days=10)
    response = client_of(applicant).post(
        step_url(draft, 1),
        {
            "title": "Mano pavadinimas",
            "start_date": start.isoformat(),
            "end_date": (start - timedelta(days=1)).isoformat(),
            "action": "save",
            "version": draft.version,
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["end_date"]
    page = response.content.decode()
    assert 'id="id_end_date-error-1"' in page and 'aria-invalid="true"' in page
    assert 'value="Mano pavadinimas"' in page
    assert "data-error-summary" in page
    draft.refresh_from_db()
    assert draft.title == ""


def test_step_two_partners_are_cluster_members(client_of, applicant, draft):
    partner = OrganisationFactory(name="UAB Partneris")
    cluster = cluster_create(actor=None, name="Klasteris", coordinator=draft.applicant, established_on=date(2019, 1, 1))
    from clusters.services import cluster_member_add

    cluster_member_add(actor=None, cluster=cluster, organisation=partner, joined_on=date(2019, 2, 1))
    client = client_of(applicant)
    assert "UAB Partneris" in client.get(step_url(draft, 2)).content.decode()
    response = client.post(
        step_url(draft, 2), {"partners": [partner.pk], "action": "continue", "version": draft.version}
    )
    assert response["Location"] == step_url(draft, 3)
    assert list(draft.partners.all()) == [partner]


def test_step_three_wrong_amount_is_refused_by_its_field_and_shown_back(client_of, applicant, draft):
    response = client_of(applicant).post(
        step_url(draft, 3), {"budget_STAFF": "12,345", "budget_PAT": "", "action": "save", "version": draft.version}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["budget_STAFF"]
    page = response.content.decode()
    assert 'value="12,345"' in page
    assert 'id="id_budget_STAFF-error-1"' in page
    assert not draft.budget_lines.exists()


def test_step_three_saves_the_server_figures(client_of, applicant, draft):
    client = client_of(applicant)
    page = client.get(step_url(draft, 3)).content.decode()
    assert 'data-rate="70.00"' in page and "application.js" in page and "aria-live" in page
    response = client.post(
        step_url(draft, 3),
        {"budget_STAFF": "10 000,00", "budget_PAT": "1 234,56", "action": "save", "version": draft.version},
    )
    assert response.status_code == 302
    page = client.get(step_url(draft, 3)).content.decode()
    # 11 234,56 × 70 % = 7 864,192 → 7 864,19; own 3 370,37
    assert "11 234,56 €" in page and "7 864,19 €" in page and "3 370,37 €" in page
    assert 'value="1 234,56"' in page


def test_step_three_cap_is_enforced_by_the_field(client_of, applicant, draft):
    response = client_of(applicant).post(
        step_url(draft, 3),
        {"budget_STAFF": "7 000,00", "budget_PAT": "3 000,00", "action": "save", "version": draft.version},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["budget_PAT"]
    assert 'value="3 000,00"' in response.content.decode()
    assert not draft.budget_lines.exists()


def test_step_four_targets(client_of, applicant, draft, indicator):
    response = client_of(applicant).post(
        step_url(draft, 4), {"target_P.S.001": "3", "action": "continue", "version": draft.version}
    )
    assert response["Location"] == step_url(draft, 5)
    assert draft.indicator_targets.get().target_value == Decimal("3.00")


def test_step_five_upload_download_and_delete(client_of, applicant, draft):
    client = client_of(applicant)
    page = client.get(step_url(draft, 5)).content.decode()
    assert 'accept=".pdf,.docx,.xlsx"' in page and 'enctype="multipart/form-data"' in page
    upload = SimpleUploadedFile("planas.pdf", PDF, content_type="application/pdf")
    response = client.post(step_url(draft, 5), {"file": upload, "action": "upload"})
    assert response.status_code == 302
    attachment = draft.attachments.get()
    download = client.get(reverse("application-attachment", args=[draft.pk, attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    client.post(reverse("application-attachment-delete", args=[draft.pk, attachment.pk]))
    assert not draft.attachments.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("planas.pdf", b"MZ not a pdf at all"),
        ("planas.docx", PDF),
        ("didelis.pdf", PDF + b"0" * (10 * 1024 * 1024)),
    ],
    ids=["bad-content", "name-disagrees", "over-10-mb"],
)
def test_step_five_refused_upload_stores_nothing(client_of, applicant, draft, name, content):
    before = stored_files()
    response = client_of(applicant).post(step_url(draft, 5), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert 'id="id_file-error-1"' in response.content.decode()
    assert not ApplicationAttachment.objects.exists()
    assert stored_files() == before


def test_step_six_declarations_lead_to_the_review(client_of, applicant, draft):
    response = client_of(applicant).post(
        step_url(draft, 6),
        {
            "de_minimis_received": "12 000,00",
            "declares_no_double_funding": "on",
            "declares_data_accurate": "on",
            "action": "continue",
            "version": draft.version,
        },
    )
    assert response["Location"] == reverse("application-detail", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.de_minimis_received == Decimal("12000.00") and draft.declares_data_accurate


def test_the_step_navigation_marks_the_current_step(client_of, applicant, draft):
    page = client_of(applicant).get(step_url(draft, 4)).content.decode()
    assert f'href="{step_url(draft, 4)}" aria-current="step"' in page
    assert page.count('aria-current="step"') == 1


# --- submit, receipt, withdraw ------------------------------------------------------------------


def test_submit_gives_a_receipt(client_of, applicant, draft, categories, indicator):
    complete(draft, applicant, categories, indicator)
    client = client_of(applicant)
    response = client.post(reverse("application-submit", args=[draft.pk]))
    assert response["Location"] == reverse("application-receipt", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED and draft.number == "K-01-00001"
    page = client.get(response["Location"]).content.decode()
    assert "K-01-00001" in page
    assert timezone.localtime(draft.submitted_at).strftime("%Y-%m-%d %H:%M:%S") in page
    assert 'id="receipt-pdf"' in page
    # Submitted: the steps are closed, the review shows no Submit.
    assert client.get(step_url(draft, 1))["Location"] == reverse("application-detail", args=[draft.pk])
    assert (
        reverse("application-submit", args=[draft.pk])
        not in client.get(reverse("application-detail", args=[draft.pk])).content.decode()
    )


def test_submit_lists_every_problem_with_its_step(client_of, applicant, draft):
    response = client_of(applicant).post(reverse("application-submit", args=[draft.pk]))
    assert response.status_code == 400
    page = response.content.decode()
    assert "data-error-summary" in page
    assert step_url(draft, 1) in page and step_url(draft, 6) in page
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_submit_after_the_deadline_is_refused_with_the_moment(client_of, applicant, draft, categories, indicator):
    complete(draft, applicant, categories, indicator)
    Call.objects.filter(pk=draft.call_id).update(closes_at=timezone.now() - timedelta(seconds=1))
    response = client_of(applicant).post(reverse("application-submit", args=[draft.pk]))
    assert response.status_code == 400
    assert "K-01" in response.content.decode()
    assert [p for p in response.context["problems"] if "(Vilnius" in p["message"] or "Vilniaus" in p["message"]]
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and draft.number is None


def test_withdraw_asks_for_confirmation(client_of, applicant, draft, categories, indicator):
    complete(draft, applicant, categories, indicator)
    application_submit(actor=applicant, application=draft)
    client = client_of(applicant)
    url = reverse("application-withdraw", args=[draft.pk])
    assert client.get(url).status_code == 200
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED
    assert client.post(url).status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.WITHDRAWN


# --- my applications ------------------------------------------------------------------------


def test_my_applications_cost_a_fixed_number_of_queries(client_of, applicant, call, django_assert_max_num_queries):
    client = client_of(applicant)
    application_create(actor=applicant, call=call)
    with django_assert_max_num_queries(12) as one:
        assert client.get(reverse("application-list")).status_code == 200
    for _ in range(15):
        application_create(actor=applicant, call=call)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("application-list"))
    assert response.content.decode().count('data-status="draft"') == 16


def test_my_applications_show_only_my_organisation(client_of, applicant, call):
    other = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    application_create(actor=other, call=call)
    mine = application_create(actor=applicant, call=call)
    page = client_of(applicant).get(reverse("application-list")).content.decode()
    assert page.count("data-status=") == 1 and step_url(mine, 1) in page


# --- 404 for anything foreign -----------------------------------------------------------------


def test_foreign_applications_attachments_and_receipts_answer_404(client_of, applicant, call, categories, indicator):
    other = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    theirs = complete(application_create(actor=other, call=call), other, categories, indicator)
    attachment = application_attachment_add(actor=other, application=theirs, upload=SimpleUploadedFile("x.pdf", PDF))
    application_submit(actor=other, application=theirs)
    client = client_of(applicant)
    urls = [step_url(theirs, n) for n in range(1, 7)] + [
        reverse("application-detail", args=[theirs.pk]),
        reverse("application-receipt", args=[theirs.pk]),
        reverse("application-withdraw", args=[theirs.pk]),
        reverse("application-attachment", args=[theirs.pk, attachment.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("application-submit", args=[theirs.pk]),
        reverse("application-withdraw", args=[theirs.pk]),
        reverse("application-attachment-delete", args=[theirs.pk, attachment.pk]),
    ):
        assert client.post(url).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.status == S.SUBMITTED and theirs.attachments.exists()


@pytest.mark.parametrize("role", [Role.OFFICER, Role.EVALUATOR, Role.AUDITOR])
def test_other_roles_get_404_on_the_applicant_pages(client_of, draft, role):
    client = client_of(UserFactory(role=role))
    for url in [step_url(draft, 1), reverse("application-detail", args=[draft.pk]), reverse("application-list")]:
        assert client.get(url).status_code == 404, url


def test_an_officer_downloads_an_attachment(client_of, officer, applicant, draft):
    attachment = application_attachment_add(actor=applicant, application=draft, upload=SimpleUploadedFile("x.pdf", PDF))
    response = client_of(officer).get(reverse("application-attachment", args=[draft.pk, attachment.pk]))
    assert response.status_code == 200


def test_a_docx_upload_is_accepted(client_of, applicant, draft):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    upload = SimpleUploadedFile("aprasas.docx", buffer.getvalue())
    response = client_of(applicant).post(step_url(draft, 5), {"file": upload, "action": "upload"})
    assert response.status_code == 302
    assert draft.attachments.get().kind == "docx"
