"""The officers' project list (/manage/projects/, GET /api/v1/projects/):
search, filters (overdue claims by the Vilnius date), sorting with aria-sort,
pages, a fixed number of queries, CSV and XLSX of exactly the filtered and
sorted projects, and who may see it (officers and auditors; others 404)."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import Role
from grants import filters
from grants.models import ClaimStatus, PaymentClaim, Project, ProjectStatus
from grants.selectors.workspace import CLAIM_AWAITING_PAYMENT, vilnius_today, workspace_projects
from grants.services import payment_create
from tests.factories import OrganisationFactory, UserFactory, make_call, make_instrument, make_project
from tests.grants.test_home import rows_by, table_rows

pytestmark = pytest.mark.django_db

URL = "/manage/projects/"
API = "/api/v1/projects/"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def claim(project, number, status, *, due=None):
    """A claim written directly (the claim services have their own tests)."""
    return PaymentClaim.objects.create(
        project=project,
        number=number,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 6, 30),
        status=status,
        created_by=UserFactory(role=Role.APPLICANT),
        payment_due_on=due,
    )


@pytest.fixture
def world():
    """Three projects of two instruments:
    WA-001 (UAB Alfa, call WA-CALL, paid 1,000.00): a submitted claim due yesterday — overdue;
    WA-002 (UAB Beta): an approved claim due today, a returned one due long ago, a draft — not overdue, 3 open;
    WB-001 (VšĮ Gama, in implementation, ends first): a paid claim due long ago — not overdue, none open."""
    today = vilnius_today()
    instrument_a = make_instrument(code="WA")
    instrument_b = make_instrument(code="WB")
    call = make_call(instrument_a, code="WA-CALL")
    alfa = OrganisationFactory(name="UAB Alfa", legal_code="211111101")
    beta = OrganisationFactory(name="UAB Beta", legal_code="211111202")
    gama = OrganisationFactory(name="VšĮ Gama", legal_code="211111303")
    p1 = make_project(instrument_a, call=call, beneficiary=alfa, code="WA-001", lines={"STAFF": "20000.00"})
    p2 = make_project(instrument_a, beneficiary=beta, code="WA-002", lines={"STAFF": "10000.00"})
    p3 = make_project(instrument_b, beneficiary=gama, code="WB-001", lines={"STAFF": "30000.00"})
    Project.objects.filter(pk=p1.pk).update(title="Skaitmeninis klasteris")
    Project.objects.filter(pk=p2.pk).update(title="Lazerių inovacijos")
    Project.objects.filter(pk=p3.pk).update(
        title="Zero waste", status=ProjectStatus.IN_IMPLEMENTATION, end_date=date(2021, 6, 30)
    )
    payment_create(actor=None, project=p1, kind="advance", paid_on=date(2024, 1, 5), amount=Decimal("1000.00"))
    claim(p1, 1, ClaimStatus.SUBMITTED, due=today - timedelta(days=1))
    claim(p2, 1, ClaimStatus.APPROVED, due=today)
    claim(p2, 2, ClaimStatus.RETURNED, due=today - timedelta(days=30))
    claim(p2, 3, ClaimStatus.DRAFT)
    claim(p3, 1, ClaimStatus.PAID, due=today - timedelta(days=30))
    return {"p1": p1, "p2": p2, "p3": p3, "call": call, "a": instrument_a, "b": instrument_b, "alfa": alfa}


def codes(client, query: str = "") -> list[str]:
    response = client.get(URL + query)
    assert response.status_code == 200, response.content[:500]
    rows = table_rows(response.content.decode(), "projects")
    return [row["attrs"]["data-code"] for row in rows if "data-code" in row["attrs"]]


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


# --- the list ---------------------------------------------------------------------------


def test_every_project_with_paid_total_open_claims_and_overdue_flag(officer_client, world):
    response = officer_client.get(URL)
    html = response.content.decode()
    rows = rows_by(table_rows(html, "projects"), "data-code")
    assert list(rows) == ["WA-001", "WA-002", "WB-001"]
    assert rows["WA-001"]["cols"]["paid_total"] == "€1,000.00"
    assert rows["WA-002"]["cols"]["paid_total"] == "€0.00"
    assert [rows[c]["cols"]["open_claim_count"] for c in rows] == ["1", "3", "0"]
    assert rows["WA-001"]["cols"]["overdue"] == "Overdue"
    assert "Overdue" not in rows["WA-002"]["cols"]["overdue"]
    assert "Overdue" not in rows["WB-001"]["cols"]["overdue"]
    # The code links to the project page.
    assert f'href="{reverse("project-detail", args=[world["p1"].pk])}"' in html


def test_a_claim_is_overdue_from_the_day_after_its_due_date_in_vilnius(world):
    # 23:30 UTC on 1 January is already 2 January in Vilnius.
    assert vilnius_today(datetime(2026, 1, 1, 23, 30, tzinfo=UTC)) == date(2026, 1, 2)
    due = date(2026, 1, 1)
    PaymentClaim.objects.filter(project=world["p1"]).update(payment_due_on=due)
    flags = lambda today: dict(workspace_projects(today).values_list("code", "has_overdue_claims"))  # noqa: E731
    assert flags(date(2026, 1, 1))["WA-001"] is False
    assert flags(date(2026, 1, 2))["WA-001"] is True


def test_overdue_counts_only_claims_waiting_for_payment(world):
    today = vilnius_today()
    long_ago = today - timedelta(days=100)
    for status in ClaimStatus.values:
        PaymentClaim.objects.filter(project=world["p2"]).update(status=status, payment_due_on=long_ago)
        overdue = dict(workspace_projects(today).values_list("code", "has_overdue_claims"))["WA-002"]
        assert overdue is (status in ("submitted", "under_verification", "approved")), status


def test_filter_by_overdue_claims(officer_client, world):
    assert codes(officer_client, "?overdue=yes") == ["WA-001"]
    assert codes(officer_client, "?overdue=no") == ["WA-002", "WB-001"]


def test_filter_by_status_instrument_call_and_beneficiary(officer_client, world):
    assert codes(officer_client, "?status=in_implementation") == ["WB-001"]
    assert codes(officer_client, f"?instrument={world['a'].pk}") == ["WA-001", "WA-002"]
    assert codes(officer_client, f"?instrument={world['b'].pk}") == ["WB-001"]
    assert codes(officer_client, f"?call={world['call'].pk}") == ["WA-001"]
    assert codes(officer_client, "?beneficiary=211111101") == ["WA-001"]  # by company code
    assert codes(officer_client, f"?instrument={world['a'].pk}&overdue=no") == ["WA-002"]


def test_beneficiaries_are_a_list_until_there_are_too_many_then_a_company_code(officer_client, world, monkeypatch):
    html = officer_client.get(URL).content.decode()
    assert '<select name="beneficiary"' in html and 'value="211111202"' in html
    monkeypatch.setattr(filters, "BENEFICIARY_SELECT_LIMIT", 2)
    html = officer_client.get(URL + "?beneficiary=211111202").content.decode()
    assert '<select name="beneficiary"' not in html and 'name="beneficiary"' in html
    assert codes(officer_client, "?beneficiary=211111202") == ["WA-002"]
    html = officer_client.get(URL + "?beneficiary=299999999").content.decode()
    assert "No beneficiary has this company code." in html


def test_search_by_code_title_beneficiary_name_or_company_code(officer_client, world):
    assert codes(officer_client, "?q=wb-0") == ["WB-001"]
    assert codes(officer_client, "?q=lazeri") == ["WA-002"]
    assert codes(officer_client, "?q=alfa") == ["WA-001"]
    assert codes(officer_client, "?q=211111303") == ["WB-001"]
    html = officer_client.get(URL + "?q=nothing-like-this").content.decode()
    assert "No project matches the search." in html


def test_an_invalid_filter_is_shown_by_its_field(officer_client, world):
    response = officer_client.get(URL + "?status=bogus")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


# --- sorting --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("code", ["WA-001", "WA-002", "WB-001"]),
        ("-code", ["WB-001", "WA-002", "WA-001"]),
        ("title", ["WA-002", "WA-001", "WB-001"]),
        ("-beneficiary", ["WB-001", "WA-002", "WA-001"]),
        ("grant", ["WA-002", "WA-001", "WB-001"]),
        ("-paid", ["WA-001", "WA-002", "WB-001"]),
        ("status", ["WA-001", "WA-002", "WB-001"]),
        ("-status", ["WB-001", "WA-001", "WA-002"]),
        ("end", ["WB-001", "WA-001", "WA-002"]),
    ],
)
def test_sorting(officer_client, world, sort, expected):
    assert codes(officer_client, f"?sort={sort}") == expected


def test_the_sorted_column_says_so_and_its_link_reverses_the_order(officer_client, world):
    html = officer_client.get(URL + "?sort=-paid&overdue=no").content.decode()
    assert html.count("aria-sort=") == 1
    head = html[html.index('aria-sort="descending"') :]
    link = head[head.index("<a href=") : head.index("</a>")]
    assert "sort=paid" in link and "overdue=no" in link
    assert "sorted descending" in link
    default = officer_client.get(URL).content.decode()
    assert 'aria-sort="ascending"' in default  # by code when nothing is chosen


# --- pages and queries ------------------------------------------------------------------


def _many_projects(n: int, instrument) -> None:
    for i in range(n):
        project = make_project(instrument, code=f"ZZ-{i:03d}")
        claim(project, 1, ClaimStatus.SUBMITTED, due=vilnius_today() - timedelta(days=i % 3))
        payment_create(actor=None, project=project, kind="advance", paid_on=date(2024, 1, 5), amount=Decimal("10"))


def test_pages_of_25(officer_client, world):
    _many_projects(27, world["b"])  # 30 projects in all
    first = codes(officer_client)
    second = codes(officer_client, "?page=2")
    assert len(first) == 25 and len(second) == 5
    assert not set(first) & set(second)
    html = officer_client.get(URL + "?page=2&q=zz").content.decode()
    assert "27 projects" in html and "page 2 of 2" in html
    assert "Previous page" in html


def test_a_page_costs_the_same_number_of_queries_whatever_its_size(
    officer_client, world, django_assert_max_num_queries
):
    with django_assert_max_num_queries(9) as small:
        officer_client.get(URL + "?sort=-paid")
    _many_projects(40, world["b"])
    with django_assert_max_num_queries(9) as large:
        response = officer_client.get(URL + "?sort=-paid")
    assert len(rows_by(table_rows(response.content.decode(), "projects"), "data-code")) == 25
    assert len(large.captured_queries) == len(small.captured_queries)


# --- CSV and XLSX ---------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_csv_holds_exactly_the_filtered_sorted_projects_of_every_page(officer_client, world):
    _many_projects(30, world["b"])
    response = officer_client.get(URL + "?overdue=yes&sort=-code&page=2&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == ["Code", "Title", "Beneficiary"]
    overdue = Project.objects.filter(
        claims__status__in=CLAIM_AWAITING_PAYMENT, claims__payment_due_on__lt=vilnius_today()
    )
    expected = list(overdue.order_by("-code").values_list("code", flat=True))
    assert len(expected) == 21  # 20 of the 30 new ones and WA-001: more than a page
    assert [row[0] for row in rows[1:]] == expected
    alfa = next(row for row in rows if row[0] == "WA-001")
    header = rows[0]
    assert alfa[header.index("Paid")] == "1000.00"
    assert alfa[header.index("Overdue claim")] == "yes"
    assert alfa[header.index("End date")] == "2021-12-31"
    assert alfa[header.index("Company code")] == "211111101"


def test_csv_headers_follow_the_page_language(client, officer, world):
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    rows = _csv(client.get(URL + "?format=csv"))
    assert rows[0][0] == "Kodas"
    assert [row[0] for row in rows[1:]] == ["WA-001", "WA-002", "WB-001"]


def test_csv_text_cannot_run_as_a_formula(officer_client, world):
    Project.objects.filter(pk=world["p1"].pk).update(title='=HYPERLINK("http://x","y")')
    rows = _csv(officer_client.get(URL + "?q=WA-001&format=csv"))
    assert rows[1][1].startswith("'=")


def test_xlsx_holds_the_filtered_projects_with_number_and_date_cells(officer_client, world):
    response = officer_client.get(URL + f"?instrument={world['a'].pk}&sort=-paid&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    assert header[0] == "Code"
    assert [row[0].value for row in rows[1:]] == ["WA-001", "WA-002"]
    paid = rows[1][header.index("Paid")]
    assert paid.data_type == "n" and Decimal(str(paid.value)) == Decimal("1000.00")
    assert paid.number_format == "#,##0.00"
    grant = rows[2][header.index("Grant")]
    assert grant.data_type == "n" and Decimal(str(grant.value)) == Decimal("7000.00")
    end = rows[1][header.index("End date")]
    assert end.is_date and end.value.date() == date(2021, 12, 31)
    assert rows[1][header.index("Open claims")].value == 1


def test_xlsx_text_that_looks_like_a_formula_stays_text(officer_client, world):
    Project.objects.filter(pk=world["p1"].pk).update(title="=1+2")
    response = officer_client.get(URL + "?q=WA-001&format=xlsx")
    cell = openpyxl.load_workbook(io.BytesIO(response.content)).active["B2"]
    assert cell.value == "=1+2" and cell.data_type == "s"


# --- who may see it ---------------------------------------------------------------------


def test_auditors_see_the_list(client, auditor, world):
    client.force_login(auditor)
    assert codes(client) == ["WA-001", "WA-002", "WB-001"]


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR, Role.ADMINISTRATOR])
def test_other_roles_get_404_on_the_page_its_exports_and_the_api(client, world, role):
    user = UserFactory(role=role, organisation=world["alfa"] if role == Role.APPLICANT else None)
    client.force_login(user)
    for query in ("", "?format=csv", "?format=xlsx"):
        assert client.get(URL + query).status_code == 404
    api = APIClient()
    api.force_authenticate(user)
    assert api.get(API).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the API ----------------------------------------------------------------------------


@pytest.fixture
def api(officer):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(officer)
    return client


def test_api_lists_projects_with_the_same_filters_and_sorting(api, world):
    body = api.get(API, {"overdue": "no", "sort": "-code"}).json()
    assert body["count"] == 2
    assert [p["code"] for p in body["results"]] == ["WB-001", "WA-002"]
    beta = body["results"][1]
    assert beta["paid_total"] == "0.00" and beta["open_claim_count"] == 3 and beta["has_overdue_claims"] is False
    assert beta["beneficiary"]["legal_code"] == "211111202"
    assert beta["instrument"]["code"] == "WA"
    body = api.get(API, {"q": "alfa"}).json()
    assert [p["code"] for p in body["results"]] == ["WA-001"]
    assert body["results"][0]["paid_total"] == "1000.00" and body["results"][0]["has_overdue_claims"] is True
    assert body["results"][0]["call"]["code"] == "WA-CALL"
    assert [p["code"] for p in api.get(API, {"instrument": world["b"].pk}).json()["results"]] == ["WB-001"]
    assert [p["code"] for p in api.get(API, {"beneficiary": "211111202"}).json()["results"]] == ["WA-002"]


def test_api_refuses_an_unknown_filter_value_by_its_name(api, world):
    response = api.get(API, {"status": "bogus"})
    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_api_pages_cost_a_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4) as small:
        api.get(API, {"page_size": 2})
    _many_projects(30, world["b"])
    with django_assert_max_num_queries(4) as large:
        body = api.get(API, {"page_size": 30}).json()
    assert len(body["results"]) == 30
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_sort_options_follow_the_page_language(officer_client, world):
    html = officer_client.get(URL).content.decode()
    assert ">Paid, descending</option>" in html
    assert "Išmokėta" not in html
