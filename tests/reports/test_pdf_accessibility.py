"""Report PDFs are tagged, accessible and archival: PDF/A-3a and PDF/UA-1 at
once (issue 11). The structure tree, /Lang, MarkInfo, DisplayDocTitle and the
XMP identification are checked with pypdf on a programme report, a project
statement and a programme report merged from three sections; running headers,
footers and the merged page-number stamp are artifacts. When veraPDF is there
(../shared/tools/verapdf/check; CI has it), the three PDFs must pass its
PDF/A-3a and PDF/UA-1 checks."""

import os
import re
import subprocess  # noqa: S404 - runs the veraPDF checker on PDFs this test made
from collections import Counter
from datetime import date
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree  # noqa: S405 - parses the XMP of a PDF this test just made

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader
from pypdf.generic import BooleanObject, DictionaryObject, IndirectObject

from grants.models import PaymentKind, ProjectStatus
from grants.services import indicator_value_report, payment_create, project_transition
from reports import documents, rendering
from reports.kinds.implementation import ImplementationKind
from tests.factories import IndicatorFactory, OrganisationFactory, ProgrammeFactory, make_instrument, make_project

pytestmark = pytest.mark.django_db

REPORT_ID = "1a2b3c4d-0000-4000-8000-00000000abcd"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
VERAPDF = Path(settings.BASE_DIR).parent / "shared" / "tools" / "verapdf" / "check"
MARKED_CONTENT = re.compile(rb"/(\w+)\s*(<<[^>]*>>)?\s*(BDC|BMC)")


# --------------------------------------------------------------------------- data and rendering


def portfolio() -> dict:
    """Two instruments, five projects with payments and an indicator."""
    indicator = IndicatorFactory(code="AAA-O1", name_lt="Įmonės, gavusios paramą", name_en="Companies supported")
    aaa = make_instrument(code="AAA", allocation="2000000.00", indicators={indicator: "50"}, name_lt="Klasterių plėtra")
    bbb = make_instrument(code="BBB", allocation="500000.00", name_lt="Tarptautiškumas")
    projects = []
    for i, instrument in enumerate([aaa, aaa, aaa, bbb, bbb]):
        beneficiary = OrganisationFactory(name=f"UAB „Žalgiris“ {i}")
        project = make_project(instrument, beneficiary=beneficiary, lines={"STAFF": f"{20000 + 1000 * i}.00"})
        project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
        payment_create(
            actor=None, project=project, kind=PaymentKind.ADVANCE, paid_on=date(2021, 5, 1), amount="1234.56"
        )
        projects.append(project)
    indicator_value_report(actor=None, project=projects[0], indicator=indicator, reported_on=date(2021, 6, 1), value=7)
    return {"programme": ProgrammeFactory(), "projects": projects}


def programme_params(data: dict, language: str) -> dict:
    return documents.validate_params(
        "programme", {"programme_id": data["programme"].pk, "as_of_date": "2025-06-30", "language": language}
    )


@pytest.fixture(scope="module")
def pdfs(django_db_setup, django_db_blocker) -> dict[str, bytes]:
    """The three PDFs of the issue: a programme report, a project statement,
    and a programme report merged from three sections (two projects each).
    The programme report is in English, the other two in Lithuanian. Rendered
    once for the module; the data is rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic(), pytest.MonkeyPatch.context() as monkeypatch:
        rendered = _render_pdfs(monkeypatch)
        transaction.set_rollback(True)
    return rendered


def _render_pdfs(monkeypatch) -> dict[str, bytes]:
    data = portfolio()
    as_of = timezone.now()
    params = programme_params(data, "en")
    programme = documents.render_report(kind="programme", params=params, report_id=REPORT_ID, as_of=as_of).content
    statement = documents.render_report(
        kind="project",
        params=documents.validate_params("project", {"project_id": data["projects"][0].pk, "language": "lt"}),
        report_id=REPORT_ID,
        as_of=as_of,
    ).content
    monkeypatch.setattr(ImplementationKind, "rows_per_section", 2)
    params = programme_params(data, "lt")
    count = documents.section_count("programme", params)
    assert count == 3
    sections = [
        documents.render_section(kind="programme", params=params, report_id=REPORT_ID, as_of=as_of, index=i)
        for i in range(count)
    ]
    merged = documents.merge_sections(
        kind="programme", params=params, report_id=REPORT_ID, as_of=as_of, sections=sections
    ).content
    return {"programme": programme, "statement": statement, "merged": merged, "sections": sections}


# --------------------------------------------------------------------------- reading a PDF's structure


def reader(content: bytes) -> PdfReader:
    return PdfReader(BytesIO(content))


def xmp_attributes(content: bytes) -> dict[str, str]:
    """Every attribute of the XMP metadata's rdf:Description elements, by '{ns}name'."""
    xmp = reader(content).trailer["/Root"]["/Metadata"].get_object().get_data()
    root = ElementTree.fromstring(  # noqa: S314
        xmp[xmp.index(b"<x:xmpmeta") : xmp.rindex(b"</x:xmpmeta>") + 12]
    )
    attributes: dict[str, str] = {}
    for element in root.iter():
        attributes.update(element.attrib)
    return attributes


def figure_alts(content: bytes) -> list[str]:
    """The alternative text of every Figure element, in document order."""
    alts: list[str] = []

    def walk(node):
        node = node.get_object()
        if not isinstance(node, DictionaryObject) or node.get("/Type", "/StructElem") != "/StructElem":
            return
        if node["/S"] == "/Figure":
            alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, IndirectObject | DictionaryObject):
                walk(kid)

    walk(reader(content).trailer["/Root"]["/StructTreeRoot"]["/K"][0])
    return alts


def structure(content: bytes) -> tuple[list[str], set[int]]:
    """The structure types of the tree in document order (depth first), and
    the pages (their object numbers) that structure elements point to."""
    pdf = reader(content)
    tree = pdf.trailer["/Root"]["/StructTreeRoot"].get_object()
    types: list[str] = []
    pages: set[int] = set()

    def walk(node):
        node = node.get_object()
        if not isinstance(node, DictionaryObject) or node.get("/Type", "/StructElem") != "/StructElem":
            return
        types.append(str(node["/S"]))
        if "/Pg" in node:
            pages.add(node.raw_get("/Pg").idnum)
        kids = node.get("/K", [])
        kids = kids.get_object() if isinstance(kids, IndirectObject) else kids
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, IndirectObject | DictionaryObject):
                walk(kid)

    walk(tree["/K"][0] if isinstance(tree["/K"], list) else tree["/K"])
    return types, pages


def parent_tree(content: bytes) -> dict[int, object]:
    """The ParentTree as {key: value} (flat /Nums, as Fondas writes it); keys must be unique."""
    nums = reader(content).trailer["/Root"]["/StructTreeRoot"]["/ParentTree"].get_object()["/Nums"]
    keys = [int(key) for key in nums[::2]]
    assert len(keys) == len(set(keys)), "ParentTree keys repeat"
    assert keys == sorted(keys)
    return dict(zip(keys, nums[1::2], strict=True))


def marked_content(content: bytes) -> list[list[tuple[str, bytes]]]:
    """Per page, the marked-content operators in order: (tag, properties)."""
    return [
        [(tag.decode(), props or b"") for tag, props, _ in MARKED_CONTENT.findall(page.get_contents().get_data())]
        for page in reader(content).pages
    ]


def assert_tagged(content: bytes, *, lang: str, title: str) -> None:
    """What every Fondas PDF carries: PDF/A-3a + PDF/UA-1 identification, the
    catalogue entries of a tagged, accessible file and a structure tree that
    reaches every page, with the ParentTree in step with the pages' content."""
    pdf = reader(content)
    root = pdf.trailer["/Root"]
    attributes = xmp_attributes(content)
    assert attributes[f"{{{PDFAID}}}part"] == "3"
    assert attributes[f"{{{PDFAID}}}conformance"] == "A"
    assert attributes[f"{{{PDFUAID}}}part"] == "1"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp  # PDF/A's extension schema for pdfuaid
    assert title in xmp  # dc:title, shown by the viewer
    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    assert pdf.metadata["/Title"] == title
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert len(pdf.trailer["/ID"]) == 2
    types, tagged_pages = structure(content)
    assert types[0] == "/Document" and types.count("/Document") == 1
    # Every page holds tagged content, and each page's keys lead to its own MCIDs.
    assert tagged_pages == {page.indirect_reference.idnum for page in pdf.pages}
    tree = parent_tree(content)
    for page, operators in zip(pdf.pages, marked_content(content), strict=True):
        key = page["/StructParents"]
        mcids = [int(re.search(rb"/MCID (\d+)", props).group(1)) for _, props in operators if b"/MCID" in props]
        assert mcids == list(range(len(mcids)))  # numbered 0..n-1 on the page
        assert len(tree[key]) == len(mcids)
        for tag, props in operators:  # nothing but tags and artifacts
            assert tag != "Artifact" or b"/MCID" not in props
        assert page["/Tabs"] == "/S"
    for page in pdf.pages:
        for annotation in page.get("/Annots", []):
            annotation = annotation.get_object()
            assert annotation["/StructParent"] in tree
            assert str(annotation["/Contents"]).strip()  # described by the link's text


def pagination_artifacts(content: bytes) -> list[int]:
    """Per page, how many pagination artifacts (running header, footer, page number) it has."""
    return [
        sum(1 for tag, props in page if tag == "Artifact" and b"/Pagination" in props)
        for page in marked_content(content)
    ]


def page_number(number: int, total: int) -> re.Pattern:
    """'page X of Y' in either language ('puslapis X iš Y')."""
    return re.compile(rf"\b(page|puslapis) {number} (of|iš) {total}\b")


# --------------------------------------------------------------------------- the tests


def test_programme_report_is_tagged_with_headings_tables_and_figures(pdfs):
    content = pdfs["programme"]
    title = reader(content).metadata["/Title"]
    assert title.startswith("Programme implementation report")
    assert_tagged(content, lang="en", title=title)
    types, _ = structure(content)
    counts = Counter(types)
    for kind in ("/H1", "/H2", "/P", "/Table", "/TR", "/TH", "/TD"):
        assert counts[kind] >= 1, (kind, counts)
    assert counts["/TH"] >= 10 and counts["/Table"] >= 3
    assert counts["/Figure"] >= 3  # the three charts
    # Each chart's alternative text states its figures (the chart template's aria-label), not just its title.
    alts = figure_alts(content)
    assert len(alts) == counts["/Figure"] and all(alt.strip() for alt in alts)
    assert any("2,000,000.00" in alt and "(AAA)" in alt for alt in alts), alts
    # Real headings come before the content they head, in reading order.
    assert types.index("/H1") < types.index("/Table")
    # Table headers carry ids that the cells name in /Headers.
    pdf = reader(content)
    tree = parent_tree(content)
    ids, headers = set(), set()
    for value in tree.values():
        for element in value if isinstance(value, list) else [value]:
            parent = element.get_object().get("/P")
            while parent is not None:
                node = parent.get_object()
                if "/ID" in node:
                    ids.add(str(node["/ID"]))
                attributes = node.get("/A")
                if isinstance(attributes, DictionaryObject) and "/Headers" in attributes:
                    headers.update(str(h) for h in attributes["/Headers"])
                parent = node.get("/P") if node.get("/S") != "/Document" else None
    assert headers and headers <= ids
    # Running header and footer (with the page number) are pagination artifacts on every page.
    assert all(count >= 3 for count in pagination_artifacts(content))
    total = len(pdf.pages)
    for number, page in enumerate(pdf.pages, start=1):
        assert page_number(number, total).search(page.extract_text())


def test_project_statement_is_tagged(pdfs):
    content = pdfs["statement"]
    title = reader(content).metadata["/Title"]
    assert_tagged(content, lang="lt", title=title)
    counts = Counter(structure(content)[0])
    assert counts["/Table"] >= 3 and counts["/TH"] >= 5 and counts["/H1"] + counts["/H2"] >= 3
    assert all(count >= 3 for count in pagination_artifacts(content))


def test_merged_report_keeps_one_structure_tree_with_every_section(pdfs):
    content = pdfs["merged"]
    sections = pdfs["sections"]
    for section in sections:
        assert_tagged(section, lang="lt", title=reader(section).metadata["/Title"])
    title = reader(sections[0]).metadata["/Title"]
    assert_tagged(content, lang="lt", title=title)
    pdf = reader(content)
    section_pages = [len(reader(section).pages) for section in sections]
    assert len(pdf.pages) == sum(section_pages)
    # Every page has its own /StructParents key, and the tree reaches every page.
    keys = [page["/StructParents"] for page in pdf.pages]
    assert len(set(keys)) == len(keys)
    _, tagged_pages = structure(content)
    assert len(tagged_pages) == len(pdf.pages)
    # The Document element holds every section's structure, in order.
    section_types = [structure(section)[0] for section in sections]
    merged_types = structure(content)[0]
    assert merged_types == ["/Document"] + [t for types in section_types for t in types[1:]]
    # The merged stamp ('Report … page X of Y') is a pagination artifact over every page.
    total = len(pdf.pages)
    for number, page in enumerate(pdf.pages, start=1):
        assert page_number(number, total).search(page.extract_text())
    stamps = [
        [props for tag, props in operators if tag == "Artifact" and b"/Footer" in props]
        for operators in marked_content(content)
    ]
    assert all(len(page) == 1 and b"/Pagination" in page[0] for page in stamps)
    # Table header ids stay unique across the sections.
    ids = []
    for value in parent_tree(content).values():
        for element in value if isinstance(value, list) else [value]:
            node = element.get_object()
            while node.get("/S") != "/Document":
                if "/ID" in node and node.get("/S") == "/TH":
                    ids.append((node.indirect_reference.idnum, str(node["/ID"])))
                node = node["/P"].get_object()
    assert ids
    by_id: dict[str, set[int]] = {}
    for number, identifier in ids:
        by_id.setdefault(identifier, set()).add(number)
    assert all(len(numbers) == 1 for numbers in by_id.values())


def test_a_report_without_a_language_is_marked_in_the_default_one():
    html = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Be kalbos</title></head>"
        "<body><p>Tekstas</p></body></html>"
    )
    content = rendering.write_pdf(html).content
    assert reader(content).trailer["/Root"]["/Lang"] == settings.LANGUAGE_CODE


def test_merge_refuses_untagged_sections():
    untagged = rendering.write_pdf(
        "<!DOCTYPE html><html lang='lt'><head><title>x</title></head><body><p>x</p></body></html>", tagged=False
    ).content
    with pytest.raises(ValueError, match="not tagged"):
        rendering.merge_pdfs([untagged, untagged], stamp_html=lambda pages: "")


def verapdf(flavour: str, paths: list[Path]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own checker on our own files
        [str(VERAPDF), f"--flavour={flavour}", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.skipif(
    not os.access(VERAPDF, os.X_OK), reason=f"veraPDF is not installed at {VERAPDF} (CI has it): not validated"
)
@pytest.mark.parametrize("flavour", ["3a", "ua1"])
def test_verapdf_passes_programme_statement_and_merged_report(pdfs, tmp_path, flavour):
    paths = []
    for name in ("programme", "statement", "merged"):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdfs[name])
        paths.append(path)
    result = verapdf(flavour, paths)
    verdicts = re.findall(r"^=== (\S+) flavour=(\S+) compliant=(\w+)", result.stdout, re.MULTILINE)
    assert len(verdicts) == 3, result.stdout + result.stderr
    assert all(compliant == "true" for _, _, compliant in verdicts), result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
