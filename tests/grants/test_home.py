"""The home page per role: officers and auditors get each programme's money
table (with a total row) and its indicator table at a fixed query count; an
applicant only its own organisation's projects, linked to their pages."""

import re
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Role
from grants.models import ProjectStatus
from grants.services import indicator_value_report, instrument_create, payment_create, project_transition
from tests.factories import (
    CostCategoryFactory,
    IndicatorFactory,
    OrganisationFactory,
    ProgrammeFactory,
    UserFactory,
    make_instrument,
    make_project,
)

pytestmark = pytest.mark.django_db


class _TableRows(HTMLParser):
    """The rows of one table (by id): each row's attributes, its cells' text
    in order, and the text of cells that carry data-col, by column."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # >0 while inside the table
        self.rows: list[dict] = []
        self._cell: list[str] | None = None
        self._col: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth or attrs.get("id") == self.table_id:
                self.depth += 1
            return
        if not self.depth:
            return
        if tag == "tr":
            self.rows.append({"attrs": attrs, "cells": [], "cols": {}})
        elif tag in ("td", "th") and self.rows:
            self._cell, self._col = [], attrs.get("data-col")

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            self.rows[-1]["cells"].append(text)
            if self._col:
                self.rows[-1]["cols"][self._col] = text
            self._cell = self._col = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str, table_id: str) -> list[dict]:
    """[{"attrs": {...}, "cells": [text, ...], "cols": {data-col: text}}] of the
    table's rows; fails when the page has no such table."""
    assert f'id="{table_id}"' in html, f"no table {table_id} on the page"
    parser = _TableRows(table_id)
    parser.feed(html)
    return parser.rows


def money(text: str) -> Decimal:
    """'€3,500.00' -> Decimal('3500.00')."""
    return Decimal(text.replace(",", "").replace("€", ""))


def rows_by(rows: list[dict], attribute: str) -> dict[str, dict]:
    return {row["attrs"][attribute]: row for row in rows if attribute in row["attrs"]}


def _portfolio(n_projects: int, *, allocations=("10000.00", "20000.00")):
    """Two instruments of one programme; each project has a grant of 700.00
    (1,000.00 at 70 %) and was paid 100.00; the first instrument's projects
    report 3 of its indicator each."""
    indicator = IndicatorFactory(name="Companies that received subsidies", unit="companies")
    instruments = [
        make_instrument(allocation=allocations[0], indicators={indicator: "1000"}),
        make_instrument(allocation=allocations[1], indicators={IndicatorFactory(unit="members"): "50"}),
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


def in_language(client, language: str):
    """Later pages of `client` come in `language` (the switcher's cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _queries_for_home(client, user, language: str = "en") -> tuple[int, str]:
    """The home page in English unless asked otherwise: its query count and HTML."""
    in_language(client, language)
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_money_table_has_one_row_per_instrument_and_a_total(client, officer):
    first, second = _portfolio(10)
    programme = first.programme
    _, html = _queries_for_home(client, officer)
    rows = rows_by(table_rows(html, f"money-{programme.pk}"), "data-code")
    assert set(rows) == {first.code, second.code, "TOTAL"}
    # 5 projects each: grant 5 × 700.00, paid 5 × 100.00.
    assert rows[first.code]["cols"] == {
        "project_count": "5",
        "allocation_amount": "€10,000.00",
        "grant_total": "€3,500.00",
        "paid_total": "€500.00",
        "commitment_percent": "35.0 %",
        "absorption_percent": "5.0 %",
    }
    assert rows[second.code]["cols"]["allocation_amount"] == "€20,000.00"
    assert rows[second.code]["cols"]["commitment_percent"] == "17.5 %"
    assert rows[second.code]["cols"]["absorption_percent"] == "2.5 %"
    # No indicator figure sits in a money column: every money row has exactly
    # the instrument cell and the six figures.
    assert all(len(row["cells"]) == 7 for row in rows.values())


def test_total_row_is_the_sum_of_the_instrument_rows(client, officer):
    first, second = _portfolio(7, allocations=("12345.67", "7654.33"))
    _, html = _queries_for_home(client, officer)
    rows = rows_by(table_rows(html, f"money-{first.programme.pk}"), "data-code")
    total = rows.pop("TOTAL")["cols"]
    for column in ("allocation_amount", "grant_total", "paid_total"):
        assert money(total[column]) == sum(money(row["cols"][column]) for row in rows.values()), column
    assert int(total["project_count"]) == sum(int(row["cols"]["project_count"]) for row in rows.values()) == 7
    # 7 × 700.00 of 20,000.00 contracted = 24.5 %; 7 × 100.00 paid = 3.5 %.
    assert total["allocation_amount"] == "€20,000.00"
    assert total["commitment_percent"] == "24.5 %"
    assert total["absorption_percent"] == "3.5 %"


def test_indicators_have_their_own_table(client, officer):
    first, second = _portfolio(10)
    _, html = _queries_for_home(client, officer)
    rows = [row for row in table_rows(html, f"indicators-{first.programme.pk}") if "data-indicator" in row["attrs"]]
    by_instrument = {row["attrs"]["data-code"]: row for row in rows}
    assert set(by_instrument) == {first.code, second.code}
    # 5 projects × 3 achieved of a target of 1,000 = 1.5 %.
    assert by_instrument[first.code]["cols"] == {"target": "1,000", "achieved": "15", "percent_of_target": "1.5 %"}
    assert "companies" in by_instrument[first.code]["cells"]
    assert by_instrument[second.code]["cols"] == {"target": "50", "achieved": "0", "percent_of_target": "0.0 %"}
    assert "members" in by_instrument[second.code]["cells"]
    # and the money table holds no indicator
    money_table = html[
        html.index(f'id="money-{first.programme.pk}"') : html.index(f'id="indicators-{first.programme.pk}"')
    ]
    assert "Companies that received subsidies" not in money_table


def test_programme_name_heads_its_tables_and_instruments_link_to_their_pages(client, officer):
    first, second = _portfolio(2)
    _, html = _queries_for_home(client, officer)
    programme = first.programme
    assert re.search(rf'<h2 id="programme-{programme.pk}">\s*{re.escape(programme.name_en)}\s*</h2>', html)
    for instrument in (first, second):
        url = reverse("instrument-detail", args=[instrument.pk])
        name = instrument.name_en
        # the link's name holds the (unique) code, so two instruments of one name stay apart
        link = f'<a href="{url}"><span>{name}</span> <abbr title="{name}">{instrument.code}</abbr></a>'
        assert link in html
        # the code is an abbreviation explained by the instrument's name, in the table and the legend
        assert html.count(f'<abbr title="{name}">{instrument.code}</abbr>') >= 2
    assert "<dt>Absorption %</dt>" in html and "paid ÷ allocation" in html


def test_each_programme_has_its_own_section_and_total(client, officer):
    first, _ = _portfolio(2)
    other = ProgrammeFactory(code="OTHER-2021-2027", name_lt="Kita programa", name_en="Other programme")
    lone = instrument_create(
        actor=None,
        programme=other,
        code="LONE",
        name_lt="Vieniša priemonė",
        name_en="Lone instrument",
        allocation_amount=Decimal("999.00"),
        funding_rate=Decimal("50.00"),
        max_grant_amount=Decimal("100.00"),
        cost_categories=[CostCategoryFactory(code="STAFF")],
    )
    _, html = _queries_for_home(client, officer)
    other_rows = rows_by(table_rows(html, f"money-{other.pk}"), "data-code")
    assert set(other_rows) == {lone.code, "TOTAL"}
    assert other_rows["TOTAL"]["cols"]["allocation_amount"] == "€999.00"
    assert other_rows["TOTAL"]["cols"]["project_count"] == "0"
    first_total = rows_by(table_rows(html, f"money-{first.programme.pk}"), "data-code")["TOTAL"]["cols"]
    assert first_total["allocation_amount"] == "€30,000.00"
    assert "Other programme" in html


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR])
def test_home_query_count_does_not_grow_with_projects(client, role):
    user = UserFactory(role=role)
    _portfolio(10, allocations=("1000000.00", "1000000.00"))
    small, _ = _queries_for_home(client, user)
    _portfolio(190, allocations=("1000000.00", "1000000.00"))
    large, html = _queries_for_home(client, user)
    assert "Programme overview" in html
    assert small == large, f"{small} queries with 10 projects, {large} with 200"


def test_applicant_sees_only_own_organisation_with_links(client):
    own, other = OrganisationFactory(name="UAB Mūsų Klasteris"), OrganisationFactory(name="UAB Svetimas")
    instrument = make_instrument()
    mine = make_project(instrument, beneficiary=own, code="OWN-1")
    partnered = make_project(instrument, beneficiary=other, code="PARTNER-1")
    partnered.partners.add(own)
    theirs = make_project(instrument, beneficiary=other, code="OTHER-1")
    applicant = UserFactory(role=Role.APPLICANT, organisation=own)
    in_language(client, "en").force_login(applicant)
    html = client.get(reverse("home")).content.decode()
    rows = rows_by(table_rows(html, "my-projects"), "data-code")
    assert set(rows) == {mine.code, partnered.code}
    for project in (mine, partnered):
        assert f'<a href="{reverse("project-detail", args=[project.pk])}">{project.code}</a>' in html
    assert theirs.code not in html
    assert reverse("project-detail", args=[theirs.pk]) not in html
    # and no programme-wide figures either
    assert "Programme overview" not in html
    assert reverse("instrument-detail", args=[instrument.pk]) not in html


def test_applicant_without_organisation_sees_nothing(client):
    make_project(make_instrument(), code="ANY-1")
    in_language(client, "en").force_login(UserFactory(role=Role.APPLICANT))
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


def test_programme_counts_each_beneficiary_once(client, officer):
    instrument = make_instrument()
    shared = OrganisationFactory()
    make_project(instrument, beneficiary=shared)
    make_project(instrument, beneficiary=shared)
    make_project(instrument)
    _, html = _queries_for_home(client, officer)
    assert re.search(r'data-col="beneficiary_count">The programme\'s projects have 2 distinct beneficiaries\.<', html)
