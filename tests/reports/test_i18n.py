"""Reports in Lithuanian and in English: the `language` parameter of every
kind (checked, defaulting to the requester's language), and the programme
report written in each language with the same figures, its amounts, headings
and page footers, also when merged from sections."""

import re
import shutil
import subprocess
from collections import Counter
from datetime import date
from decimal import Decimal
from io import BytesIO

import pdfplumber
import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from grants.models import Instrument, PaymentKind, ProjectStatus
from grants.services import indicator_value_report, payment_create, project_transition
from reports import documents
from reports.kinds.implementation import ImplementationKind
from reports.models import ReportJob
from tests.artifacts import SCREENSHOTS
from tests.factories import IndicatorFactory, ProgrammeFactory, make_instrument, make_project

pytestmark = pytest.mark.django_db

API = "/api/v1/reports/"
REPORT_ID = "5a5b5c5d-0000-4000-8000-00000000beef"
SHORT_ID = "5A5B5C5D"

# An amount as each language prints it (core.formatting.format_money).
LT_AMOUNT = re.compile(r"(?<![\d,])\d{1,3}(?: \d{3})*,\d{2} €")
EN_AMOUNT = re.compile(r"€\d{1,3}(?:,\d{3})*\.\d{2}(?!\d)")


def portfolio():
    """Two instruments with projects, payments and an indicator."""
    indicator = IndicatorFactory(code="AAA-O1", name_lt="Įmonės, gavusios paramą", name_en="Companies supported")
    aaa = make_instrument(code="AAA", allocation="2000000.00", indicators={indicator: "50"})
    bbb = make_instrument(code="BBB", allocation="750000.00")
    Instrument.objects.filter(pk=aaa.pk).update(name_lt="Klasterių plėtra", name_en="Cluster development")
    Instrument.objects.filter(pk=bbb.pk).update(name_lt="Tarptautiškumas", name_en="Internationalisation")
    projects = []
    for i, instrument in enumerate([aaa, aaa, aaa, bbb, bbb]):
        project = make_project(instrument, lines={"STAFF": f"{20000 + 1000 * i}.00"})
        project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
        payment_create(
            actor=None, project=project, kind=PaymentKind.ADVANCE, paid_on=date(2021, 5, 1), amount="1234.56"
        )
        projects.append(project)
    indicator_value_report(actor=None, project=projects[0], indicator=indicator, reported_on=date(2021, 6, 1), value=7)
    return ProgrammeFactory(), projects


def render(programme, language: str, **params):
    params = documents.validate_params(
        "programme", {"programme_id": programme.pk, "as_of_date": "2025-06-30", "language": language, **params}
    )
    assert params["language"] == language
    return documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=timezone.now())


def pages(content: bytes) -> list[str]:
    with pdfplumber.open(BytesIO(content)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def cells(content: bytes) -> list[str]:
    """The text runs of the PDF: a run ends where the glyphs are set apart
    (a table cell, a chart label), not at the spaces inside a Lithuanian
    amount, so that '3' in one cell and '500 000,00 €' in the next stay apart."""
    with pdfplumber.open(BytesIO(content)) as pdf:
        return [
            word["text"].replace("\u00a0", " ")  # figures in running text keep together with no-break spaces
            for page in pdf.pages
            for word in page.extract_words(keep_blank_chars=True, x_tolerance=1, use_text_flow=True)
        ]


def amounts(content: bytes, pattern: re.Pattern) -> Counter:
    found = Counter()
    for run in cells(content):
        for match in pattern.findall(run):
            digits = re.sub(r"[^\d,.]", "", match)
            digits = digits.replace(",", "") if pattern is EN_AMOUNT else digits.replace(".", "").replace(",", ".")
            found[Decimal(digits)] += 1
    return found


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_programme_report_in_lithuanian_and_in_english_has_the_same_figures():
    programme, _projects = portfolio()
    lithuanian = render(programme, "lt")
    english = render(programme, "en")
    lt_pages, en_pages = pages(lithuanian.content), pages(english.content)
    lt_text, en_text = flat(" ".join(lt_pages)), flat(" ".join(en_pages))

    # Lithuanian headings, labels and names; no English ones.
    for heading in (
        "Programos įgyvendinimo ataskaita",
        "1. Santrauka",
        "2. Finansinė pažanga pagal priemones",
        "3. Stebėsenos rodikliai pagal priemones",
        "Metodika",
        "Priedas. Projektai pagal priemones",
        "Skirtos lėšos",
        "Išmokėta",
        "Programos suma",
        "1 pav.",
        "Klasterių plėtra",
        "Bandomoji veiksmų programa",
    ):
        assert heading in lt_text, heading
    for english_only in ("Summary", "Methodology", "Financial progress", "Programme total", "Figure 1"):
        assert english_only not in lt_text, english_only
    for heading in ("1. Summary", "Financial progress by instrument", "Methodology", "Programme total", "Figure 1."):
        assert heading in en_text, heading
    assert "Cluster development" in en_text and "Test operational programme" in en_text
    assert "Santrauka" not in en_text

    # Amounts as each language writes them; the same figures in both.
    lt_amounts, en_amounts = amounts(lithuanian.content, LT_AMOUNT), amounts(english.content, EN_AMOUNT)
    assert Decimal("2750000.00") in lt_amounts and Decimal("6172.80") in lt_amounts
    assert lt_amounts == en_amounts
    assert "€" not in "".join(re.sub(LT_AMOUNT, "", run) for run in cells(lithuanian.content) if LT_AMOUNT.search(run))
    assert not EN_AMOUNT.search(lt_text) and not LT_AMOUNT.search(en_text)
    assert "2 750 000,00 €" in lt_text and "€2,750,000.00" in en_text
    assert "14,0 %" in lt_text and "14.0 %" in en_text  # indicator 7 of 50

    # Dates in ISO form in both.
    assert "2025-06-30" in lt_text and "2025-06-30" in en_text

    # The page footers.
    for number, text in enumerate(lt_pages, start=1):
        assert f"Ataskaita {SHORT_ID} · puslapis {number} iš {len(lt_pages)}" in text, text[-200:]
        assert "page" not in text.split("Ataskaita")[-1]
    for number, text in enumerate(en_pages, start=1):
        assert f"Report {SHORT_ID} · page {number} of {len(en_pages)}" in text, text[-200:]

    # Page 1 of the Lithuanian report, for a person to look at.
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed: no PNG of the Lithuanian report")
    source = SCREENSHOTS / "fondas-report-programme-lt.pdf"
    source.write_bytes(lithuanian.content)
    try:
        command = ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile"]
        subprocess.run(  # noqa: S603 - a fixed program and our own file
            [*command, str(source), str(source.with_suffix(""))],
            check=True,
            timeout=60,
        )
    finally:
        source.unlink()
    assert (SCREENSHOTS / "fondas-report-programme-lt.png").stat().st_size > 10_000


def test_a_merged_report_in_lithuanian_has_lithuanian_footers_on_every_page(monkeypatch):
    programme, projects = portfolio()
    monkeypatch.setattr(ImplementationKind, "rows_per_section", 2)
    params = documents.validate_params("programme", {"programme_id": programme.pk, "language": "lt"})
    assert documents.section_count("programme", params) == 3
    with translation.override("en"):  # the worker's language does not matter
        rendered = documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=timezone.now())
    texts = pages(rendered.content)
    assert len(texts) == rendered.page_count > 3
    for number, text in enumerate(texts, start=1):
        assert f"Ataskaita {SHORT_ID} · puslapis {number} iš {len(texts)}" in text, (number, text[-200:])
        assert re.search(r"page \d+ of", text) is None
    assert "tęsinys" in flat(" ".join(texts))  # a section that starts inside an instrument


def test_a_job_stored_without_a_language_renders_in_lithuanian():
    programme, _projects = portfolio()
    params = {"programme_id": programme.pk, "as_of_date": "2025-06-30"}  # as jobs were stored before
    with translation.override("en"):
        rendered = documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=timezone.now())
    text = pages(rendered.content)[0]
    assert "Ataskaita" in text and "puslapis 1 iš" in text


def test_the_page_footer_is_escaped_css():
    with translation.override("en"):
        assert str(documents.footer_content()) == (
            '"Report " string(report-id) " · page " counter(page) " of " counter(pages)'
        )
    assert documents.css_string('a"b\\c</style>') == '"a\\22 b\\5c c\\3c /style\\3e "'


# --------------------------------------------------------------------------- the parameter


def _api(user, language: str | None = None) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    if language:
        api.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return api


def test_a_bad_language_is_refused_naming_the_field(officer, programme):
    for bad in ("de", "", 7, ["lt"], "lt-LT-x"):
        if bad == "":
            continue  # empty means "not given": the request's language
        response = _api(officer, "en").post(
            API, {"kind": "programme", "params": {"programme_id": programme.pk, "language": bad}}, format="json"
        )
        assert response.status_code == 400, (bad, response.content)
        error = response.json()["error"]
        assert "language" in error["fields"], error
        assert "“lt”" in error["message"] and "“en”" in error["message"]
    assert not ReportJob.objects.exists()


def test_the_api_stores_the_request_language_when_none_is_given(officer, programme):
    for accept, expected in (("en-GB,en;q=0.9", "en"), ("lt", "lt"), ("de", "lt")):
        response = _api(officer, accept).post(
            API, {"kind": "programme", "params": {"programme_id": programme.pk}}, format="json"
        )
        assert response.status_code == 202, response.content
        job = ReportJob.objects.get(pk=response.json()["id"])
        assert job.params["language"] == expected, accept
        assert response.json()["params"]["language"] == expected
    # Given explicitly, it wins over the request's language.
    response = _api(officer, "lt").post(
        API, {"kind": "programme", "params": {"programme_id": programme.pk, "language": "en"}}, format="json"
    )
    assert ReportJob.objects.get(pk=response.json()["id"]).params["language"] == "en"


def test_an_api_error_message_follows_the_request_language(officer):
    english = _api(officer, "en").post(API, {"kind": "programme", "params": {}}, format="json").json()["error"]
    lithuanian = _api(officer, "lt").post(API, {"kind": "programme", "params": {}}, format="json").json()["error"]
    assert "programme_id" in english["fields"] and "programme_id" in lithuanian["fields"]
    assert english["message"].startswith("Choose a programme")
    assert lithuanian["message"].startswith("Pasirinkite programą")


def test_the_form_preselects_the_page_language_and_stores_the_choice(client, officer, programme):
    client.force_login(officer)
    html = client.get("/reports/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<option value="en" selected>', html), html
    session = client.session
    session["fondas_language"] = "lt"  # core.middleware.LANGUAGE_SESSION_KEY
    session.save()
    response = client.post(
        "/reports/new/", {"kind": "programme", "programme_id": programme.pk, "language": "en"}, follow=False
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ReportJob.objects.get().params["language"] == "en"
