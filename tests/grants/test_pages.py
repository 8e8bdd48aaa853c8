"""The read-only instrument and project pages, who may open them, what they
show, at a fixed number of queries; the styled error pages and the page frame."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import path, reverse

import config.urls
from core.models import Role
from grants.models import ExpenditureItem, PaymentClaim, ProjectStatus
from grants.services import indicator_target_set, indicator_value_report, payment_create, project_transition
from reports.models import ReportKind
from tests.factories import (
    IndicatorFactory,
    OrganisationFactory,
    UserFactory,
    make_call,
    make_instrument,
    make_project,
)
from tests.grants.test_home import money, rows_by, table_rows
from tests.reports.report_jobs import attach_file, request_job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """These tests read the pages' English wording (tests/grants/test_languages.py
    covers Lithuanian, the default)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _project_codes(html: str) -> list[str]:
    return [row["attrs"]["data-code"] for row in table_rows(html, "projects") if "data-code" in row["attrs"]]


@pytest.fixture
def instrument():
    return make_instrument(code="DIH", allocation="5000000.00", indicators={IndicatorFactory(name="Hubs set up"): "10"})


# ---- the instrument page ----------------------------------------------------


def test_instrument_page_shows_calls_indicators_and_projects(client, officer, instrument):
    call = make_call(instrument, code="DIH-CALL-1", budget="300000.00")
    project = make_project(instrument, call=call, code="DIH-0001", lines={"STAFF": "10000.00"})
    payment_create(actor=None, project=project, kind="advance", paid_on=date(2020, 2, 1), amount=Decimal("1234.50"))
    indicator = instrument.indicator_targets.get().indicator
    indicator_value_report(actor=None, project=project, indicator=indicator, reported_on=date(2020, 5, 1), value=4)
    client.force_login(officer)
    html = client.get(reverse("instrument-detail", args=[instrument.pk])).content.decode()

    calls = rows_by(table_rows(html, "calls"), "data-code")
    assert set(calls) == {"DIH-CALL-1"}
    assert "€300,000.00" in calls["DIH-CALL-1"]["cells"] and "€7,000.00" in calls["DIH-CALL-1"]["cells"]

    indicators = rows_by(table_rows(html, "indicators"), "data-indicator")
    assert indicators[indicator.code]["cols"] == {"target": "10", "achieved": "4", "percent_of_target": "40.0 %"}

    projects = rows_by(table_rows(html, "projects"), "data-code")
    assert projects["DIH-0001"]["cols"] == {"grant_amount": "€7,000.00", "paid_total": "€1,234.50"}
    assert f'<a href="{reverse("project-detail", args=[project.pk])}">DIH-0001</a>' in html
    assert project.beneficiary.name in projects["DIH-0001"]["cells"]


def test_instrument_page_figures_match_the_home_page(client, officer, instrument):
    for _ in range(3):
        payment_create(
            actor=None, project=make_project(instrument), kind="advance", paid_on=date(2020, 2, 1), amount=Decimal("10")
        )
    client.force_login(officer)
    home = client.get(reverse("home")).content.decode()
    home_row = rows_by(table_rows(home, f"money-{instrument.programme.pk}"), "data-code")[instrument.code]["cols"]
    page = client.get(reverse("instrument-detail", args=[instrument.pk])).content.decode()
    for column in ("grant_total", "paid_total", "commitment_percent", "absorption_percent", "project_count"):
        shown = re.search(rf'<dd data-col="{column}">([^<]*)</dd>', page).group(1).removesuffix(" EUR")
        assert shown == home_row[column], column


def _many_projects(instrument, count: int, *, beneficiary=None):
    projects = []
    for i in range(count):
        projects.append(
            make_project(
                instrument,
                beneficiary=beneficiary,
                code=f"P-{i:03d}",
                lines={"STAFF": f"{1000 + 10 * ((i * 7) % count)}.00"},
            )
        )
    return projects


def test_projects_are_paged(client, officer, instrument):
    _many_projects(instrument, 30)
    client.force_login(officer)
    url = reverse("instrument-detail", args=[instrument.pk])
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert _project_codes(first) == [f"P-{i:03d}" for i in range(25)]
    assert _project_codes(second) == [f"P-{i:03d}" for i in range(25, 30)]
    assert "30 projects" in first and "page 1 of 2" in first
    assert 'rel="next"' in first and 'rel="next"' not in second


def test_search_by_code_title_and_beneficiary(client, officer, instrument):
    hub = OrganisationFactory(name="VšĮ Kauno skaitmeninis centras")
    target = make_project(instrument, beneficiary=hub, code="DIH-KAUNAS")
    _many_projects(instrument, 4)
    client.force_login(officer)
    url = reverse("instrument-detail", args=[instrument.pk])
    assert _project_codes(client.get(url, {"q": "kaunas"}).content.decode()) == [target.code]
    assert _project_codes(client.get(url, {"q": "skaitmeninis"}).content.decode()) == [target.code]
    assert _project_codes(client.get(url, {"q": "P-00"}).content.decode()) == ["P-000", "P-001", "P-002", "P-003"]
    html = client.get(url, {"q": "no such project"}).content.decode()
    assert _project_codes(html) == [] and "No project matches the search." in html


def test_status_filter(client, officer, instrument):
    projects = _many_projects(instrument, 4)
    for project in projects[:2]:
        project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    client.force_login(officer)
    url = reverse("instrument-detail", args=[instrument.pk])
    html = client.get(url, {"status": ProjectStatus.IN_IMPLEMENTATION}).content.decode()
    assert _project_codes(html) == ["P-000", "P-001"]
    html = client.get(url, {"status": ProjectStatus.CONTRACTED}).content.decode()
    assert _project_codes(html) == ["P-002", "P-003"]


@pytest.mark.parametrize("sort", ["grant", "-grant", "paid", "-paid", "title", "-code", "status", "-status"])
def test_sorting(client, officer, instrument, sort):
    projects = _many_projects(instrument, 6)
    for i, project in enumerate(projects):
        payment_create(actor=None, project=project, kind="advance", paid_on=date(2020, 2, 1), amount=Decimal(10 + i))
    project_transition(actor=None, project=projects[3], to_status=ProjectStatus.IN_IMPLEMENTATION)
    project_transition(actor=None, project=projects[3], to_status=ProjectStatus.SUSPENDED)
    project_transition(actor=None, project=projects[5], to_status=ProjectStatus.IN_IMPLEMENTATION)
    # completed sorts after suspended in the workflow, before contracted in the alphabet
    project_transition(actor=None, project=projects[0], to_status=ProjectStatus.IN_IMPLEMENTATION)
    project_transition(actor=None, project=projects[0], to_status=ProjectStatus.COMPLETED)
    client.force_login(officer)
    html = client.get(reverse("instrument-detail", args=[instrument.pk]), {"sort": sort}).content.decode()
    for project in projects:
        project.refresh_from_db()
    workflow = list(ProjectStatus.values)
    value = {
        "grant": lambda p: p.grant_amount,
        "paid": lambda p: p.payments.get().amount,
        "title": lambda p: p.title,
        "code": lambda p: p.code,
        "status": lambda p: workflow.index(p.status),  # workflow order, not the alphabet
    }[sort.lstrip("-")]
    # ties are broken by code, ascending, whatever the direction (sorted() is stable)
    expected = sorted(sorted(projects, key=lambda p: p.code), key=value, reverse=sort.startswith("-"))
    assert _project_codes(html) == [p.code for p in expected]
    # the sorted column says so, for screen readers too
    assert ('aria-sort="descending"' if sort.startswith("-") else 'aria-sort="ascending"') in html


def test_an_unknown_sort_is_shown_on_its_field_and_ignored(client, officer, instrument):
    _many_projects(instrument, 3)
    client.force_login(officer)
    response = client.get(reverse("instrument-detail", args=[instrument.pk]), {"sort": "beneficiary__legal_code"})
    html = response.content.decode()
    assert response.status_code == 200
    assert _project_codes(html) == ["P-000", "P-001", "P-002"]
    assert re.search(r'<select name="sort"[^>]*aria-invalid="true"', html)
    assert re.search(r'<select name="sort"[^>]*aria-describedby="id_sort-error-1"', html)
    assert 'id="id_sort-error-1"' in html


def test_filter_fields_are_labelled(client, officer, instrument):
    client.force_login(officer)
    html = client.get(reverse("instrument-detail", args=[instrument.pk])).content.decode()
    for name in ("q", "status", "sort"):
        assert f'<label for="id_{name}">' in html
        assert f'id="id_{name}"' in html
    assert re.search(r'<input[^>]*name="q"[^>]*aria-describedby="id_q-help"', html)


def test_instrument_page_costs_a_fixed_number_of_queries(client, officer, instrument, django_assert_max_num_queries):
    make_call(instrument)
    _many_projects(instrument, 5)
    client.force_login(officer)
    url = reverse("instrument-detail", args=[instrument.pk])
    # session, user, instrument, figures (2), calls, project count, project page
    with django_assert_max_num_queries(8) as few:
        client.get(url, {"sort": "-paid", "status": ProjectStatus.CONTRACTED})
    for i in range(60):
        make_project(instrument, code=f"Q-{i:03d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url, {"sort": "-paid", "status": ProjectStatus.CONTRACTED}).content.decode()
    assert len(_project_codes(html)) == 25
    assert "65 projects" in html


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR, Role.ADMINISTRATOR])
def test_instrument_pages_are_not_found_for_roles_that_do_not_see_all_data(client, instrument, role):
    organisation = OrganisationFactory()
    make_project(instrument, beneficiary=organisation)
    linked = organisation if role == Role.APPLICANT else None  # only applicants act for an organisation
    user = UserFactory(role=role, is_staff=role == Role.ADMINISTRATOR, organisation=linked)
    client.force_login(user)
    assert client.get(reverse("instrument-detail", args=[instrument.pk])).status_code == 404


def test_auditor_opens_instrument_pages(client, auditor, instrument):
    client.force_login(auditor)
    assert client.get(reverse("instrument-detail", args=[instrument.pk])).status_code == 200
    assert client.get(reverse("instrument-detail", args=[instrument.pk + 1000])).status_code == 404


def test_pages_require_login(client, instrument):
    project = make_project(instrument)
    for url in (reverse("instrument-detail", args=[instrument.pk]), reverse("project-detail", args=[project.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# ---- the project page -------------------------------------------------------


@pytest.fixture
def project(instrument):
    beneficiary = OrganisationFactory(name="UAB Skaitmena")
    project = make_project(
        instrument, beneficiary=beneficiary, code="DIH-0007", lines={"STAFF": "8000.00", "EQUIP": "2000.00"}
    )
    project.partners.add(OrganisationFactory(name="VšĮ Partneris"))
    return project


def test_project_page_shows_people_dates_money_and_indicators(client, officer, project):
    indicator = project.instrument.indicator_targets.get().indicator
    indicator_target_set(actor=None, project=project, indicator=indicator, target_value=Decimal("2"))
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    indicator_value_report(actor=None, project=project, indicator=indicator, reported_on=date(2020, 6, 1), value=1)
    payment_create(actor=None, project=project, kind="advance", paid_on=date(2020, 2, 1), amount=Decimal("1000.00"))
    payment_create(actor=None, project=project, kind="interim", paid_on=date(2020, 9, 1), amount=Decimal("500.25"))
    client.force_login(officer)
    html = client.get(reverse("project-detail", args=[project.pk])).content.decode()

    assert "UAB Skaitmena" in html and "VšĮ Partneris" in html
    assert "2020-01-01" in html and "2021-12-31" in html
    lines = rows_by(table_rows(html, "budget-lines"), "data-category")
    assert {code: row["cells"][1] for code, row in lines.items()} == {"EQUIP": "€2,000.00", "STAFF": "€8,000.00"}
    payments = [row["cells"] for row in table_rows(html, "payments") if row["attrs"].get("class") == "payment"]
    assert payments == [["2020-02-01", "Advance", "€1,000.00"], ["2020-09-01", "Interim", "€500.25"]]
    total = [row for row in table_rows(html, "payments") if row["attrs"].get("class") == "total"][0]
    assert money(total["cols"]["paid_total"]) == sum(money(p[2]) for p in payments)
    indicators = rows_by(table_rows(html, "project-indicators"), "data-indicator")
    assert indicators[indicator.code]["cols"] == {"target": "2", "achieved": "1", "percent_of_target": "50.0 %"}
    # linked back to its instrument
    assert f'href="{reverse("instrument-detail", args=[project.instrument.pk])}"' in html


def test_status_history_comes_from_the_audit_trail_in_time_order(client, officer, project):
    # recorded out of order: the page orders by when each change happened
    project_transition(
        actor=officer,
        project=project,
        to_status=ProjectStatus.IN_IMPLEMENTATION,
        occurred_at=datetime(2020, 1, 15, 9, tzinfo=UTC),
    )
    project_transition(
        actor=None, project=project, to_status=ProjectStatus.COMPLETED, occurred_at=datetime(2022, 3, 1, 9, tzinfo=UTC)
    )
    project_transition(
        actor=None,
        project=project,
        to_status=ProjectStatus.CLOSED,
        occurred_at=datetime(2021, 12, 31, 9, tzinfo=UTC),
        check_closing=False,  # a past closing, recorded as history
    )
    client.force_login(officer)
    html = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    history = [
        row["cells"][:3] for row in table_rows(html, "status-history") if row["attrs"].get("class") == "status-change"
    ]
    assert history == [
        ["2020-01-15", "Contracted", "In implementation"],
        ["2021-12-31", "Completed", "Closed"],
        ["2022-03-01", "In implementation", "Completed"],
    ]
    assert officer.username in html


def test_status_history_ignores_other_objects_and_events(client, officer, project, instrument):
    other = make_project(instrument)
    project_transition(actor=None, project=other, to_status=ProjectStatus.IN_IMPLEMENTATION)
    payment_create(actor=None, project=project, kind="advance", paid_on=date(2020, 2, 1), amount=Decimal("1.00"))
    client.force_login(officer)
    html = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert [row for row in table_rows(html, "status-history") if row["attrs"].get("class") == "status-change"] == []
    assert "No status changes recorded" in html


def test_project_page_costs_a_fixed_number_of_queries(client, officer, project, django_assert_max_num_queries):
    client.force_login(officer)
    url = reverse("project-detail", args=[project.pk])
    # session, user, project, history, indicators, partners, budget, payments,
    # claims, amendments, agreement versions, statements
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    project_transition(actor=None, project=project, to_status=ProjectStatus.SUSPENDED)
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    for day in range(1, 21):
        payment_create(actor=None, project=project, kind="interim", paid_on=date(2020, 3, day), amount=Decimal("1.00"))
    indicator = project.instrument.indicator_targets.get().indicator
    for day in range(1, 11):
        indicator_value_report(
            actor=None, project=project, indicator=indicator, reported_on=date(2020, 4, day), value=1
        )
    # Claims of the project (each with its items) add no query per claim.
    for month in range(1, 6):
        claim = PaymentClaim.objects.create(
            project=project,
            number=month,
            period_start=date(2020, month, 1),
            period_end=date(2020, month, 28),
            created_by=officer,
        )
        line = project.budget_lines.first()
        ExpenditureItem.objects.create(
            claim=claim,
            budget_line=line,
            supplier_name="UAB Tiekėjas",
            supplier_code="300000001",
            document_number=f"S-{month}",
            document_date=date(2020, month, 2),
            amount_excl_vat=Decimal("10.00"),
            claimed_amount=Decimal("10.00"),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert len([r for r in table_rows(html, "payments") if r["attrs"].get("class") == "payment"]) == 20
    assert len([r for r in table_rows(html, "project-claims-table") if r["attrs"].get("data-status")]) == 5


def test_applicant_project_page_costs_a_fixed_number_of_queries(client, project, django_assert_max_num_queries):
    applicant = UserFactory(role=Role.APPLICANT, organisation=project.beneficiary)
    client.force_login(applicant)
    # the officer's twelve, and the applicant's organisation looked up for the
    # project, its statements and its claims and amendments sections
    with django_assert_max_num_queries(15):
        assert client.get(reverse("project-detail", args=[project.pk])).status_code == 200


def test_applicant_opens_its_own_and_partner_projects_only(client, instrument):
    own = OrganisationFactory()
    applicant = UserFactory(role=Role.APPLICANT, organisation=own)
    mine = make_project(instrument, beneficiary=own)
    partnered = make_project(instrument)
    partnered.partners.add(own, OrganisationFactory())
    theirs = make_project(instrument)
    theirs.partners.add(OrganisationFactory())
    client.force_login(applicant)
    assert client.get(reverse("project-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("project-detail", args=[partnered.pk])).status_code == 200
    response = client.get(reverse("project-detail", args=[theirs.pk]))
    assert response.status_code == 404
    assert theirs.code.encode() not in response.content
    # an applicant's page links home, not to the instrument page it may not open
    html = client.get(reverse("project-detail", args=[mine.pk])).content.decode()
    assert reverse("instrument-detail", args=[instrument.pk]) not in html


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.ADMINISTRATOR])
def test_project_pages_are_not_found_for_evaluators_and_administrators(client, project, role):
    user = UserFactory(role=role, is_staff=role == Role.ADMINISTRATOR)
    client.force_login(user)
    assert client.get(reverse("project-detail", args=[project.pk])).status_code == 404


def test_project_page_lists_its_statements(client, officer, project, instrument, django_capture_on_commit_callbacks):
    other = make_project(instrument)
    job = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind=ReportKind.PROJECT, params={"project_id": project.pk}
    )
    job, _ = attach_file(job)
    queued = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind=ReportKind.PROJECT, params={"project_id": project.pk}
    )
    elsewhere = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind=ReportKind.PROJECT, params={"project_id": other.pk}
    )
    client.force_login(officer)
    html = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert f'data-job="{job.pk}"' in html and f'data-job="{queued.pk}"' in html
    assert f'data-job="{elsewhere.pk}"' not in html
    download = reverse("reports:job-download", kwargs={"job_id": job.pk})
    assert html.count(download) == 1  # only the succeeded one has a file
    assert reverse("reports:job-download", kwargs={"job_id": queued.pk}) not in html
    # the link name says which file it is
    assert re.search(rf'href="{download}">Download PDF<span class="visually-hidden"> [^<]*{job.short_id}', html)
    assert f"{reverse('reports:job-create')}?kind=project&amp;project_id={project.pk}" in html


def test_applicant_sees_only_statements_it_may_see(client, project, django_capture_on_commit_callbacks, officer):
    applicant = UserFactory(role=Role.APPLICANT, organisation=project.beneficiary)
    by_officer = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind=ReportKind.PROJECT, params={"project_id": project.pk}
    )
    own = request_job(
        django_capture_on_commit_callbacks, actor=applicant, kind=ReportKind.PROJECT, params={"project_id": project.pk}
    )
    client.force_login(applicant)
    html = client.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert f'data-job="{own.pk}"' in html
    # reports.selectors decides: an applicant sees the statements its own people requested
    assert f'data-job="{by_officer.pk}"' not in html


# ---- error pages and the page frame -----------------------------------------


def test_unknown_page_is_a_styled_404_with_navigation(client, officer):
    client.force_login(officer)
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html and 'data-status="404"' in html
    assert f'href="{reverse("home")}"' in html and 'class="skip-link"' in html
    assert "css/fondas.css" in html


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.ADMINISTRATOR])
def test_reports_page_refusal_is_a_styled_403_with_navigation(client, role):
    client.force_login(UserFactory(role=role, is_staff=role == Role.ADMINISTRATOR))
    response = client.get(reverse("reports:job-list"))
    html = response.content.decode()
    assert response.status_code == 403
    assert 'data-status="403"' in html and "You may not open this page" in html
    assert '<nav aria-label="Main">' in html and "Go to the home page" in html
    assert "css/fondas.css" in html


@pytest.mark.parametrize("template", ["500.html", "400.html"])
def test_server_error_pages_render_without_a_request_or_database(template, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = render_to_string(template)
    assert 'class="skip-link"' in html and '<main id="content"' in html
    assert f'href="{reverse("home")}"' in html
    assert "Log out" not in html


class _Untouchable:
    """A user that fails the test when a template reads it."""

    def __getattr__(self, name):
        raise AssertionError(f"the 500 page read user.{name}")


def test_server_error_page_reads_no_user_or_messages():
    # H2's handler may pass a context; the page still reads neither the user
    # (a session and a database query) nor the messages.
    html = render_to_string("500.html", {"user": _Untouchable(), "messages": _Untouchable()})
    assert "Something went wrong" in html


def _boom(request):
    raise RuntimeError("a defect")


# This module is the URL configuration of the test below: the site's URLs and one that fails.
urlpatterns = [path("boom/", _boom), *config.urls.urlpatterns]


@pytest.mark.urls(__name__)
def test_a_failing_page_answers_the_styled_500_page(client, officer):
    client.raise_request_exception = False
    client.force_login(officer)
    response = client.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert 'data-status="500"' in html and "Go to the home page" in html and "css/fondas.css" in html
    assert "a defect" not in html


def test_page_frame_is_accessible(client, officer):
    client.force_login(officer)
    html = client.get(reverse("home")).content.decode()
    assert re.search(r'<html lang="en">', html)
    assert html.index('class="skip-link" href="#content"') < html.index('<header class="topbar">')
    assert '<main id="content"' in html and '<footer class="foot">' in html
    assert 'rel="icon" href="/static/favicon.svg" type="image/svg+xml"' in html
    assert 'rel="icon" href="/static/favicon-32.png"' in html
    assert finders.find("favicon.svg") and finders.find("favicon-32.png")
    # every table has a caption and each wide table scrolls in a labelled region
    assert html.count("<table") == html.count("<caption")
    assert html.count("<table") == html.count('class="table-scroll" role="region"')


def test_stylesheet_keeps_focus_visible_and_field_borders_contrasting():
    css = Path(finders.find("css/fondas.css")).read_text()
    assert re.search(r":focus-visible\s*{\s*outline:\s*3px solid", css)
    field = re.search(r"--field:\s*(#[0-9a-f]{6})", css).group(1)
    assert re.search(r"input, select, textarea \{[^}]*border: 1px solid var\(--field\)", css)
    assert _contrast(field, "#ffffff") >= 3
    assert re.search(r"\.topbar \{[^}]*flex-wrap: wrap", css)


def _contrast(first: str, second: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
