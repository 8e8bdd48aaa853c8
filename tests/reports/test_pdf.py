"""PDF reports: parameters, names, the figures printed against the database,
running headers and continuous page numbers (also after merging sections),
PDF/A-3b identification, Lithuanian text, vector charts and the demo report.
These tests read the English text: they request English reports (the
Lithuanian ones are in test_i18n.py)."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO, StringIO
from xml.etree import ElementTree  # noqa: S405 - parses the XMP of a PDF this test just made

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone, translation
from pypdf import PdfReader

from core.errors import ApplicationError
from core.templatetags.fondas import eur, qty
from grants.models import (
    CLAIM_VERIFIED,
    ExpenditureItem,
    Instrument,
    Payment,
    PaymentKind,
    Programme,
    Project,
    ProjectStatus,
)
from grants.services import indicator_value_report, payment_create, project_transition
from reports import documents, rendering
from reports.kinds.audit_trail import AuditTrailReport
from reports.kinds.implementation import ImplementationKind
from tests.factories import IndicatorFactory, OrganisationFactory, ProgrammeFactory, make_instrument, make_project

pytestmark = pytest.mark.django_db

REPORT_ID = "1a2b3c4d-0000-4000-8000-00000000abcd"
SHORT_ID = "1A2B3C4D"
LITHUANIAN = "UAB „Žalgirio ąčęėįšųūž“ ŠŽ"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"


@pytest.fixture(autouse=True)
def english():
    """English is the requester's language: validate_params gives 'en', and
    eur() in the assertions formats as the English report does."""
    with translation.override("en"):
        yield


def reader(content: bytes) -> PdfReader:
    return PdfReader(BytesIO(content))


def page_texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in reader(content).pages]


def flat(text: str) -> str:
    """All whitespace (line breaks inside table cells included) as one space."""
    return re.sub(r"\s+", " ", text)


def pdfa_identification(content: bytes) -> tuple[str | None, str | None]:
    """pdfaid:part and pdfaid:conformance from the XMP metadata stream."""
    xmp = reader(content).trailer["/Root"]["/Metadata"].get_object().get_data()
    root = ElementTree.fromstring(  # noqa: S314
        xmp[xmp.index(b"<x:xmpmeta") : xmp.rindex(b"</x:xmpmeta>") + 12]
    )
    for element in root.iter():
        if f"{{{PDFAID}}}part" in element.attrib:
            return element.attrib[f"{{{PDFAID}}}part"], element.attrib.get(f"{{{PDFAID}}}conformance")
    return None, None


def assert_pdfa(content: bytes) -> None:
    assert pdfa_identification(content) == ("3", "A")  # tagged: PDF/A-3a (reports.rendering)
    root = reader(content).trailer["/Root"]
    intents = root["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"
    assert "/DestOutputProfile" in intents[0].get_object()
    file_id = reader(content).trailer["/ID"]
    assert len(file_id) == 2 and all(len(part.original_bytes) >= 16 for part in file_id)
    info = reader(content).metadata
    assert info["/Producer"].startswith("WeasyPrint") and info["/Title"]


def assert_numbered(content: bytes, title_fragment: str) -> None:
    """Every page: the running header and 'Report <id> · page X of Y', X = 1..Y."""
    texts = page_texts(content)
    total = len(texts)
    for number, text in enumerate(texts, start=1):
        assert f"Report {SHORT_ID} · page {number} of {total}" in text, (number, text[-200:])
        assert title_fragment in text, number
        assert len(re.findall(r"page \d+ of \d+", text)) == 1


def portfolio() -> dict:
    """Two instruments with projects, payments (one after the cut-off) and an indicator."""
    indicator = IndicatorFactory(code="AAA-O1", name="Įmonės, gavusios paramą", unit="companies")
    aaa = make_instrument(code="AAA", allocation="2000000.00", indicators={indicator: "50"})
    bbb = make_instrument(code="BBB", allocation="500000.00")
    Instrument.objects.filter(pk=aaa.pk).update(name_lt="Klasterių plėtra", name_en="")
    Instrument.objects.filter(pk=bbb.pk).update(name_lt="Tarptautiškumas", name_en="")
    projects = []
    for i, instrument in enumerate([aaa, aaa, aaa, bbb, bbb]):
        beneficiary = OrganisationFactory(name=f"{LITHUANIAN} {i}") if i == 0 else None
        project = make_project(instrument, beneficiary=beneficiary, lines={"STAFF": f"{20000 + 1000 * i}.00"})
        project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
        payment_create(
            actor=None, project=project, kind=PaymentKind.ADVANCE, paid_on=date(2021, 5, 1), amount="1234.56"
        )
        projects.append(project)
    payment_create(actor=None, project=projects[0], kind=PaymentKind.INTERIM, paid_on=date(2025, 12, 1), amount="99")
    indicator_value_report(actor=None, project=projects[0], indicator=indicator, reported_on=date(2021, 6, 1), value=7)
    indicator_value_report(actor=None, project=projects[1], indicator=indicator, reported_on=date(2025, 6, 1), value=4)
    return {"programme": ProgrammeFactory(), "aaa": aaa, "bbb": bbb, "projects": projects, "indicator": indicator}


# --------------------------------------------------------------------------- parameters and names


def test_validate_params_normalises_good_input():
    data = portfolio()
    programme_id = data["programme"].pk
    assert documents.validate_params("programme", {"programme_id": str(programme_id), "as_of_date": "2021-12-31"}) == {
        "programme_id": programme_id,
        "as_of_date": "2021-12-31",
        "language": "en",
    }
    assert documents.validate_params("programme", {"programme_id": programme_id, "language": "LT"}) == {
        "programme_id": programme_id,
        "as_of_date": timezone.localdate().isoformat(),
        "language": "lt",
    }
    assert documents.validate_params(
        "instrument", {"instrument_id": data["aaa"].pk, "period_start": "2021-01-01", "period_end": "2021-12-31"}
    ) == {"instrument_id": data["aaa"].pk, "period_start": "2021-01-01", "period_end": "2021-12-31", "language": "en"}
    project_id = data["projects"][0].pk
    assert documents.validate_params("project", {"project_id": project_id}) == {
        "project_id": project_id,
        "language": "en",
    }
    assert documents.validate_params("audit_trail", {"object_type": "grants.project", "object_id": 7}) == {
        "object_type": "grants.project",
        "object_id": "7",
        "language": "en",
    }
    assert documents.validate_params("audit_trail", {"date_from": "2021-01-01", "date_to": "2021-01-31"}) == {
        "date_from": "2021-01-01",
        "date_to": "2021-01-31",
        "language": "en",
    }


@pytest.mark.parametrize(
    ("kind", "params", "field"),
    [
        ("programme", {}, "programme_id"),
        ("programme", {"programme_id": 999999}, "programme_id"),
        ("programme", {"programme_id": True}, "programme_id"),
        ("programme", {"programme_id": -1}, "programme_id"),
        ("programme", {"programme_id": "1; DROP"}, "programme_id"),
        ("programme", {"programme_id": "PROGRAMME", "colour": "red"}, "colour"),
        ("programme", {"programme_id": "PROGRAMME", "as_of_date": "31.12.2021"}, "as_of_date"),
        ("programme", {"programme_id": "PROGRAMME", "as_of_date": "2999-01-01"}, "as_of_date"),
        ("programme", {"programme_id": "PROGRAMME", "period_start": "2021-01-01"}, "period_end"),
        ("programme", {"programme_id": "PROGRAMME", "period_end": "2021-01-01"}, "period_start"),
        (
            "programme",
            {"programme_id": "PROGRAMME", "period_start": "2021-02-01", "period_end": "2021-01-01"},
            "period_end",
        ),
        (
            "programme",
            {
                "programme_id": "PROGRAMME",
                "period_start": "2021-01-01",
                "period_end": "2021-02-01",
                "as_of_date": "2021-01-05",
            },
            "as_of_date",
        ),
        ("instrument", {"instrument_id": 999999}, "instrument_id"),
        ("project", {"project_id": "abc"}, "project_id"),
        ("project", {"project_id": 999999}, "project_id"),
        ("audit_trail", {}, "date_from"),
        ("audit_trail", {"object_type": "grants.project"}, "object_id"),
        ("audit_trail", {"object_type": "../etc", "object_id": "1"}, "object_type"),
        ("audit_trail", {"date_from": "2021-01-01"}, "date_to"),
        ("audit_trail", {"date_from": "2021-02-01", "date_to": "2021-01-01"}, "date_to"),
        ("audit_trail", {"object_type": "grants.project", "object_id": "1", "date_from": "2021-01-01"}, "object_type"),
        ("nonsense", {}, "kind"),
        ("programme", {"programme_id": "PROGRAMME", "language": "de"}, "language"),
        ("project", {"project_id": "abc", "language": "lt"}, "project_id"),
    ],
)
def test_validate_params_names_the_bad_field(kind, params, field):
    data = portfolio()
    params = {k: (data["programme"].pk if v == "PROGRAMME" else v) for k, v in params.items()}
    with pytest.raises(ApplicationError) as raised:
        documents.validate_params(kind, params)
    assert raised.value.field == field


def test_describe_and_download_filename():
    data = portfolio()
    programme = data["programme"]
    params = {"programme_id": programme.pk, "as_of_date": "2021-12-31"}
    title = documents.describe("programme", params)
    assert title == f"Programme implementation report — {programme.name}, as of 2021-12-31"
    name = documents.download_filename("programme", params, REPORT_ID)
    assert name == "fondas-programme-report-2021-12-31-1A2B3C4D.pdf"
    period = {"instrument_id": data["aaa"].pk, "period_start": "2021-01-01", "period_end": "2021-12-31"}
    assert documents.describe("instrument", period).endswith("Klasterių plėtra, 2021-01-01 – 2021-12-31")
    assert documents.download_filename("instrument", period, REPORT_ID) == (
        "fondas-instrument-report-aaa-2021-12-31-1A2B3C4D.pdf"
    )
    project = data["projects"][0]
    Project.objects.filter(pk=project.pk).update(code="PRJ-Šiauliai/1", title="Žiedinė ekonomika")
    name = documents.download_filename("project", {"project_id": project.pk}, REPORT_ID)
    assert name == "fondas-project-statement-prj-siauliai1-1A2B3C4D.pdf"
    assert name.isascii()
    title = documents.describe("project", {"project_id": project.pk})
    assert title == "Project statement — PRJ-Šiauliai/1 Žiedinė ekonomika"
    trail = {"object_type": "grants.project", "object_id": "12"}
    name = documents.download_filename("audit_trail", trail, REPORT_ID)
    assert name == "fondas-audit-trail-grantsproject-12-1A2B3C4D.pdf"
    assert documents.describe("audit_trail", {"date_from": "2021-01-01", "date_to": "2021-01-31"}) == (
        "Audit-trail extract — 2021-01-01 to 2021-01-31"
    )


def test_section_count_splits_long_project_lists(monkeypatch):
    data = portfolio()
    params = {"programme_id": data["programme"].pk, "as_of_date": "2025-12-31"}
    assert documents.section_count("programme", params) == 1
    assert documents.section_count("project", {"project_id": data["projects"][0].pk}) == 1
    monkeypatch.setattr(ImplementationKind, "rows_per_section", 2)
    assert documents.section_count("programme", params) == 3  # 5 projects
    assert documents.section_count("instrument", {"instrument_id": data["bbb"].pk, "as_of_date": "2025-12-31"}) == 1
    monkeypatch.setattr(AuditTrailReport, "rows_per_section", 10)
    trail = {"date_from": "2000-01-01", "date_to": "2100-01-01"}
    assert documents.section_count("audit_trail", trail) > 1


# --------------------------------------------------------------------------- figures


def test_programme_report_prints_the_figures_of_the_database():
    data = portfolio()
    as_of = timezone.now()
    params = documents.validate_params("programme", {"programme_id": data["programme"].pk, "as_of_date": "2025-06-30"})
    rendered = documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=as_of)
    texts = page_texts(rendered.content)
    assert rendered.page_count == len(texts) >= 6
    text = flat("\n".join(texts))
    cut = date(2025, 6, 30)
    for instrument in (data["aaa"], data["bbb"]):
        projects = Project.objects.filter(instrument=instrument)
        contracted = projects.aggregate(total=Sum("grant_amount"))["total"]
        paid = Payment.objects.filter(project__instrument=instrument, paid_on__lte=cut).aggregate(t=Sum("amount"))["t"]
        # Declared eligible expenditure (verified in approved or paid claims) stands
        # between the contracted grant and the payments.
        declared = ExpenditureItem.objects.filter(
            claim__project__instrument=instrument, claim__status__in=CLAIM_VERIFIED
        ).aggregate(t=Sum("eligible_amount"))["t"] or Decimal("0")
        row = (
            f"({instrument.code}) {projects.count()} {eur(instrument.allocation_amount)} {eur(contracted)} "
            f"{eur(declared)} {eur(paid)}"
        )
        assert row in text
    # The payment after the cut-off date is not counted, the one before is.
    assert eur(Decimal("1234.56") * 3) in text
    assert eur(Decimal("1234.56") * 3 + 99) not in text
    total_contracted = Project.objects.aggregate(total=Sum("grant_amount"))["total"]
    assert (
        f"Programme total 5 {eur(Decimal('2500000.00'))} {eur(total_contracted)} {eur(Decimal('0'))} "
        f"{eur(Decimal('6172.80'))}" in text
    )
    # Indicator: target 50, achieved 7 + 4 = 11 (both reported before the cut-off), 22.0 %.
    assert "AAA-O1 Įmonės, gavusios paramą companies 50 11 22.0 %" in text
    # The annex lists every project with its beneficiary, grant and what was paid.
    for project in data["projects"]:
        assert f"{project.code} " in text
    first = data["projects"][0]
    assert f"{LITHUANIAN} 0" in text
    assert f"In implementation {eur(first.grant_amount)} {eur(Decimal('1234.56'))}" in text
    assert "Figure 1. Allocation, contracted grant and payments by instrument (EUR)" in text
    assert "Figure 2. Indicators: achieved as a percentage of the target" in text
    assert "Figure 3. Cluster landscape against the national targets (%)" in text
    assert "5. Methodology" in text and "As-of rule" in text
    assert REPORT_ID in text  # on the cover
    assert_numbered(rendered.content, "Programme implementation report — Test operational programme")
    assert_pdfa(rendered.content)


def test_every_page_has_header_footer_and_page_number_in_single_pass(monkeypatch):
    data = portfolio()
    as_of = timezone.now()
    params = documents.validate_params("instrument", {"instrument_id": data["aaa"].pk, "as_of_date": "2025-12-31"})
    rendered = documents.render_report(kind="instrument", params=params, report_id=REPORT_ID, as_of=as_of)
    assert_numbered(rendered.content, "Instrument implementation report — Klasterių plėtra")
    text = flat("\n".join(page_texts(rendered.content)))
    assert "Klasterių plėtra (AAA) 3 €2,000,000.00" in text
    assert "Tarptautiškumas" not in text  # the other instrument is not in this report
    assert_pdfa(rendered.content)


def test_lithuanian_text_uses_the_bundled_dejavu_fonts(monkeypatch):
    data = portfolio()
    fetched = []
    real_fetch = rendering.StaticFilesFetcher.fetch

    def recording_fetch(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(rendering.StaticFilesFetcher, "fetch", recording_fetch)
    project = data["projects"][0]
    rendered = documents.render_report(
        kind="project", params={"project_id": project.pk, "language": "en"}, report_id=REPORT_ID, as_of=timezone.now()
    )
    text = flat("\n".join(page_texts(rendered.content)))
    assert f"{LITHUANIAN} 0" in text
    assert "Įmonės, gavusios paramą" in text
    assert any(url.endswith("/static/reports/fonts/DejaVuSans.ttf") for url in fetched), fetched
    assert any(url.endswith("/static/reports/fonts/DejaVuSans-Bold.ttf") for url in fetched), fetched
    fonts = {}
    for page in reader(rendered.content).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = descriptor["/FontFile2"].get_object().get_data()
    # Every font is embedded, and every one is DejaVu Sans (its name table says so).
    assert fonts and all("DejaVu-Sans" in name for name in fonts), list(fonts)
    assert all("DejaVu Sans".encode("utf-16-be") in program for program in fonts.values())


def test_charts_are_vector_drawings_not_images():
    data = portfolio()
    as_of = timezone.now()
    params = documents.validate_params("programme", {"programme_id": data["programme"].pk})
    content = documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=as_of).content
    for page in reader(content).pages:
        xobjects = page["/Resources"].get("/XObject", {})
        for xobject in xobjects.values():
            assert xobject.get_object().get("/Subtype") != "/Image"
    text = flat("\n".join(page_texts(content)))
    # Chart labels are text: legend, axis and value labels.
    assert "Allocation Contracted grant Paid" in text
    assert "AAA-O1 Įmonės, gavusios paramą" in text
    assert "22.0 %" in text


def test_project_statement_shows_budget_payments_indicators_and_history():
    data = portfolio()
    project = data["projects"][0]
    project_transition(actor=None, project=project, to_status=ProjectStatus.SUSPENDED)
    params = {"project_id": project.pk, "language": "en"}
    rendered = documents.render_report(kind="project", params=params, report_id=REPORT_ID, as_of=timezone.now())
    text = flat("\n".join(page_texts(rendered.content)))
    assert f"{project.code} · Test project" in text
    assert f"STAFF Category STAFF {eur(project.eligible_cost)} 100.0 %" in text
    assert f"Advance {eur(Decimal('1234.56'))} {eur(Decimal('1234.56'))}" in text
    assert f"Interim {eur(Decimal('99'))} {eur(Decimal('1333.56'))}" in text
    assert "AAA-O1 Įmonės, gavusios paramą companies" in text
    assert "System Contracted In implementation" in text
    assert "System In implementation Suspended" in text
    assert_numbered(rendered.content, f"Project statement — {project.code}")
    assert_pdfa(rendered.content)


def test_audit_trail_extract_lists_events_with_old_and_new_values():
    data = portfolio()
    project = data["projects"][3]
    params = documents.validate_params("audit_trail", {"object_type": "grants.project", "object_id": str(project.pk)})
    rendered = documents.render_report(kind="audit_trail", params=params, report_id=REPORT_ID, as_of=timezone.now())
    text = flat("\n".join(page_texts(rendered.content)))
    assert f"Events of grants.project {project.pk}" in text
    # The project's two events and its advance payment's (the extract covers the project's payments too).
    assert "3 events recorded" in text
    assert "status: contracted → in_implementation" in text
    assert "grant_amount: – → " in text
    assert_numbered(rendered.content, f"Audit-trail extract — grants.project {project.pk}")


# --------------------------------------------------------------------------- sections and merge


def test_merge_of_three_sections_numbers_pages_continuously_and_keeps_pdfa(monkeypatch):
    data = portfolio()
    as_of = timezone.now()
    monkeypatch.setattr(ImplementationKind, "rows_per_section", 2)
    params = documents.validate_params("programme", {"programme_id": data["programme"].pk, "as_of_date": "2025-12-31"})
    count = documents.section_count("programme", params)
    assert count == 3
    sections = [
        documents.render_section(kind="programme", params=params, report_id=REPORT_ID, as_of=as_of, index=i)
        for i in range(count)
    ]
    section_pages = [len(reader(s).pages) for s in sections]
    for section in sections:
        assert "page 1 of" not in "\n".join(page_texts(section))  # sections carry no page numbers
        assert_pdfa(section)
    merged = documents.merge_sections(
        kind="programme", params=params, report_id=REPORT_ID, as_of=as_of, sections=sections
    )
    assert merged.page_count == sum(section_pages) == len(reader(merged.content).pages)
    assert_numbered(merged.content, "Programme implementation report — Test operational programme")
    assert_pdfa(merged.content)
    info = reader(merged.content).metadata
    assert info["/Producer"] == reader(sections[0]).metadata["/Producer"]
    assert info["/Title"] == reader(sections[0]).metadata["/Title"]
    # Every project appears exactly once, in order, across the parts.
    text = flat("\n".join(page_texts(merged.content)))
    positions = [text.index(f"{p.code} ") for p in data["projects"]]
    assert positions == sorted(positions)
    assert all(text.count(f"{p.code} ") == 1 for p in data["projects"])
    # A section that starts inside an instrument says so: [A1 A2] [A3 B1] [B2].
    assert text.count("Klasterių plėtra (AAA) — continued") == 1
    assert text.count("Tarptautiškumas (BBB) — continued") == 1
    # The in-process path gives the same pages.
    whole = documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=as_of)
    assert whole.page_count == merged.page_count
    assert_numbered(whole.content, "Programme implementation report")


def test_merge_leaves_out_a_section_past_the_end_of_the_data(monkeypatch):
    data = portfolio()
    as_of = timezone.now()
    monkeypatch.setattr(ImplementationKind, "rows_per_section", 5)
    params = documents.validate_params("programme", {"programme_id": data["programme"].pk})
    first = documents.render_section(kind="programme", params=params, report_id=REPORT_ID, as_of=as_of, index=0)
    extra = documents.render_section(kind="programme", params=params, report_id=REPORT_ID, as_of=as_of, index=1)
    assert "No further projects" in page_texts(extra)[0]
    merged = documents.merge_sections(
        kind="programme", params=params, report_id=REPORT_ID, as_of=as_of, sections=[first, extra]
    )
    assert merged.page_count == len(reader(first).pages)
    assert_numbered(merged.content, "Programme implementation report")


def test_progress_is_reported_up_to_100():
    data = portfolio()
    as_of = timezone.now()
    seen = []
    params = documents.validate_params("programme", {"programme_id": data["programme"].pk})
    documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=as_of, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 100 and len(seen) >= 3


# --------------------------------------------------------------------------- the ministry's demo data


def test_demo_programme_report_shows_the_published_figures():
    call_command("seed_demo", stdout=StringIO())
    programme = Programme.objects.get(name_en="2014-2020 EU Funds Investment Operational Programme")
    params = documents.validate_params("programme", {"programme_id": programme.pk})
    rendered = documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=timezone.now())
    text = flat("\n".join(page_texts(rendered.content)))
    bcl = Instrument.objects.get(name_en="Business Cluster LT")
    assert Project.objects.filter(instrument=bcl).count() == 30
    assert "Business Cluster LT (BCL) 30 " in text
    contracted = Project.objects.filter(instrument=bcl).aggregate(total=Sum("grant_amount"))["total"]
    assert eur(contracted) == "€8,480,000.00"
    assert re.search(r"Business Cluster LT \(BCL\) 30 €[\d,.]+ €8,480,000\.00 ", text)
    assert "Companies that received subsidies companies" in text
    assert re.search(r"Companies that received subsidies companies [\d,]+ 621 ", text)
    for code, projects in (("IKL", 13), ("ICN", 122), ("DIH", 4), ("INL", 1)):
        assert re.search(rf"\({code}\) {qty(projects)} ", text), code
    assert_numbered(rendered.content, "Programme implementation report — 2014-2020 EU Funds Investment")
    assert_pdfa(rendered.content)
