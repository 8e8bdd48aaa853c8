"""The budget API: GET /api/v1/rollups/?level= (officers and auditors; 404 for
other roles, 403 without a login, 400 for a wrong level or date, all in the
error shape) and GET /api/v1/projects/<id>/budget/ (anyone who may see the
project, 404 otherwise). Amounts are strings."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from core.models import Role
from grants.models import ClaimStatus, ProjectStatus
from grants.services import project_transition
from tests.factories import OrganisationFactory, UserFactory, make_call, make_instrument, make_project
from tests.grants.budget_fixtures import every_status, make_claim

pytestmark = pytest.mark.django_db

ROLLUPS = "/api/v1/rollups/"


def budget_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/budget/"


@pytest.fixture
def project():
    instrument = make_instrument(code="API", allocation="900000.00")
    call = make_call(instrument, code="API-1", budget="100000.00")
    project = make_project(instrument, call=call, lines={"STAFF": "8000.00", "EQUIP": "2000.00"})
    return project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def applicant_of(organisation):
    return UserFactory(role=Role.APPLICANT, organisation=organisation)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR])
@pytest.mark.parametrize("level", ["call", "instrument", "programme"])
def test_officers_and_auditors_get_each_level(project, role, level):
    every_status(project)
    response = client_for(UserFactory(role=role)).get(ROLLUPS, {"level": level})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["level"] == level
    row = next(r for r in body["results"] if r["project_count"] == 1)
    assert row["claimed"] == "3550.24" and row["verified"] == "2880.75"
    assert row["planned"] == "10000.00" and row["grant"] == "7000.00"
    assert row["paid"] == "1113.18" and row["remaining"] == "5886.82"
    assert body["total"]["claimed"] == "3550.24"


def test_the_as_of_date_is_honoured(project):
    make_claim(project, ClaimStatus.SUBMITTED, [("STAFF", "10.00", None)], submitted_on=date(2024, 3, 10))
    officer = client_for(UserFactory(role=Role.OFFICER))
    before = officer.get(ROLLUPS, {"level": "instrument", "as_of": "2024-03-09"}).json()
    after = officer.get(ROLLUPS, {"level": "instrument", "as_of": "2024-03-10"}).json()
    assert before["as_of"] == "2024-03-09" and before["total"]["claimed"] == "0.00"
    assert after["total"]["claimed"] == "10.00"


@pytest.mark.parametrize("params", [{}, {"level": "project"}, {"level": "call", "as_of": "yesterday"}])
def test_a_wrong_level_or_date_is_a_field_error(project, params):
    response = client_for(UserFactory(role=Role.OFFICER)).get(ROLLUPS, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) & {"level", "as_of"}


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR, Role.ADMINISTRATOR])
def test_other_roles_find_no_rollups(project, role):
    response = client_for(UserFactory(role=role)).get(ROLLUPS, {"level": "instrument"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_without_a_login_the_rollups_are_forbidden(project):
    response = client_for().get(ROLLUPS, {"level": "instrument"})
    assert response.status_code == 403
    assert "error" in response.json()


def test_the_project_budget_for_officers_and_the_beneficiary(project):
    every_status(project)
    for user in (UserFactory(role=Role.OFFICER), UserFactory(role=Role.AUDITOR), applicant_of(project.beneficiary)):
        response = client_for(user).get(budget_url(project))
        assert response.status_code == 200, response.content
        body = response.json()
        lines = {line["cost_category_code"]: line for line in body["lines"]}
        assert lines["STAFF"] == {
            "id": lines["STAFF"]["id"],
            "cost_category_code": "STAFF",
            "cost_category": lines["STAFF"]["cost_category"],
            "planned": "8000.00",
            "claimed": "2750.25",
            "verified": "2400.75",
            "paid": "1500.25",
        }
        assert (body["claimed"], body["verified"], body["paid"]) == ("3550.24", "2880.75", "1580.25")
        assert (body["grant"], body["payments_total"], body["remaining_grant"]) == ("7000.00", "1113.18", "5886.82")


def test_the_project_budget_is_not_found_for_others(project):
    stranger = applicant_of(OrganisationFactory())
    for user in (stranger, UserFactory(role=Role.EVALUATOR)):
        response = client_for(user).get(budget_url(project))
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert client_for(UserFactory(role=Role.OFFICER)).get("/api/v1/projects/999999/budget/").status_code == 404
