# ruff: noqa: F811 - the fixtures of amendment_fixtures are imported by name
"""The amendment API: requests, decisions, agreement versions, a project's
PATCH and status; 404 for what the user may not see, 403 for a role that may
not act, 400 for a broken rule, a fixed number of queries per list."""

import pytest
from rest_framework.test import APIClient

from core.models import Role
from grants.models import AgreementVersion, Amendment, AmendmentStatus, ClaimKind, ClaimStatus
from tests.factories import OrganisationFactory, UserFactory, make_project
from tests.grants.amendment_fixtures import (  # noqa: F401 - fixtures
    beneficiary,
    beneficiary_user,
    english,
    indicator,
    instrument,
    line,
    make_claim,
    partner,
    project,
)

pytestmark = pytest.mark.django_db


def api_of(user):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


@pytest.fixture
def outsider(db):
    return UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory(name="UAB Svetimas"))


def reallocation(project, staff, equip):
    return {
        "project": project.pk,
        "kind": "budget_reallocation",
        "justification": "Kainos pasikeitė",
        "budget_lines": [
            {"budget_line": line(project, "STAFF").pk, "planned_amount": staff},
            {"budget_line": line(project, "EQUIP").pk, "planned_amount": equip},
        ],
    }


def test_request_within_the_share_applies_and_shows_its_version(project, beneficiary_user):
    api = api_of(beneficiary_user)
    response = api.post("/api/v1/amendments/", reallocation(project, "57000.00", "33000.00"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "applied" and body["agreement_version_number"] == 2
    changes = {c["cost_category_code"]: c["planned_amount"] for c in body["budget_changes"]}
    assert changes["STAFF"] == "57000.00"
    versions = api.get(f"/api/v1/agreement-versions/?project={project.pk}").json()
    assert [v["number"] for v in versions["results"]] == [1, 2]
    first = api.get(versions["results"][0]["url"]).json()
    assert first["snapshot"]["budget"]["STAFF"] == "60000.00" and first["amendment"] is None


def test_request_then_decision_by_an_officer(project, beneficiary_user, officer):
    response = api_of(beneficiary_user).post(
        "/api/v1/amendments/", reallocation(project, "40000.00", "50000.00"), format="json"
    )
    assert response.status_code == 201 and response.json()["status"] == "requested"
    url = response.json()["url"]
    assert api_of(beneficiary_user).post(f"{url}decision/", {"version": 1, "approve": True}).status_code == 403
    refused = api_of(officer).post(f"{url}decision/", {"version": 1, "approve": False}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()["error"]["fields"]
    approved = api_of(officer).post(f"{url}decision/", {"version": 1, "approve": True}, format="json")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == officer.username
    assert approved.json()["version"] == 2
    assert AgreementVersion.objects.filter(project=project).count() == 2


def test_rule_broken_is_400_with_its_field(project, beneficiary_user):
    response = api_of(beneficiary_user).post(
        "/api/v1/amendments/", reallocation(project, "40000.00", "40000.00"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"budget": [response.json()["error"]["message"]]}
    extension = {"project": project.pk, "kind": "date_extension", "justification": "x", "new_end_date": "2030-01-01"}
    response = api_of(beneficiary_user).post("/api/v1/amendments/", extension, format="json")
    assert response.status_code == 400 and "new_end_date" in response.json()["error"]["fields"]


def test_what_the_user_may_not_see_is_404_and_roles_get_403(project, beneficiary_user, outsider, officer, partner):
    amendment = (
        api_of(beneficiary_user)
        .post("/api/v1/amendments/", reallocation(project, "40000.00", "50000.00"), format="json")
        .json()
    )
    for url in (amendment["url"], f"/api/v1/projects/{project.pk}/"):
        response = api_of(outsider).get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api_of(outsider).get("/api/v1/amendments/").json()["count"] == 0
    assert api_of(outsider).get("/api/v1/agreement-versions/").json()["count"] == 0
    assert api_of(outsider).post(f"{amendment['url']}decision/", {"version": 1, "approve": True}).status_code == 404
    assert api_of(outsider).patch(f"/api/v1/projects/{project.pk}/", {"version": 1}).status_code == 404
    # The foreign project cannot be named in a request either.
    response = api_of(outsider).post("/api/v1/amendments/", reallocation(project, "1", "1"), format="json")
    assert response.status_code == 400 and "project" in response.json()["error"]["fields"]
    # An officer sees it but may not request; the beneficiary may not PATCH the project or change its status.
    assert (
        api_of(officer).post("/api/v1/amendments/", reallocation(project, "1", "1"), format="json").status_code == 403
    )
    assert (
        api_of(beneficiary_user)
        .patch(f"/api/v1/projects/{project.pk}/", {"version": 1, "title": "X"}, format="json")
        .status_code
        == 403
    )
    assert (
        api_of(beneficiary_user)
        .post(f"/api/v1/projects/{project.pk}/status/", {"status": "in_implementation"}, format="json")
        .status_code
        == 403
    )
    # A partner's user sees the project but may not request.
    partner_user = UserFactory(role=Role.APPLICANT, organisation=partner)
    assert api_of(partner_user).get(amendment["url"]).status_code == 200
    assert (
        api_of(partner_user).post("/api/v1/amendments/", reallocation(project, "1", "1"), format="json").status_code
        == 403
    )


def test_withdrawal(project, beneficiary_user):
    api = api_of(beneficiary_user)
    amendment = api.post("/api/v1/amendments/", reallocation(project, "40000.00", "50000.00"), format="json").json()
    response = api.post(f"{amendment['url']}withdraw/", {"version": 1}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert api.post(f"{amendment['url']}withdraw/", {"version": 1}, format="json").status_code == 409


def test_project_status_endpoint_names_each_missing_precondition(project, officer, indicator):
    api = api_of(officer)
    url = f"/api/v1/projects/{project.pk}/status/"
    for status in ("in_implementation", "completed"):
        response = api.post(url, {"status": status}, format="json")
        assert response.status_code == 200 and response.json()["status"] == status
    response = api.post(url, {"status": "closed"}, format="json")
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "final payment claim" in message and indicator.code in message
    make_claim(project, status=ClaimStatus.PAID, kind=ClaimKind.FINAL)
    project.indicator_values.create(indicator=indicator, reported_on="2021-12-01", value=1)
    response = api.post(url, {"status": "closed"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert api.post(url, {"status": "in_implementation"}, format="json").status_code == 400


def test_lists_take_a_fixed_number_of_queries(instrument, beneficiary, beneficiary_user, django_assert_max_num_queries):
    from grants.services.amendments import amendment_request

    def add(n):
        for _ in range(n):
            other = make_project(instrument, beneficiary=beneficiary, lines={"STAFF": "60000.00", "EQUIP": "40000.00"})
            amendment_request(
                actor=beneficiary_user,
                project=other,
                kind="budget_reallocation",
                justification="x",
                budget={line(other, "STAFF"): "57000.00", line(other, "EQUIP"): "43000.00"},
            )

    api = api_of(beneficiary_user)
    add(2)
    for url in ("/api/v1/amendments/", "/api/v1/agreement-versions/"):
        with django_assert_max_num_queries(12):
            assert api.get(url).status_code == 200
    add(8)
    for url in ("/api/v1/amendments/", "/api/v1/agreement-versions/"):
        with django_assert_max_num_queries(12):
            response = api.get(url)
        assert response.json()["count"] >= 10
    assert Amendment.objects.filter(status=AmendmentStatus.APPLIED).count() == 10
