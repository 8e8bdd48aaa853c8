"""The programme and instrument reports state the declared eligible expenditure
by instrument (and its total) and define it in the methodology; the project
statement has the budget-line table (planned, claimed, verified eligible,
paid). In Lithuanian and English. Rendered to HTML (the PDF itself is tested
elsewhere), so that the figures can be found by their cells."""

import re

import pytest
from django.utils import timezone, translation

from grants.models import ProjectStatus
from grants.services import project_transition
from reports import documents
from tests.factories import make_instrument, make_project
from tests.grants.budget_fixtures import every_status

pytestmark = pytest.mark.django_db

REPORT_ID = "5a5b5c5d-0000-4000-8000-00000000b0d9"
AMOUNTS = {
    # verified eligible expenditure of every_status's claims, with one project without claims
    "en": {"verified": "€2,880.75", "claimed": "€3,550.24", "paid_line": "€1,580.25", "zero": "€0.00"},
    "lt": {"verified": "2 880,75 €", "claimed": "3 550,24 €", "paid_line": "1 580,25 €", "zero": "0,00 €"},
}


@pytest.fixture
def portfolio():
    first = make_instrument(code="RPA", allocation="900000.00")
    second = make_instrument(code="RPB", allocation="100000.00")
    project = make_project(first, lines={"STAFF": "8000.00", "EQUIP": "2000.00"})
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    make_project(second, lines={"STAFF": "5000.00"})  # no claims: 0.00 declared
    every_status(project)
    return first, second, project


def html_of(kind: str, params: dict, language: str) -> str:
    params = documents.validate_params(kind, {**params, "language": language})
    html = documents.section_html(kind, params, REPORT_ID, timezone.now(), 0, page_numbers=False)
    return re.sub(r"[\u00a0\u202f]", " ", html)


def heading(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html, re.S)]


@pytest.mark.parametrize("language", ["lt", "en"])
def test_the_programme_report_states_declared_eligible_expenditure(portfolio, language):
    first, _second, _project = portfolio
    html = html_of("programme", {"programme_id": first.programme_id}, language)
    title = heading("Declared eligible expenditure", language)
    assert f'<th scope="col" class="num">{title}</th>' in html
    finance = html[html.index('id="finance"') : html.index('id="indicators"')]
    cells = _cells(finance)
    assert AMOUNTS[language]["verified"] in cells
    assert f"<dt>{title}</dt>" in html  # the methodology defines it


@pytest.mark.parametrize("language", ["lt", "en"])
def test_the_instrument_report_states_it_and_zero_without_claims(portfolio, language):
    first, second, _project = portfolio
    with_claims = _cells(html_of("instrument", {"instrument_id": first.pk}, language))
    assert AMOUNTS[language]["verified"] in with_claims
    html = html_of("instrument", {"instrument_id": second.pk}, language)
    finance = html[html.index('id="finance"') : html.index('id="indicators"')]
    assert heading("Declared eligible expenditure", language) in finance
    row = _cells(finance)
    # Allocation, contracted, declared (0.00), paid (0.00) follow the instrument's name and its project count.
    assert row.count(AMOUNTS[language]["zero"]) >= 2


@pytest.mark.parametrize("language", ["lt", "en"])
def test_the_project_statement_has_the_budget_line_table(portfolio, language):
    _first, _second, project = portfolio
    html = html_of("project", {"project_id": project.pk}, language)
    assert heading("Budget and expenditure", language) in html
    for column in ("Planned", "Claimed", "Verified eligible", "Paid"):
        assert f'class="num">{heading(column, language)}</th>' in html, column
    cells = _cells(html)
    assert AMOUNTS[language]["claimed"] in cells
    assert AMOUNTS[language]["verified"] in cells
    assert AMOUNTS[language]["paid_line"] in cells
