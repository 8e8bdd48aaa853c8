"""The grants pages in Lithuanian (the default) and English: amounts as each
language writes them, names of instruments, indicators, cost categories and
calls in the page's language, and a name kept only in Lithuanian shown in
Lithuanian with lang="lt" on an English page."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from grants.models import CostCategory, Indicator, IndicatorUnit, Instrument, Programme
from grants.selectors.asof import AsOf
from grants.selectors.progress import instrument_progress, project_progress_groups
from grants.selectors.statements import project_statement
from grants.services import indicator_value_report, project_transition
from tests.factories import IndicatorFactory, make_call, make_instrument, make_project
from tests.grants.test_home import rows_by, table_rows

pytestmark = pytest.mark.django_db


def _page(client, user, url: str, language: str | None) -> str:
    if language is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def bcl():
    """An instrument with the Business Cluster LT allocation, a bilingual
    indicator and one whose name is kept only in Lithuanian."""
    bilingual = IndicatorFactory(
        code="BCL-O1",
        name_lt="Įmonių, gavusių subsidijas, skaičius",
        name_en="Companies that received subsidies",
        unit=IndicatorUnit.COMPANIES,
    )
    lithuanian_only = IndicatorFactory(
        code="BCL-R1", name_lt="Į klasterius pritrauktų naujų narių skaičius", name_en="", unit=IndicatorUnit.MEMBERS
    )
    instrument = make_instrument(
        code="BCL",
        allocation="8480000.00",
        max_grant="700000.00",
        name_lt="Klasterių plėtros priemonė",
        name_en="Cluster development instrument",
        indicators={bilingual: "600", lithuanian_only: "30"},
    )
    Programme.objects.filter(pk=instrument.programme_id).update(
        name_lt="2014–2020 metų Europos Sąjungos fondų investicijų veiksmų programa",
        name_en="Operational Programme for EU Funds' Investments in 2014–2020",
    )
    return instrument


@pytest.mark.parametrize(
    ("language", "amount"), [(None, "8 480 000,00 €"), ("lt", "8 480 000,00 €"), ("en", "€8,480,000.00")]
)
def test_home_page_amounts_in_the_page_language(client, officer, bcl, language, amount):
    html = _page(client, officer, reverse("home"), language)
    assert f'<html lang="{language or "lt"}">' in html
    row = rows_by(table_rows(html, f"money-{bcl.programme.pk}"), "data-code")[bcl.code]
    assert row["cols"]["allocation_amount"] == amount
    assert "(EUR)" not in html and " EUR<" not in html


@pytest.mark.parametrize(("language", "amount"), [(None, "8 480 000,00 €"), ("en", "€8,480,000.00")])
def test_instrument_page_amounts_in_the_page_language(client, officer, bcl, language, amount):
    make_call(bcl, budget="8480000.00", code="BCL-CALL")
    html = _page(client, officer, reverse("instrument-detail", args=[bcl.pk]), language)
    assert re.search(rf'<dd data-col="allocation_amount">{re.escape(amount)}</dd>', html)
    call = rows_by(table_rows(html, "calls"), "data-code")["BCL-CALL"]
    assert amount in call["cells"]
    assert "(EUR)" not in html


def test_names_in_lithuanian_on_lithuanian_pages(client, officer, bcl):
    home = _page(client, officer, reverse("home"), None)
    page = _page(client, officer, reverse("instrument-detail", args=[bcl.pk]), None)
    for html in (home, page):
        assert "Klasterių plėtros priemonė" in html and "Cluster development instrument" not in html
        assert "Įmonių, gavusių subsidijas, skaičius" in html and "Companies that received subsidies" not in html
        # nothing is marked: every name is in the page's language
        assert ' lang="lt"' not in html.split("<main", 1)[1]
    assert "2014–2020 metų Europos Sąjungos fondų investicijų veiksmų programa" in home


def test_names_in_english_on_english_pages_with_the_lithuanian_fallback_marked(client, officer, bcl):
    home = _page(client, officer, reverse("home"), "en")
    page = _page(client, officer, reverse("instrument-detail", args=[bcl.pk]), "en")
    for html in (home, page):
        assert "Cluster development instrument" in html and "Klasterių plėtros priemonė" not in html
        assert "Companies that received subsidies" in html and "Įmonių, gavusių subsidijas" not in html
        # name_en is blank: the Lithuanian name, marked as Lithuanian
        assert re.search(r'<(th|span) [^>]*lang="lt"[^>]*>Į klasterius pritrauktų naujų narių skaičius<', html)
        assert not re.search(r'lang="lt"[^>]*>Companies that received subsidies', html)
    assert "Operational Programme for EU Funds&#x27; Investments in 2014–2020" in home


def test_instrument_name_falls_back_to_lithuanian_with_lang(client, officer):
    instrument = make_instrument(code="INL", name_lt="Inolink", name_en="")
    project = make_project(instrument, code="INL-0001")
    html = _page(client, officer, reverse("home"), "en")
    url = reverse("instrument-detail", args=[instrument.pk])
    assert f'<a href="{url}"><span lang="lt">Inolink</span>' in html
    page = _page(client, officer, reverse("instrument-detail", args=[instrument.pk]), "en")
    assert '<h1><span lang="lt">Inolink</span>' in page
    # project titles and organisation names are Lithuanian data
    row = re.search(r'<tr data-code="INL-0001">.*?</tr>', page, re.S).group(0)
    assert f'<td lang="lt">{project.title}</td>' in row
    assert f'<td lang="lt">{project.beneficiary.name}</td>' in row
    lithuanian = _page(client, officer, reverse("instrument-detail", args=[instrument.pk]), "lt")
    assert "<h1><span>Inolink</span>" in lithuanian


def test_call_title_and_cost_category_follow_the_language(client, officer, bcl):
    call = make_call(bcl, code="BCL-CALL")
    project = make_project(bcl, call=call, code="BCL-0001", lines={"STAFF": "100.00"})
    CostCategory.objects.filter(code="STAFF").update(name_lt="Darbo užmokestis", name_en="Staff costs")
    lithuanian = _page(client, officer, reverse("project-detail", args=[project.pk]), None)
    assert "Bandomasis kvietimas" in lithuanian and "Darbo užmokestis" in lithuanian
    english = _page(client, officer, reverse("project-detail", args=[project.pk]), "en")
    assert "Test call" in english and "Staff costs" in english
    assert "Bandomasis kvietimas" not in english and "Darbo užmokestis" not in english


def test_selectors_give_names_in_the_active_language(bcl):
    project = make_project(bcl, code="BCL-0001", lines={"STAFF": "100.00"})
    project_transition(actor=None, project=project, to_status="in_implementation")
    indicator = Indicator.objects.get(code="BCL-O1")
    indicator_value_report(
        actor=None, project=project, indicator=indicator, reported_on=project.start_date, value=Decimal(3)
    )
    (row,) = instrument_progress(instrument_ids=[bcl.pk])
    cutoff = AsOf.at()
    with translation.override("lt"):
        assert row.name == "Klasterių plėtros priemonė"
        assert [i.name for i in row.indicators][0] == "Įmonių, gavusių subsidijas, skaičius"
        (group,) = project_progress_groups(Instrument.objects.filter(pk=bcl.pk), cutoff, 0, None)
        assert group.instrument_name == "Klasterių plėtros priemonė"
        statement = project_statement(project_id=project.pk, as_of=cutoff)
        assert statement.instrument_name == "Klasterių plėtros priemonė"
    with translation.override("en"):
        # the same rows, read on an English page
        assert row.name == "Cluster development instrument" and row.name_lang == "en"
        assert [i.name for i in row.indicators] == [
            "Companies that received subsidies",
            "Į klasterius pritrauktų naujų narių skaičius",
        ]
        assert [i.name_lang for i in row.indicators] == ["en", "lt"]
        assert [str(i.unit) for i in row.indicators] == ["companies", "members"]
        (group,) = project_progress_groups(Instrument.objects.filter(pk=bcl.pk), cutoff, 0, None)
        assert group.instrument_name == "Cluster development instrument"
        statement = project_statement(project_id=project.pk, as_of=cutoff)
        assert statement.instrument_name == "Cluster development instrument"
        assert statement.indicators[0].name == "Companies that received subsidies"
