"""The report renderer: HTML in, tagged PDF out, PDF/A-3a and PDF/UA-1 at
once. The only module that imports WeasyPrint; it knows no report kind
(reports.kinds holds those, and reports.documents puts the two together).

WeasyPrint lays out only the project's own templates (rendered by Django with
autoescaping), and reads resources through `StaticFilesFetcher`, which serves
the project's static files and `data:` URLs and nothing else. A long report is
rendered as sections, possibly by different workers; `merge_pdfs` joins them
into one structure tree and stamps continuous page numbers onto the result,
as pagination artifacts. docs/reports.md, "Tagged, accessible PDFs", tells
what the files contain.
"""

import base64
import binascii
import logging
import mimetypes
import os
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from urllib import request
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import pydyf
from django.conf import settings
from django.contrib.staticfiles import finders
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    TextStringObject,
)
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

# Tagged PDF/A-3a; _finish_tagged adds what PDF/UA-1 asks beyond it.
PDF_VARIANT = "pdf/a-3a"
PDFUA_PART = 1
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
# Only for the page-number stamp, whose content merge_pdfs marks as an artifact.
UNTAGGED_VARIANT = "pdf/a-3b"
# A section past the end of the data carries this keyword (templates/reports/pdf/base.html).
EMPTY_SECTION_KEYWORD = "fondas-empty-section"
STYLESHEET = "reports/pdf.css"


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    page_count: int


# --------------------------------------------------------------------------- URL fetcher


class RefusedURLError(ValueError):
    """A resource outside the project's static files was asked for."""


def static_roots() -> list[Path]:
    """Every directory the static-file finders serve from, symlinks resolved."""
    roots: list[Path] = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location and os.path.isdir(location):
                root = Path(os.path.realpath(location))
                if root not in roots:
                    roots.append(root)
    return roots


class StaticFilesFetcher(URLFetcher):
    """Serves `file:` URLs that resolve to a regular file inside a static
    directory, and `data:` URLs. Refuses everything else (http, https, ftp,
    files elsewhere, `..` segments, symlinks that point out of static), and
    never follows a redirect: it opens nothing through urllib's handlers."""

    def __init__(self, roots: list[Path] | None = None):
        super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
        # No handler may ever open a connection, whatever reaches OpenerDirector.
        self.handlers, self.handle_open, self.handle_error = [], {}, {}
        self.process_request, self.process_response = {}, {}
        self.roots = [Path(os.path.realpath(r)) for r in (roots if roots is not None else static_roots())]

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            content_type, body = _decode_data_url(url)
            return URLFetcherResponse(url, body, {"Content-Type": content_type})
        if scheme != "file":
            raise RefusedURLError(f"Reports read only static files; refused {url[:200]!r}.")
        path = self.resolve(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    def resolve(self, url: str) -> Path:
        """The static file a `file:` URL names, or RefusedURLError."""
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURLError(f"Refused a file URL on another host: {url[:200]!r}.")
        raw = unquote(parts.path)
        if "\x00" in raw or ".." in raw.replace("\\", "/").split("/"):
            raise RefusedURLError(f"Refused a path with '..': {url[:200]!r}.")
        real = Path(os.path.realpath(request.url2pathname(parts.path)))
        for root in self.roots:
            if real.is_relative_to(root) and real.is_file():
                return real
        raise RefusedURLError(f"Refused a file outside the static files: {url[:200]!r}.")


def _decode_data_url(url: str) -> tuple[str, bytes]:
    """RFC 2397: data:[<media type>][;base64],<data>."""
    header, comma, payload = url[len("data:") :].partition(",")
    if not comma:
        raise RefusedURLError("A data: URL without a comma.")
    parts = header.split(";")
    encoded = parts[-1].strip().lower() == "base64"
    if encoded:
        parts = parts[:-1]
    content_type = ";".join(parts).strip() or "text/plain;charset=US-ASCII"
    data = unquote_to_bytes(payload)
    try:
        return content_type, base64.b64decode(data, validate=False) if encoded else data
    except binascii.Error as exc:
        raise RefusedURLError("A data: URL with broken base64.") from exc


def base_url() -> str:
    """file: URL of the static directory holding the report stylesheet."""
    found = finders.find(STYLESHEET)
    if not found:
        raise RuntimeError(f"The report stylesheet {STYLESHEET} is missing from the static files.")
    return Path(found).resolve().parents[1].as_uri() + "/"


def write_pdf(html: str, *, tagged: bool = True) -> RenderedPdf:
    """Lay out `html` (from our own templates) and write a tagged PDF/A-3a
    that is also PDF/UA-1 (see `_finish_tagged`). `tagged=False` writes an
    untagged PDF/A-3b, for the page-number stamp only: its content becomes an
    artifact when merge_pdfs lays it over the tagged sections."""
    document = HTML(string=html, base_url=base_url(), url_fetcher=StaticFilesFetcher()).render()
    # No embedded files, whatever the markup says: attachments are never fetched.
    document.metadata.attachments = []
    if not document.metadata.lang:
        # PDF/UA needs the document's language; our templates set <html lang>.
        logger.warning("A report without <html lang>; its PDF is marked %s.", settings.LANGUAGE_CODE)
        document.metadata.lang = settings.LANGUAGE_CODE
    content = document.write_pdf(
        pdf_variant=PDF_VARIANT if tagged else UNTAGGED_VARIANT,
        attachments=None,
        uncompressed_pdf=False,
        finisher=_finish_tagged if tagged else None,
    )
    return RenderedPdf(content=content, page_count=len(document.pages))


# --------------------------------------------------------------------------- tagging


def _finish_tagged(document, pdf) -> None:
    """WeasyPrint's finisher: runs on the pydyf PDF before it is written.

    WeasyPrint tags the content (StructTreeRoot, MarkInfo, ViewerPreferences,
    /Lang) for pdf/a-3a; this adds what PDF/UA-1 asks beyond that: running
    headers and footers (@page margin boxes) become pagination artifacts,
    links are described by their text, charts by their full description
    (aria-label, else <title> and <desc>), and the XMP metadata names PDF/UA-1
    next to PDF/A-3a."""
    _margin_boxes_to_artifacts(pdf)
    _describe_links(document)
    _describe_figures(document, pdf)
    _add_pdfua_identification(pdf)


def _pdf_object(pdf, reference):
    """The pydyf object that a reference (b'12 0 R') names."""
    return pdf.objects[int(reference.split()[0])]


def _margin_boxes_to_artifacts(pdf) -> None:
    """WeasyPrint marks the text of @page margin boxes (running title, as-of
    date, page numbers) as Span content with an MCID whose structure element
    hangs outside the structure tree: content that is neither tagged nor an
    artifact. Mark it `/Artifact <</Type /Pagination>>` instead and number the
    page's remaining marked content 0..n-1 again (the ParentTree and the
    structure elements' /K follow)."""
    root = _pdf_object(pdf, pdf.catalog["StructTreeRoot"])
    in_tree: set[int] = set()
    pending = list(root["K"])
    while pending:
        reference = pending.pop()
        if not isinstance(reference, bytes):
            continue  # an MCID
        number = int(reference.split()[0])
        if number in in_tree:
            continue
        in_tree.add(number)
        element = pdf.objects[number]
        kids = element.get("K", ())
        pending.extend(kids if isinstance(kids, list) else [kids])
    nums = _pdf_object(pdf, root["ParentTree"])["Nums"]
    parents_of_page = {nums[i]: nums[i + 1] for i in range(0, len(nums), 2) if isinstance(nums[i + 1], list)}
    for page_number, page_reference in enumerate(pdf.page_references):
        page = _pdf_object(pdf, page_reference)
        parents = parents_of_page.get(page.get("StructParents", page_number))
        if parents is None:
            continue
        renumbered: dict[int, int] = {}
        kept = pydyf.Array()
        for mcid, parent in enumerate(parents):
            if int(parent.split()[0]) in in_tree:
                renumbered[mcid] = len(kept)
                kept.append(parent)
        if len(kept) == len(parents):
            continue
        operations = _pdf_object(pdf, page["Contents"]).stream
        for index, operation in enumerate(operations):
            if isinstance(operation, pydyf.Dictionary) and "MCID" in operation:
                mcid = operation["MCID"]
                if mcid in renumbered:
                    operation["MCID"] = renumbered[mcid]
                else:
                    operations[index - 1] = "/Artifact"
                    operations[index] = pydyf.Dictionary({"Type": "/Pagination"})
        for element_reference in set(kept):
            element = _pdf_object(pdf, element_reference)
            element["K"] = pydyf.Array(renumbered[kid] if isinstance(kid, int) else kid for kid in element["K"])
        parents[:] = kept


def _describe_links(document) -> None:
    """PDF/UA wants a link annotation described (/Contents); WeasyPrint puts
    the link's target there (an anchor name). Use the link's own text."""
    for page in document.pages:
        pending = [page._page_box]
        while pending:
            box = pending.pop()
            annotation = getattr(box, "link_annotation", None)
            if annotation is not None:
                text = " ".join(_box_text(box).split())
                if text:
                    annotation["Contents"] = pydyf.String(text)
            pending.extend(getattr(box, "children", ()))


SVG_NS = "http://www.w3.org/2000/svg"


def _describe_figures(document, pdf) -> None:
    """WeasyPrint gives an SVG figure only its <title> as /Alt; a chart's
    alternative text must state its figures, which the chart template puts in
    aria-label (and <desc>). Figures are matched to their structure elements
    by page and title, in document order."""
    wanted: dict[tuple[int, str], list[str]] = {}
    for page_number, page in enumerate(document.pages):
        pending = [page._page_box]
        while pending:
            box = pending.pop()
            element = getattr(box, "element", None)
            if (
                getattr(box, "element_tag", None) == f"{{{SVG_NS}}}svg"
                and element is not None
                and not getattr(box, "children", None)
            ):
                title = element.findtext(f"{{{SVG_NS}}}title") or ""
                desc = element.findtext(f"{{{SVG_NS}}}desc") or ""
                alt = element.get("aria-label") or ". ".join(part.strip() for part in (title, desc) if part.strip())
                if alt and alt != title:
                    wanted.setdefault((page_number, title), []).append(alt)
            pending.extend(reversed(getattr(box, "children", ())))
    if not wanted:
        return
    page_numbers = {reference: number for number, reference in enumerate(pdf.page_references)}
    for element in pdf.objects:
        if isinstance(element, pydyf.Dictionary) and element.get("S") == "/Figure" and "Pg" in element:
            title = _pdf_string(element.get("Alt"))
            queue = wanted.get((page_numbers.get(element["Pg"]), title))
            if queue:
                element["Alt"] = pydyf.String(queue.pop(0))


def _pdf_string(value) -> str:
    if value is None:
        return ""
    return value.string if isinstance(value, pydyf.String) else str(value)


def _box_text(box) -> str:
    if hasattr(box, "text"):
        return box.text
    return " ".join(_box_text(child) for child in getattr(box, "children", ()))


PDFUA_EXTENSION = (
    '<rdf:Description rdf:about=""'
    ' xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
    ' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"'
    ' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    "<pdfaExtension:schemas><rdf:Bag>"
    '<rdf:li rdf:parseType="Resource">'
    "<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>"
    f"<pdfaSchema:namespaceURI>{PDFUAID}</pdfaSchema:namespaceURI>"
    "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"
    "<pdfaSchema:property><rdf:Seq>"
    '<rdf:li rdf:parseType="Resource">'
    "<pdfaProperty:name>part</pdfaProperty:name>"
    "<pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
    "<pdfaProperty:category>internal</pdfaProperty:category>"
    "<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>"
    "</rdf:li>"
    "</rdf:Seq></pdfaSchema:property>"
    "</rdf:li>"
    "</rdf:Bag></pdfaExtension:schemas>"
    "</rdf:Description>"
    f'<rdf:Description rdf:about="" xmlns:pdfuaid="{PDFUAID}" pdfuaid:part="{PDFUA_PART}"/>'
).encode()


def _add_pdfua_identification(pdf) -> None:
    """pdfuaid:part=1 in the XMP metadata, next to pdfaid (part 3, conformance
    A), with the extension schema that PDF/A asks for a namespace it does not
    predefine."""
    metadata = _pdf_object(pdf, pdf.catalog["Metadata"])
    xmp = b"".join(metadata.stream)
    end = xmp.rindex(b"</rdf:RDF>")
    metadata.stream[:] = [xmp[:end] + PDFUA_EXTENSION + xmp[end:]]


# --------------------------------------------------------------------------- merging


def is_empty_section(reader: PdfReader) -> bool:
    """A section past the end of the data (the data shrank since the split was
    decided) carries a keyword so that the merge leaves it out."""
    keywords = (reader.metadata or {}).get("/Keywords") or ""
    return EMPTY_SECTION_KEYWORD in str(keywords)


def _stamp(stamp_html: Callable[[int], str], pages: int) -> PdfReader:
    """The page-number stamp, rendered untagged, each page's content wrapped
    as a pagination artifact (it is laid over tagged pages)."""
    rendered = write_pdf(stamp_html(pages), tagged=False)
    if rendered.page_count != pages:
        raise RuntimeError(f"The page-number stamp has {rendered.page_count} pages instead of {pages}.")
    stamp = PdfReader(BytesIO(rendered.content))
    for page in stamp.pages:
        artifact = DecodedStreamObject()
        artifact.set_data(PAGINATION_ARTIFACT + page.get_contents().get_data() + b"\nEMC\n")
        page[NameObject("/Contents")] = artifact
    return stamp


PAGINATION_ARTIFACT = b"/Artifact <</Type /Pagination /Subtype /Footer>> BDC\n"


class _StructureMerger:
    """Joins the structure trees of tagged sections into one: a StructTreeRoot
    whose Document element holds every section's top elements in order, the
    ParentTree keys (and the pages' /StructParents, the annotations'
    /StructParent) offset per section, element ids (the table headers' /ID and
    the cells' /Headers) made unique per section, RoleMap and ClassMap merged."""

    def __init__(self, writer: PdfWriter):
        self.writer = writer
        self.document = DictionaryObject({NameObject("/Type"): NameObject("/StructElem")})
        self.document[NameObject("/S")] = NameObject("/Document")
        self.document_ref = writer._add_object(self.document)
        self.kids = ArrayObject()
        self.nums: list[tuple[int, PdfObject]] = []
        self.next_key = 0
        self.role_map = DictionaryObject()
        self.class_map = DictionaryObject()

    def append(self, reader: PdfReader, prefix: str) -> None:
        """Append the pages of `reader` to the writer, with their structure."""
        tree = reader.trailer["/Root"].get("/StructTreeRoot")
        if tree is None:
            raise ValueError("A section to merge is not tagged (it has no structure tree).")
        tree = tree.get_object()
        document = _first_kid(tree)
        if document is None or document.get("/S") != "/Document":
            raise ValueError("A section's structure tree does not start with a Document element.")
        top = [kid for kid in _as_list(document.get("/K")) if isinstance(kid, IndirectObject)]
        _prepare_elements(top, document.indirect_reference, prefix)
        offset = self.next_key
        first_page = len(self.writer.pages)
        # Annotations are copied below with the structure, not by pypdf's filter
        # (which drops links to named destinations of later sections).
        self.writer.append(reader, excluded_fields=["/Annots"])
        for source, page in zip(reader.pages, self.writer.pages[first_page:], strict=True):
            if "/StructParents" in source:
                page[NameObject("/StructParents")] = NumberObject(source["/StructParents"] + offset)
            if "/Annots" in source:
                annotations = ArrayObject(annotation.clone(self.writer) for annotation in source["/Annots"])
                for annotation in annotations:
                    annotation = annotation.get_object()
                    if "/StructParent" in annotation:
                        annotation[NameObject("/StructParent")] = NumberObject(annotation["/StructParent"] + offset)
                page[NameObject("/Annots")] = annotations
        for kid in top:
            clone = kid.clone(self.writer)
            clone.get_object()[NameObject("/P")] = self.document_ref
            self.kids.append(clone)
        for key, value in _number_tree(tree.get("/ParentTree")):
            self.nums.append((key + offset, value.clone(self.writer)))
            self.next_key = max(self.next_key, key + offset + 1)
        self.next_key = max(self.next_key, offset + int(tree.get("/ParentTreeNextKey", 0)))
        for mine, name in ((self.role_map, "/RoleMap"), (self.class_map, "/ClassMap")):
            for key, value in (tree.get(name) or DictionaryObject()).get_object().items():
                mine.setdefault(key, value.clone(self.writer))

    def finish(self) -> None:
        """Write the merged StructTreeRoot into the writer's catalog."""
        nums = ArrayObject()
        for key, value in sorted(self.nums, key=lambda item: item[0]):
            nums.extend([NumberObject(key), value])
        parent_tree = self.writer._add_object(DictionaryObject({NameObject("/Nums"): nums}))
        root = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/StructTreeRoot"),
                NameObject("/K"): ArrayObject([self.document_ref]),
                NameObject("/ParentTree"): parent_tree,
                NameObject("/ParentTreeNextKey"): NumberObject(self.next_key),
            }
        )
        if self.role_map:
            root[NameObject("/RoleMap")] = self.role_map
        if self.class_map:
            root[NameObject("/ClassMap")] = self.class_map
        root_ref = self.writer._add_object(root)
        self.document[NameObject("/P")] = root_ref
        self.document[NameObject("/K")] = self.kids
        self.writer._root_object[NameObject("/StructTreeRoot")] = root_ref


def _as_list(value) -> list:
    if value is None:
        return []
    value = value.get_object() if isinstance(value, IndirectObject) else value
    return list(value) if isinstance(value, list) else [value]


def _first_kid(tree: DictionaryObject):
    kids = [kid.get_object() for kid in _as_list(tree.get("/K"))]
    return kids[0] if len(kids) == 1 and isinstance(kids[0], DictionaryObject) else None


def _number_tree(node) -> list[tuple[int, PdfObject]]:
    """The (key, value) pairs of a number tree (ParentTree), Kids included."""
    if node is None:
        return []
    node = node.get_object()
    pairs = []
    nums = node.get("/Nums") or []
    for index in range(0, len(nums) - 1, 2):
        pairs.append((int(nums[index]), nums[index + 1]))
    for kid in node.get("/Kids") or []:
        pairs.extend(_number_tree(kid))
    return pairs


def _prepare_elements(top: list[IndirectObject], document_ref: IndirectObject, prefix: str) -> None:
    """Before a section's elements are copied: cut the links up to its own
    Document element (so that copying does not drag the old tree along) and
    prefix element ids and the references to them, unique in the merged file."""
    pending = list(top)
    seen: set[int] = set()
    while pending:
        reference = pending.pop()
        if reference.idnum in seen:
            continue
        seen.add(reference.idnum)
        element = reference.get_object()
        if not isinstance(element, DictionaryObject) or element.get("/Type", "/StructElem") != "/StructElem":
            continue  # a marked-content or object reference
        if element.get("/P") == document_ref:
            element[NameObject("/P")] = NullObject()
        if "/ID" in element:
            element[NameObject("/ID")] = TextStringObject(prefix + str(element["/ID"]))
        for attributes in _as_list(element.get("/A")):
            attributes = attributes.get_object()
            if isinstance(attributes, DictionaryObject) and "/Headers" in attributes:
                attributes[NameObject("/Headers")] = ArrayObject(
                    TextStringObject(prefix + str(header)) for header in attributes["/Headers"]
                )
        pending.extend(kid for kid in _as_list(element.get("/K")) if isinstance(kid, IndirectObject))


def merge_pdfs(sections: list[bytes], *, stamp_html: Callable[[int], str]) -> RenderedPdf:
    """Join tagged section PDFs into one and lay the stamp (the HTML that
    `stamp_html(page_count)` returns: one page per page, e.g. 'page X of Y')
    over every page, as a pagination artifact. Sections after the first that
    are marked empty are left out. The sections' structure trees become one
    (`_StructureMerger`); the first section's PDF/A and PDF/UA identification
    (XMP metadata, output intent), language, MarkInfo, ViewerPreferences and
    document information carry over to the result."""
    if not sections:
        raise ValueError("There are no sections to merge.")
    readers = [PdfReader(BytesIO(section)) for section in sections]
    first = readers[0]
    kept = [first] + [reader for reader in readers[1:] if not is_empty_section(reader)]
    writer = PdfWriter()
    structure = _StructureMerger(writer)
    for index, reader in enumerate(kept):
        structure.append(reader, prefix=f"s{index}-")
    structure.finish()
    total = len(writer.pages)
    stamp = _stamp(stamp_html, total)
    for page, stamp_page in zip(writer.pages, stamp.pages, strict=True):
        page.merge_page(stamp_page, over=True)
        # merge_page leaves the combined content decoded; store it compressed again.
        page.compress_content_streams()
    root = first.trailer["/Root"]
    for key in ("/OutputIntents", "/Metadata", "/Lang", "/MarkInfo", "/ViewerPreferences"):
        if key in root:
            writer._root_object[NameObject(key)] = root[key].clone(writer)
    if first.metadata:
        # The document information must agree with the XMP metadata (PDF/A).
        writer.add_metadata(dict(first.metadata.items()))
    # PDF/A wants a file identifier in the trailer; WeasyPrint writes one, pypdf only on request.
    writer.generate_file_identifiers()
    out = BytesIO()
    writer.write(out)
    return RenderedPdf(content=out.getvalue(), page_count=total)
