"""The home page per role: the per-instrument table at a fixed query count,
and an applicant sees only its own organisation's data."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Role
from grants.models import ProjectStatus
from grants.services import indicator_value_report, payment_create, project_transition
from tests.factories import IndicatorFactory, OrganisationFactory, UserFactory, make_instrument, make_project

pytestmark = pytest.mark.django_db


def _portfolio(n_projects: int):
    indicator = IndicatorFactory(name="Companies that received subsidies")
    instruments = [
        make_instrument(allocation="100000000.00", indicators={indicator: "1000"}),
        make_instrument(allocation="100000000.00", indicators={IndicatorFactory(): "50"}),
    ]
    for i in range(n_projects):
        instrument = instruments[i % 2]
        project = make_project(instrument, lines={"STAFF": "1000.00"})
        project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
        payment_create(actor=None, project=project, kind="advance", paid_on=date(2020, 2, 1), amount=Decimal("100.00"))
        if instrument is instruments[0]:
            indicator_value_report(
                actor=None, project=project, indicator=indicator, reported_on=date(2020, 6, 1), value=Decimal("3")
            )
    return instruments


def _queries_for_home(client, user) -> tuple[int, str]:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_officer_sees_per_instrument_figures(client, officer):
    instruments = _portfolio(10)
    _, html = _queries_for_home(client, officer)
    # 5 projects each: grant 700.00 × 5 = 3,500.00; paid 100.00 × 5 = 500.00.
    assert html.count("3,500.00") == 2
    assert html.count("500.00") >= 2
    assert instruments[0].code in html
    # indicator: 5 × 3 = 15 achieved of 1000 target → 1.5 %
    assert "achieved 15" in html and "target 1,000" in html and "1.5 %" in html


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR])
def test_home_query_count_does_not_grow_with_projects(client, role):
    user = UserFactory(role=role)
    _portfolio(10)
    small, _ = _queries_for_home(client, user)
    _portfolio(190)
    large, html = _queries_for_home(client, user)
    assert "Programme overview" in html
    assert small == large, f"{small} queries with 10 projects, {large} with 200"


def test_applicant_sees_only_own_organisation(client):
    own, other = OrganisationFactory(name="UAB Mūsų Klasteris"), OrganisationFactory(name="UAB Svetimas")
    instrument = make_instrument()
    mine = make_project(instrument, beneficiary=own, code="OWN-1")
    theirs = make_project(instrument, beneficiary=other, code="OTHER-1")
    applicant = UserFactory(role=Role.APPLICANT, organisation=own)
    client.force_login(applicant)
    html = client.get(reverse("home")).content.decode()
    assert mine.code in html
    assert theirs.code not in html
    assert "UAB Svetimas" not in html
    # and no programme-wide figures either
    assert "Programme overview" not in html


def test_applicant_without_organisation_sees_nothing(client):
    make_project(make_instrument(), code="ANY-1")
    client.force_login(UserFactory(role=Role.APPLICANT))
    html = client.get(reverse("home")).content.decode()
    assert "ANY-1" not in html
    assert "no projects yet" in html


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR, Role.AUDITOR, Role.OFFICER])
def test_non_administrators_cannot_open_the_admin(client, role):
    client.force_login(UserFactory(role=role))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.get("/admin/grants/project/").status_code == 302


def test_administrator_opens_the_admin(client):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


def test_admin_shows_money_models_read_only(client):
    """Projects, payments, instruments and calls are written only by services;
    the administrator reads them in the admin and cannot add, change or delete."""
    instrument = make_instrument()
    project = make_project(instrument)
    client.force_login(UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True))
    for path in (
        "/admin/grants/project/",
        "/admin/grants/instrument/",
        "/admin/grants/payment/",
        "/admin/grants/call/",
    ):
        assert client.get(path).status_code == 200
    page = client.get(f"/admin/grants/project/{project.pk}/change/")
    assert page.status_code == 200
    assert b'name="grant_amount"' not in page.content  # shown, not editable
    assert client.get("/admin/grants/project/add/").status_code == 403
    before = project.grant_amount
    response = client.post(f"/admin/grants/project/{project.pk}/change/", {"grant_amount": "1.00"})
    assert response.status_code == 403
    project.refresh_from_db()
    assert project.grant_amount == before
    assert client.post(f"/admin/grants/project/{project.pk}/delete/", {"post": "yes"}).status_code == 403
    # reference data stays editable
    assert client.get("/admin/grants/costcategory/add/").status_code == 200
