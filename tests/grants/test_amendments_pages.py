# ruff: noqa: F811 - the fixtures of amendment_fixtures are imported by name
"""The amendment pages: the request forms (each line's current amount and
allowed change, failed submits by their fields), the amendment with the
officer's decision, agreement versions compared, the project status page and
the project page's section; 404 for anyone who may not be there."""

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import Role
from grants.models import AgreementVersion, Amendment, AmendmentKind, AmendmentStatus, ProjectStatus
from grants.services import project_transition
from grants.services.amendments import amendment_request
from tests.factories import OrganisationFactory, UserFactory
from tests.grants.amendment_fixtures import (  # noqa: F401 - fixtures
    beneficiary,
    beneficiary_user,
    english,
    indicator,
    instrument,
    line,
    partner,
    project,
)

pytestmark = pytest.mark.django_db


def web(client, user, language="en"):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def create_url(project, kind=None):
    url = reverse("amendments:amendment-create", args=[project.pk])
    return f"{url}?kind={kind}" if kind else url


def test_beneficiary_chooses_a_kind_and_reallocates(client, project, beneficiary_user):
    client = web(client, beneficiary_user)
    page = client.get(create_url(project)).content.decode()
    assert "?kind=reallocation" in page and "?kind=extension" in page and "?kind=partner" in page
    page = client.get(create_url(project, "reallocation")).content.decode()
    staff = line(project, "STAFF")
    assert f'name="line_{staff.pk}"' in page and 'value="60,000.00"' in page
    # The allowed change without approval, from the original amount: 54 000 – 66 000.
    assert "€54,000.00" in page and "€66,000.00" in page
    data = {f"line_{line(project, c).pk}": v for c, v in {"STAFF": "57000", "EQUIP": "33000", "PAT": "10000"}.items()}
    response = client.post(create_url(project, "reallocation"), {**data, "justification": "Kainos"})
    amendment = Amendment.objects.get()
    assert response["Location"] == reverse("amendments:amendment-detail", args=[amendment.pk])
    assert amendment.status == AmendmentStatus.APPLIED


def test_failed_reallocation_is_shown_by_its_field_and_keeps_what_was_typed(client, project, beneficiary_user):
    from tests.grants.amendment_fixtures import make_claim

    make_claim(project, items={"STAFF": ("55000.00", "55000.00")})
    staff = line(project, "STAFF")
    data = {f"line_{line(project, c).pk}": v for c, v in {"STAFF": "50 000", "EQUIP": "40000", "PAT": "10000"}.items()}
    response = web(client, beneficiary_user).post(create_url(project, "reallocation"), {**data, "justification": "x"})
    assert response.status_code == 400
    assert response.context["form"].errors[f"line_{staff.pk}"]
    page = response.content.decode()
    assert f'id="id_line_{staff.pk}-error-1"' in page and 'value="50 000"' in page and "data-error-summary" in page
    assert not Amendment.objects.exists()
    # The total must stay: by the form, above the fields.
    data[f"line_{staff.pk}"] = "59000"
    response = web(client, beneficiary_user).post(create_url(project, "reallocation"), {**data, "justification": "x"})
    assert response.status_code == 400 and response.context["form"].non_field_errors()


def test_extension_and_partner_forms(client, project, beneficiary_user, partner):
    client = web(client, beneficiary_user)
    response = client.post(create_url(project, "extension"), {"new_end_date": "2021-06-30", "justification": "x"})
    assert response.status_code == 400 and response.context["form"].errors["new_end_date"]
    response = client.post(create_url(project, "extension"), {"new_end_date": "2022-06-30", "justification": "x"})
    assert response.status_code == 302
    newcomer = OrganisationFactory(legal_code="302999999")
    response = client.post(create_url(project, "partner"), {"partner_added": "302 999 998", "justification": "x"})
    assert response.status_code == 400 and response.context["form"].errors["partner_added"]
    response = client.post(
        create_url(project, "partner"),
        {"partner_added": "302 999 999", "partner_removed": partner.pk, "justification": "x"},
    )
    assert response.status_code == 302
    amendment = Amendment.objects.get(kind=AmendmentKind.PARTNER_CHANGE)
    assert amendment.partner_added == newcomer and amendment.partner_removed == partner


def test_only_the_beneficiary_reaches_the_request_form(client, project, officer, partner):
    partner_user = UserFactory(role=Role.APPLICANT, organisation=partner)
    outsider = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    for user in (officer, partner_user, outsider):
        assert web(client, user).get(create_url(project, "extension")).status_code == 404


@pytest.fixture
def requested(project, beneficiary_user):
    return amendment_request(
        actor=beneficiary_user,
        project=project,
        kind=AmendmentKind.BUDGET_REALLOCATION,
        justification="Kainos pasikeitė",
        budget={line(project, "STAFF"): "40000.00", line(project, "EQUIP"): "50000.00"},
    )


def test_officer_decides_on_the_page(client, requested, officer, beneficiary_user):
    url = reverse("amendments:amendment-detail", args=[requested.pk])
    page = web(client, beneficiary_user).get(url).content.decode()
    assert "Withdraw the request" in page and "Record the decision" not in page
    page = web(client, officer).get(url).content.decode()
    assert "Record the decision" in page and 'name="version" value="1"' in page
    decide = reverse("amendments:amendment-decide", args=[requested.pk])
    response = client.post(decide, {"version": 1, "decision": "reject"})
    assert response.status_code == 400 and response.context["form"].errors["note"]
    response = client.post(decide, {"version": 1, "decision": "approve"})
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.status == AmendmentStatus.APPROVED
    page = client.get(url).content.decode()
    assert "Record the decision" not in page and "Version 2" in page


def test_agreement_version_page_compares_with_the_previous(client, requested, officer, beneficiary_user):
    from grants.services.amendments import amendment_decide

    amendment_decide(actor=officer, amendment=requested, version=1, approve=True)
    first, second = AgreementVersion.objects.filter(project=requested.project).order_by("number")
    for language in ("lt", "en"):
        response = web(client, beneficiary_user, language).get(
            reverse("amendments:agreement-version", args=[second.pk])
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert 'data-category="STAFF" class="changed"' in page and 'data-category="PAT">' in page
    page = web(client, beneficiary_user).get(reverse("amendments:agreement-version", args=[first.pk])).content.decode()
    assert "The agreement as signed." in page and "€60,000.00" in page
    outsider = UserFactory(role=Role.APPLICANT, organisation=OrganisationFactory())
    assert web(client, outsider).get(reverse("amendments:agreement-version", args=[first.pk])).status_code == 404
    assert web(client, outsider).get(reverse("amendments:amendment-detail", args=[requested.pk])).status_code == 404


def test_status_page_offers_the_allowed_moves_and_lists_what_closing_needs(client, project, officer, auditor):
    url = reverse("amendments:project-status", args=[project.pk])
    assert web(client, auditor).get(url).status_code == 404
    page = web(client, officer).get(url).content.decode()
    assert 'value="in_implementation"' in page and 'value="terminated"' in page and 'value="closed"' not in page
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    project_transition(actor=None, project=project, to_status=ProjectStatus.COMPLETED)
    page = client.get(url).content.decode()
    assert 'value="closed"' in page and 'value="terminated"' not in page
    assert 'id="closing-problems"' in page and "no paid final payment claim" in page
    response = client.post(url, {"to_status": "closed"})
    assert response.status_code == 400
    assert len(response.context["form"].non_field_errors()) == 2
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED


def test_project_page_section_links_by_role(client, project, requested, officer, beneficiary_user, partner):
    url = reverse("project-detail", args=[project.pk])
    page = web(client, beneficiary_user).get(url).content.decode()
    assert create_url(project) in page and 'id="project-amendments"' in page
    assert reverse("amendments:project-status", args=[project.pk]) not in page
    page = web(client, officer).get(url).content.decode()
    assert reverse("amendments:project-status", args=[project.pk]) in page
    assert reverse("amendments:amendment-detail", args=[requested.pk]) in page
    assert create_url(project) not in page
    partner_user = UserFactory(role=Role.APPLICANT, organisation=partner)
    page = web(client, partner_user).get(url).content.decode()
    assert create_url(project) not in page and reverse("amendments:amendment-detail", args=[requested.pk]) in page


def test_pages_render_in_lithuanian(client, project, requested, officer, beneficiary_user):
    with translation.override("lt"):
        for user, url in (
            (beneficiary_user, create_url(project, "reallocation")),
            (beneficiary_user, create_url(project, "extension")),
            (beneficiary_user, create_url(project, "partner")),
            (officer, reverse("amendments:amendment-detail", args=[requested.pk])),
            (officer, reverse("amendments:project-status", args=[project.pk])),
            (officer, reverse("amendments:project-edit", args=[project.pk])),
        ):
            response = web(client, user, "lt").get(url)
            assert response.status_code == 200, url
            assert '<html lang="lt"' in response.content.decode()
