"""One read model per figure: the home page and the programme report print the
same per-instrument figures for the same moment; and what a PDF prints of long
free text (a 150-letter word wraps and stays whole)."""

import re
from datetime import date
from decimal import Decimal
from html import unescape
from io import BytesIO

import pdfplumber
import pytest
from django.conf import settings
from django.utils import timezone, translation

from core.templatetags.fondas import eur, pct
from grants.models import PaymentKind, Programme, ProjectStatus
from grants.selectors.progress import instrument_progress
from grants.services import payment_create, project_transition
from reports import documents
from tests.factories import IndicatorFactory, ProgrammeFactory, make_instrument, make_project

pytestmark = pytest.mark.django_db

REPORT_ID = "f1f1f1f1-0000-4000-8000-000000000002"


def _pdf_lines(content: bytes) -> list[str]:
    with pdfplumber.open(BytesIO(content)) as pdf:
        return [line for page in pdf.pages for line in (page.extract_text() or "").splitlines()]


def _html_rows(html: str) -> list[str]:
    """The text of every table row of a page, tags removed, spaces collapsed."""
    rows = re.findall(r"<tr\b.*?</tr>", html, re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in rows]


def _figures(row) -> list[str]:
    return [
        eur(row.allocation_amount),
        eur(row.grant_total),
        eur(row.paid_total),
        pct(row.commitment_percent),
        pct(row.absorption_percent),
    ]


@pytest.fixture
def two_instruments():
    programme = ProgrammeFactory()
    indicator = IndicatorFactory(unit="companies")
    first = make_instrument(code="AAA", allocation="1234567.00", indicators={indicator: "40"})
    second = make_instrument(code="BBB", allocation="7654321.00")
    for instrument, amounts in ((first, ["1200.00", "3100.00"]), (second, ["550.00"])):
        for i, amount in enumerate(amounts):
            project = make_project(instrument, lines={"STAFF": f"{20000 + 1000 * i + len(amount)}.00"})
            project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
            payment_create(
                actor=None, project=project, kind=PaymentKind.ADVANCE, paid_on=date(2021, 3, 1), amount=amount
            )
    return Programme.objects.get(pk=programme.pk)


@pytest.fixture
def lithuanian(client):
    """The page, the report and the expected figures all in Lithuanian, whatever
    language an earlier test left active."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    with translation.override("lt"):
        yield


def test_home_page_and_programme_report_print_the_same_figures(client, officer, two_instruments, lithuanian):
    programme = two_instruments
    moment = timezone.now()
    rows = instrument_progress(as_of=moment, programme=programme)
    assert [row.code for row in rows] == ["AAA", "BBB"]
    assert rows[0].paid_total == Decimal("4300.00")

    params = documents.validate_params("programme", {"programme_id": programme.pk, "language": "lt"})
    pdf_lines = _pdf_lines(
        documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=moment).content
    )
    client.force_login(officer)
    response = client.get("/")
    assert response.status_code == 200
    home_rows = _html_rows(response.content.decode())

    for row in rows:
        expected = _figures(row)
        # The report: the instrument's line of the financial table.
        report_line = next(line for line in pdf_lines if f"({row.code})" in line and expected[0] in line)
        assert all(figure in report_line for figure in expected), (report_line, expected)
        # The home page: the instrument's row, wherever the page puts it.
        home_row = next(text for text in home_rows if row.code in text and expected[0] in text)
        assert all(figure in home_row for figure in expected), (home_row, expected)
        assert re.search(rf"\b{row.project_count}\b", home_row) and re.search(rf"\b{row.project_count}\b", report_line)


LONG_WORD = "Ž" + "a" * 74 + "B" + "c" * 74  # 150 letters, no break opportunity


def _page_words(content: bytes) -> tuple[str, bool]:
    """All the text of the PDF without white space, and whether every character lies on its page."""
    with pdfplumber.open(BytesIO(content)) as pdf:
        text = "".join("".join(page.extract_text().split()) for page in pdf.pages)
        inside = all(ch["x0"] >= 0 and ch["x1"] <= page.width for page in pdf.pages for ch in page.chars)
    return text, inside


def test_a_150_letter_word_wraps_and_is_printed_whole():
    programme = ProgrammeFactory()
    Programme.objects.filter(pk=programme.pk).update(name_lt=f"Programme {LONG_WORD}", name_en="")
    instrument = make_instrument(code="LONG")
    project = make_project(instrument)
    project.title = f"Project {LONG_WORD} end"
    project.save(update_fields=["title"])
    now = timezone.now()
    statement = documents.render_report(
        kind="project", params={"project_id": project.pk, "language": "en"}, report_id=REPORT_ID, as_of=now
    ).content
    text, inside = _page_words(statement)
    assert LONG_WORD in text and inside
    # In English: a one-line status beside the title keeps pdfplumber's reading order simple.
    params = documents.validate_params("programme", {"programme_id": programme.pk, "language": "en"})
    report = documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=now).content
    text, inside = _page_words(report)
    assert LONG_WORD in text and f"{LONG_WORD}end" in text and inside
