"""The report renderer: HTML in, PDF/A-3b out. The only module that imports
WeasyPrint; it knows no report kind (reports.kinds holds those, and
reports.documents puts the two together).

WeasyPrint lays out only the project's own templates (rendered by Django with
autoescaping), and reads resources through `StaticFilesFetcher`, which serves
the project's static files and `data:` URLs and nothing else. A long report is
rendered as sections, possibly by different workers; `merge_pdfs` joins them
and stamps continuous page numbers onto the result.
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

from django.contrib.staticfiles import finders
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3b"
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


def write_pdf(html: str) -> RenderedPdf:
    """Lay out `html` (from our own templates) and write PDF/A-3b."""
    document = HTML(string=html, base_url=base_url(), url_fetcher=StaticFilesFetcher()).render()
    # No embedded files, whatever the markup says: attachments are never fetched.
    document.metadata.attachments = []
    content = document.write_pdf(pdf_variant=PDF_VARIANT, attachments=None, uncompressed_pdf=False)
    return RenderedPdf(content=content, page_count=len(document.pages))


# --------------------------------------------------------------------------- merging


def is_empty_section(reader: PdfReader) -> bool:
    """A section past the end of the data (the data shrank since the split was
    decided) carries a keyword so that the merge leaves it out."""
    keywords = (reader.metadata or {}).get("/Keywords") or ""
    return EMPTY_SECTION_KEYWORD in str(keywords)


def _stamp(stamp_html: Callable[[int], str], pages: int) -> PdfReader:
    rendered = write_pdf(stamp_html(pages))
    if rendered.page_count != pages:
        raise RuntimeError(f"The page-number stamp has {rendered.page_count} pages instead of {pages}.")
    return PdfReader(BytesIO(rendered.content))


def merge_pdfs(sections: list[bytes], *, stamp_html: Callable[[int], str]) -> RenderedPdf:
    """Join section PDFs into one and lay the stamp (the HTML that
    `stamp_html(page_count)` returns: one page per page, e.g. 'page X of Y')
    over every page. Sections after the first that are marked empty are left
    out. The first section's PDF/A identification (XMP metadata, output
    intent) and document information carry over to the result."""
    if not sections:
        raise ValueError("There are no sections to merge.")
    readers = [PdfReader(BytesIO(section)) for section in sections]
    first = readers[0]
    kept = [first] + [reader for reader in readers[1:] if not is_empty_section(reader)]
    writer = PdfWriter()
    for reader in kept:
        writer.append(reader)
    total = len(writer.pages)
    stamp = _stamp(stamp_html, total)
    for page, stamp_page in zip(writer.pages, stamp.pages, strict=True):
        page.merge_page(stamp_page, over=True)
        # merge_page leaves the combined content decoded; store it compressed again.
        page.compress_content_streams()
    root = first.trailer["/Root"]
    for key in ("/OutputIntents", "/Metadata", "/Lang", "/MarkInfo"):
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
