# ruff: noqa: F811 - the fixtures of amendment_fixtures are imported by name
"""Optimistic locking: two edits made from the same version — the first is
saved, the second is refused (409 in the API, the message above the form on
the web, the current data shown) and the first one's change is kept. For the
project's PATCH and edit page, the call's PATCH and edit page, the application
draft and the amendment decision."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Role
from grants.models import AmendmentKind, AmendmentStatus, Application, Call
from grants.services.amendments import amendment_request
from grants.services.applications import application_create
from tests.factories import UserFactory, make_call, make_instrument
from tests.grants.amendment_fixtures import (  # noqa: F401 - fixtures
    beneficiary,
    beneficiary_user,
    english,
    indicator,
    instrument,
    partner,
    project,
)

pytestmark = pytest.mark.django_db
STALE = "Someone else changed this"
# The same message on the pages, which these users read in Lithuanian.
STALE_LT = "kažkas kitas pakeitė"


def api_of(user):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(user)
    return api


def web_of(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def other_officer(db):
    return UserFactory(role=Role.OFFICER)


def assert_conflict(response):
    assert response.status_code == 409, response.content
    body = response.json()["error"]
    assert body["code"] == "conflict" and STALE in body["message"]
    assert body["fields"]["version"] == [body["message"]]


# --------------------------------------------------------------------------- project


def test_project_patch_second_edit_from_the_same_version_gets_409(project, officer, other_officer):
    url = f"/api/v1/projects/{project.pk}/"
    seen = api_of(officer).get(url).json()["version"]
    first = api_of(officer).patch(url, {"version": seen, "title": "Pirmas"}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["version"] == seen + 1
    second = api_of(other_officer).patch(url, {"version": seen, "end_date": "2022-03-31"}, format="json")
    assert_conflict(second)
    project.refresh_from_db()
    assert project.title == "Pirmas" and project.end_date == date(2021, 12, 31)


def test_project_patch_needs_a_version(project, officer):
    response = api_of(officer).patch(f"/api/v1/projects/{project.pk}/", {"title": "Be versijos"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()["error"]["fields"]


def test_project_edit_page_second_edit_shows_the_message_and_the_current_data(client, project, officer, other_officer):
    url = reverse("amendments:project-edit", args=[project.pk])
    form = {"version": project.version, "start_date": "2020-01-01", "end_date": "2021-12-31"}
    assert web_of(client, officer).post(url, {**form, "title": "Pirmas"}).status_code == 302
    response = web_of(client, other_officer).post(url, {**form, "title": "Antras"})
    assert response.status_code == 409
    page = response.content.decode()
    assert STALE_LT in page and 'id="stale-message"' in page
    assert 'value="Pirmas"' in page and 'value="Antras"' not in page
    assert 'name="version" value="2"' in page
    project.refresh_from_db()
    assert project.title == "Pirmas"


# --------------------------------------------------------------------------- call


@pytest.fixture
def draft_call(db):
    return make_call(make_instrument(code="LOCK"), code="LOCK-1")


def test_call_patch_second_edit_from_the_same_version_gets_409(draft_call, officer, other_officer):
    url = f"/api/v1/calls/{draft_call.pk}/"
    seen = api_of(officer).get(url).json()["version"]
    first = api_of(officer).patch(url, {"version": seen, "budget_amount": "400000.00"}, format="json")
    assert first.status_code == 200, first.content
    second = api_of(other_officer).patch(url, {"version": seen, "budget_amount": "300000.00"}, format="json")
    assert_conflict(second)
    draft_call.refresh_from_db()
    assert str(draft_call.budget_amount) == "400000.00" and draft_call.version == seen + 1
    missing = api_of(officer).patch(url, {"budget_amount": "1.00"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()["error"]["fields"]


def test_call_edit_page_second_edit_shows_the_message_and_the_current_data(client, draft_call, officer, other_officer):
    url = reverse("manage:call-update", args=[draft_call.pk])
    form = {
        "instrument": draft_call.instrument_id,
        "code": "LOCK-1",
        "title_lt": "Kvietimas",
        "title_en": "Call",
        "opens_at": "2020-01-01T09:00:00",
        "closes_at": "2020-03-01T17:00:00",
        "funding_rate": "70",
        "max_grant_amount": "200000",
        "min_own_contribution_percent": "0",
        "eligible_applicant_types": ["sme"],
        "quality_threshold": "50",
        "version": draft_call.version,
    }
    first = web_of(client, officer).post(url, {**form, "budget_amount": "400000"})
    assert first.status_code == 302, first.content.decode()[:3000]
    response = web_of(client, other_officer).post(url, {**form, "budget_amount": "300000"})
    assert response.status_code == 409
    page = response.content.decode()
    assert STALE_LT in page and 'id="stale-message"' in page
    assert 'name="version" value="2"' in page and "400000" in page.replace("\u00a0", "").replace(" ", "").replace(
        ",", ""
    )
    draft_call.refresh_from_db()
    assert str(draft_call.budget_amount) == "400000.00"


# --------------------------------------------------------------------------- application draft


@pytest.fixture
def draft_application(db, beneficiary, beneficiary_user):
    instrument = make_instrument(code="LOCKAPP")
    call = make_call(instrument, code="LOCKAPP-1")
    Call.objects.filter(pk=call.pk).update(
        status="open",
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=30),
    )
    call.refresh_from_db()
    return application_create(actor=beneficiary_user, call=call)


def test_application_patch_second_edit_from_the_same_version_gets_409(draft_application, beneficiary_user):
    url = f"/api/v1/applications/{draft_application.pk}/"
    api = api_of(beneficiary_user)
    seen = api.get(url).json()["version"]
    first = api.patch(url, {"version": seen, "title": "Pirmas", "summary": "A"}, format="json")
    assert first.status_code == 200, first.content
    second = api.patch(url, {"version": seen, "title": "Antras"}, format="json")
    assert_conflict(second)
    draft_application.refresh_from_db()
    assert draft_application.title == "Pirmas"
    # Several steps in one PATCH continue from the version each step saved.
    current = first.json()["version"]
    both = api.patch(url, {"version": current, "title": "Trečias", "declares_data_accurate": True}, format="json")
    assert both.status_code == 200, both.content
    assert both.json()["version"] == current + 2
    assert api.patch(url, {"version": current}, format="json").status_code == 409


def test_application_step_page_second_edit_shows_the_message(client, draft_application, beneficiary_user):
    url = reverse("application-step", args=[draft_application.pk, 1])
    start = timezone.localdate() + timedelta(days=10)
    form = {
        "summary": "Santrauka",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=100)).isoformat(),
        "action": "save",
        "version": draft_application.version,
    }
    client = web_of(client, beneficiary_user)
    assert client.post(url, {**form, "title": "Pirmas"}).status_code == 302
    response = client.post(url, {**form, "title": "Antras"})
    assert response.status_code in (400, 409)
    assert STALE_LT in response.content.decode()
    assert Application.objects.get(pk=draft_application.pk).title == "Pirmas"


# --------------------------------------------------------------------------- amendment decision


@pytest.fixture
def requested(project, beneficiary_user):
    return amendment_request(
        actor=beneficiary_user,
        project=project,
        kind=AmendmentKind.DATE_EXTENSION,
        justification="Vėluoja",
        new_end_date=date(2022, 6, 30),
    )


def test_amendment_decision_api_second_from_the_same_version_gets_409(requested, officer, other_officer):
    url = f"/api/v1/amendments/{requested.pk}/decision/"
    first = api_of(officer).post(url, {"version": 1, "approve": False, "note": "Ne"}, format="json")
    assert first.status_code == 200, first.content
    second = api_of(other_officer).post(url, {"version": 1, "approve": True}, format="json")
    assert_conflict(second)
    requested.refresh_from_db()
    assert requested.status == AmendmentStatus.REJECTED and requested.decided_by == officer


def test_amendment_decision_page_second_shows_the_message(client, requested, officer, other_officer):
    url = reverse("amendments:amendment-decide", args=[requested.pk])
    assert web_of(client, officer).post(url, {"version": 1, "decision": "approve"}).status_code == 302
    response = web_of(client, other_officer).post(url, {"version": 1, "decision": "reject", "note": "Ne"})
    assert response.status_code == 409
    page = response.content.decode()
    assert STALE_LT in page and 'id="stale-message"' in page
    assert "Patvirtintas" in page  # the first officer's decision, kept (in Lithuanian)
    requested.refresh_from_db()
    assert requested.status == AmendmentStatus.APPROVED and requested.decided_by == officer
