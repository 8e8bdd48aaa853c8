"""The selection API (/api/v1/ calls, applications, assignments): the whole
flow from a draft call to a contracted project through the API, the object
permissions (a foreign application, its attachments and receipt answer 404;
an evaluator sees only applications assigned to them after declaring no
conflict), one error shape, a fixed number of queries per list, and the
schema listing every endpoint."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate

from core.models import Role
from grants.models import Application, ApplicationStatus, Project
from reports.views_receipts import ApplicationReceiptApi
from tests.factories import OrganisationFactory, UserFactory, make_instrument

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def as_user(api, user):
    api.force_authenticate(user)
    return api


@pytest.fixture
def instrument(db):
    return make_instrument(code="SEL", allocation="2000000.00", rate="70.00", max_grant="200000.00")


@pytest.fixture
def evaluator(db):
    return UserFactory(role=Role.EVALUATOR)


@pytest.fixture
def other_applicant(db):
    return UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory(name="UAB Kitas"))


@pytest.fixture
def open_call(api, officer, instrument):
    now = timezone.now()
    response = as_user(api, officer).post(
        "/api/v1/calls/",
        {
            "instrument": instrument.pk,
            "code": "API-1",
            "title_lt": "API kvietimas",
            "title_en": "API call",
            "budget_amount": "500000.00",
            "opens_at": (now - timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(),
            "funding_rate": "70.00",
            "max_grant_amount": "150000.00",
            "eligible_applicant_types": ["sme"],
            "quality_threshold": "50.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    call_id = response.json()["id"]
    criteria = {
        "criteria": [
            {"code": "C1", "name_lt": "Kokybė", "name_en": "Quality", "weight": "60.00", "max_score": 10},
            {"code": "C2", "name_lt": "Poveikis", "name_en": "Impact", "weight": "40.00", "max_score": 5},
        ]
    }
    response = api.put(f"/api/v1/calls/{call_id}/criteria/", criteria, format="json")
    assert response.status_code == 200, response.content
    response = api.post(f"/api/v1/calls/{call_id}/open/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "open"
    return response.json()


def fill_and_submit(api, applicant, call, instrument) -> dict:
    api = as_user(api, applicant)
    response = api.post("/api/v1/applications/", {"call": call["id"]}, format="json")
    assert response.status_code == 201, response.content
    application = response.json()
    assert application["status"] == "draft"
    url = application["url"]
    category = instrument.eligible_cost_categories.order_by("code").first()
    response = api.patch(
        url,
        {
            "title": "Bandomasis projektas",
            "summary": "Santrauka",
            "start_date": str(timezone.localdate() + timedelta(days=60)),
            "end_date": str(timezone.localdate() + timedelta(days=400)),
            "budget_lines": [{"cost_category": category.pk, "amount": "100000.00"}],
            "de_minimis_received": "0.00",
            "declares_no_double_funding": True,
            "declares_data_accurate": True,
            "version": application["version"],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["eligible_cost"] == "100000.00"
    assert body["grant_requested"] == "70000.00"
    assert body["own_contribution"] == "30000.00"
    upload = SimpleUploadedFile("planas.pdf", PDF, content_type="application/pdf")
    response = api.post(f"{url}attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    response = api.post(f"{url}submit/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["number"] == "API-1-00001"
    return body


def test_the_whole_flow_through_the_api(api, officer, applicant, evaluator, instrument, open_call):
    application = fill_and_submit(api, applicant, open_call, instrument)
    url = application["url"]

    officer_api = as_user(APIClient(HTTP_ACCEPT_LANGUAGE="en"), officer)
    assert officer_api.post(f"{url}eligibility/start/").status_code == 200
    response = officer_api.post(
        f"{url}eligibility/decision/", {"eligible": True, "checklist": {"documents": True}}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "under_evaluation"
    response = officer_api.post(f"{url}assignments/", {"evaluator": evaluator.pk}, format="json")
    assert response.status_code == 201, response.content
    assignment = response.json()

    evaluator_api = as_user(APIClient(HTTP_ACCEPT_LANGUAGE="en"), evaluator)
    # Before declaring no conflict, the evaluator does not see the application.
    assert evaluator_api.get(url).status_code == 404
    assert evaluator_api.get("/api/v1/assignments/").json()["count"] == 1
    response = evaluator_api.post(f"{assignment['url']}conflict/", {"has_conflict": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "scoring"
    assert evaluator_api.get(url).status_code == 200
    criteria = {c["code"]: c["id"] for c in open_call["criteria"]}
    response = evaluator_api.post(
        f"{assignment['url']}scores/",
        {
            "scores": [
                {"criterion": criteria["C1"], "score": "8", "comment": "Gerai"},
                {"criterion": criteria["C2"], "score": "4", "comment": "Gerai"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["score"] == "80.00"  # (8/10×60 + 4/5×40) / 100 × 100

    call_url = f"/api/v1/calls/{open_call['id']}/"
    response = officer_api.get(f"{call_url}ranking/")
    assert response.status_code == 200, response.content
    pools = response.json()["pools"]
    assert len(pools) == 1
    row = pools[0]["rows"][0]
    assert row["number"] == "API-1-00001"
    assert row["score"] == "80.00"
    assert row["grant"] == "70000.00"
    assert row["outcome"] == "approved"

    assert officer_api.post(f"{call_url}close/").status_code == 200
    response = officer_api.post(f"{call_url}decision/", {"reasons": "Pagal reitingą."}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["reasons"] == "Pagal reitingą."
    stored = Application.objects.get(pk=application["id"])
    assert stored.status == ApplicationStatus.APPROVED
    assert Project.objects.get(pk=stored.project_id).grant_amount == Decimal("70000.00")
    # Only once.
    response = officer_api.post(f"{call_url}decision/", {"reasons": "Dar kartą."}, format="json")
    assert response.status_code == 400
    assert officer_api.get(call_url).json()["decision"]["reasons"] == "Pagal reitingą."


def test_a_foreign_application_its_attachments_and_receipt_answer_404(
    api, applicant, other_applicant, instrument, open_call
):
    application = fill_and_submit(api, applicant, open_call, instrument)
    url = application["url"]
    attachment_url = application["attachments"][0]["download_url"]

    own = as_user(APIClient(), applicant)
    response = own.get(attachment_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF

    other = as_user(APIClient(HTTP_ACCEPT_LANGUAGE="en"), other_applicant)
    for response in (
        other.get(url),
        other.get(f"{url}attachments/"),
        other.get(attachment_url),
        other.patch(url, {"title": "Pasisavinta"}, format="json"),
        other.post(f"{url}withdraw/"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    assert other.get("/api/v1/applications/").json()["count"] == 0

    request = APIRequestFactory().get(f"/api/v1/applications/{application['id']}/receipt/")
    force_authenticate(request, user=other_applicant)
    assert ApplicationReceiptApi.as_view()(request, application_id=application["id"]).status_code == 404


def test_an_evaluator_cannot_see_unassigned_applications(api, applicant, evaluator, instrument, open_call):
    application = fill_and_submit(api, applicant, open_call, instrument)
    evaluator_api = as_user(APIClient(), evaluator)
    assert evaluator_api.get(application["url"]).status_code == 404
    assert evaluator_api.get("/api/v1/applications/").json()["count"] == 0
    assert evaluator_api.get("/api/v1/assignments/").json()["count"] == 0


def test_roles_that_may_not_act_get_403_and_rules_400(api, applicant, officer, instrument, open_call):
    application = fill_and_submit(api, applicant, open_call, instrument)
    own = as_user(APIClient(HTTP_ACCEPT_LANGUAGE="en"), applicant)
    assert own.post(f"{application['url']}eligibility/start/").status_code == 403
    assert own.post("/api/v1/calls/", {}, format="json").status_code == 403
    assert own.get(f"/api/v1/calls/{open_call['id']}/ranking/").status_code == 403
    # A submitted application is no longer editable: 400 with the message.
    response = own.patch(application["url"], {"title": "Kitas", "version": application["version"]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    # A forbidden transition: a draft call cannot be closed twice.
    officer_api = as_user(APIClient(HTTP_ACCEPT_LANGUAGE="en"), officer)
    assert officer_api.post(f"/api/v1/calls/{open_call['id']}/close/").status_code == 200
    response = officer_api.post(f"/api/v1/calls/{open_call['id']}/close/")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"status": [response.json()["error"]["message"]]}


def test_submission_lists_every_problem_by_field(api, applicant, open_call):
    own = as_user(api, applicant)
    draft = own.post("/api/v1/applications/", {"call": open_call["id"]}, format="json").json()
    response = own.post(f"{draft['url']}submit/")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert len(fields) > 1, fields


def test_lists_cost_a_fixed_number_of_queries(api, officer, applicant, open_call, django_assert_max_num_queries):
    own = as_user(api, applicant)
    own.post("/api/v1/applications/", {"call": open_call["id"]}, format="json")
    officer_api = as_user(APIClient(), officer)
    with django_assert_max_num_queries(8):
        assert officer_api.get("/api/v1/applications/").json()["count"] == 1
    for _ in range(10):
        own.post("/api/v1/applications/", {"call": open_call["id"]}, format="json")
    with django_assert_max_num_queries(8):
        assert officer_api.get("/api/v1/applications/").json()["count"] == 11
    with django_assert_max_num_queries(10):
        assert officer_api.get("/api/v1/calls/").json()["count"] == 1


def test_the_schema_lists_every_selection_endpoint(api, officer):
    response = as_user(api, officer).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/calls/",
        "/api/v1/calls/{id}/",
        "/api/v1/calls/{id}/open/",
        "/api/v1/calls/{id}/close/",
        "/api/v1/calls/{id}/envelopes/",
        "/api/v1/calls/{id}/envelopes/{envelope_id}/",
        "/api/v1/calls/{id}/criteria/",
        "/api/v1/calls/{id}/ranking/",
        "/api/v1/calls/{id}/decision/",
        "/api/v1/applications/",
        "/api/v1/applications/{id}/",
        "/api/v1/applications/{id}/submit/",
        "/api/v1/applications/{id}/withdraw/",
        "/api/v1/applications/{id}/attachments/",
        "/api/v1/applications/{id}/attachments/{attachment_id}/",
        "/api/v1/applications/{id}/eligibility/start/",
        "/api/v1/applications/{id}/eligibility/decision/",
        "/api/v1/applications/{id}/assignments/",
        "/api/v1/assignments/",
        "/api/v1/assignments/{id}/",
        "/api/v1/assignments/{id}/conflict/",
        "/api/v1/assignments/{id}/scores/",
    ):
        assert path in paths, path
