"""PDF rendering of Fondas reports: the only module that imports WeasyPrint.

WeasyPrint lays out only the project's own templates (rendered by Django with
autoescaping), and reads resources through `StaticFilesFetcher`, which serves
the project's static files and `data:` URLs and nothing else. Output is
PDF/A-3b. A long report is split into sections that can be rendered by
different workers; `merge_sections` joins them and stamps continuous page
numbers onto the result.
"""

import base64
import binascii
import logging
import math
import mimetypes
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib import request
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from core.errors import ApplicationError
from grants.models import Instrument, Programme, Project
from reports import builders, charts
from reports.models import ReportKind

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3b"
PROJECTS_PER_SECTION = 1500
EVENTS_PER_SECTION = 1000
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


def _base_url() -> str:
    """file: URL of the static directory holding the report stylesheet."""
    found = finders.find(STYLESHEET)
    if not found:
        raise RuntimeError(f"The report stylesheet {STYLESHEET} is missing from the static files.")
    return Path(found).resolve().parents[1].as_uri() + "/"


def _write_pdf(html: str) -> RenderedPdf:
    """Lay out `html` (from our own templates) and write PDF/A-3b."""
    document = HTML(string=html, base_url=_base_url(), url_fetcher=StaticFilesFetcher()).render()
    # No embedded files, whatever the markup says: attachments are never fetched.
    document.metadata.attachments = []
    content = document.write_pdf(pdf_variant=PDF_VARIANT, attachments=None, uncompressed_pdf=False)
    return RenderedPdf(content=content, page_count=len(document.pages))


# --------------------------------------------------------------------------- parameters


def _kind(kind: str) -> str:
    if kind not in ReportKind.values:
        raise ApplicationError(f"Unknown report kind '{kind}'.", field="kind")
    return kind


SUBJECT_NAMES = {"programme_id": "programme", "instrument_id": "instrument", "project_id": "project"}


def _int_param(params: dict, name: str) -> int:
    value = params.get(name)
    if value is None or value == "":
        raise ApplicationError(f"Choose a {SUBJECT_NAMES.get(name, name)} ('{name}' is required).", field=name)
    if isinstance(value, bool):
        raise ApplicationError(f"'{name}' must be a whole number.", field=name)
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,18}\s*", value):
        value = int(value)
    if not isinstance(value, int) or value <= 0:
        raise ApplicationError(f"'{name}' must be a positive whole number.", field=name)
    return value


def _date_param(params: dict, name: str) -> date | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ApplicationError(f"'{name}' must be a date (YYYY-MM-DD).", field=name)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ApplicationError(f"'{name}' must be a date (YYYY-MM-DD).", field=name) from None


def _reject_unknown(params: dict, allowed: set[str]) -> None:
    for name in params:
        if name not in allowed:
            raise ApplicationError(f"Unknown parameter '{name}'.", field=str(name))


def _today() -> date:
    return timezone.localdate()


def _period_params(params: dict) -> dict[str, str]:
    """period_start + period_end, or as_of_date (default: today)."""
    start, end = _date_param(params, "period_start"), _date_param(params, "period_end")
    as_of_date = _date_param(params, "as_of_date")
    today = _today()
    if start or end:
        if as_of_date:
            raise ApplicationError("Give either a period or an as-of date, not both.", field="as_of_date")
        if not start:
            raise ApplicationError("The period needs a start date.", field="period_start")
        if not end:
            raise ApplicationError("The period needs an end date.", field="period_end")
        if end < start:
            raise ApplicationError("The period must end on or after its start.", field="period_end")
        if start > today:
            raise ApplicationError("The period cannot start in the future.", field="period_start")
        return {"period_start": start.isoformat(), "period_end": end.isoformat()}
    as_of_date = as_of_date or today
    if as_of_date > today:
        raise ApplicationError("The as-of date cannot be in the future.", field="as_of_date")
    return {"as_of_date": as_of_date.isoformat()}


OBJECT_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


def validate_params(kind: str, params: dict) -> dict:
    """Check a report request's parameters; return them normalised and JSON-safe.
    Raises ApplicationError naming the offending field."""
    _kind(kind)
    if not isinstance(params, dict):
        raise ApplicationError("Report parameters must be an object.", field="params")
    if kind == ReportKind.PROGRAMME:
        _reject_unknown(params, {"programme_id", "period_start", "period_end", "as_of_date"})
        programme_id = _int_param(params, "programme_id")
        if not Programme.objects.filter(pk=programme_id).exists():
            raise ApplicationError(f"There is no programme {programme_id}.", field="programme_id")
        return {"programme_id": programme_id, **_period_params(params)}
    if kind == ReportKind.INSTRUMENT:
        _reject_unknown(params, {"instrument_id", "period_start", "period_end", "as_of_date"})
        instrument_id = _int_param(params, "instrument_id")
        if not Instrument.objects.filter(pk=instrument_id).exists():
            raise ApplicationError(f"There is no instrument {instrument_id}.", field="instrument_id")
        return {"instrument_id": instrument_id, **_period_params(params)}
    if kind == ReportKind.PROJECT:
        _reject_unknown(params, {"project_id"})
        project_id = _int_param(params, "project_id")
        if not Project.objects.filter(pk=project_id).exists():
            raise ApplicationError(f"There is no project {project_id}.", field="project_id")
        return {"project_id": project_id}
    # Audit-trail extract: one object's events, or every event in a date range.
    _reject_unknown(params, {"object_type", "object_id", "date_from", "date_to"})
    by_object = "object_type" in params or "object_id" in params
    by_dates = "date_from" in params or "date_to" in params
    if by_object and by_dates:
        raise ApplicationError("Give either an object or a date range, not both.", field="object_type")
    if by_object:
        object_type = params.get("object_type")
        if not isinstance(object_type, str) or not OBJECT_TYPE_RE.match(object_type.strip()):
            raise ApplicationError("'object_type' must look like 'grants.project'.", field="object_type")
        object_id = params.get("object_id")
        if isinstance(object_id, int) and not isinstance(object_id, bool):
            object_id = str(object_id)
        if not isinstance(object_id, str) or not object_id.strip() or len(object_id.strip()) > 64:
            raise ApplicationError("'object_id' is required (at most 64 characters).", field="object_id")
        return {"object_type": object_type.strip(), "object_id": object_id.strip()}
    date_from, date_to = _date_param(params, "date_from"), _date_param(params, "date_to")
    if not date_from:
        raise ApplicationError("Give an object (object_type, object_id) or a date range.", field="date_from")
    if not date_to:
        raise ApplicationError("The date range needs an end date.", field="date_to")
    if date_to < date_from:
        raise ApplicationError("The date range must end on or after its start.", field="date_to")
    return {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}


# --------------------------------------------------------------------------- names and titles


def _when(params: dict) -> str:
    if params.get("period_start"):
        return f"{params['period_start']} – {params['period_end']}"
    return f"as of {params.get('as_of_date') or _today().isoformat()}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _subject(kind: str, params: dict) -> str:
    """What the report is about: '<kind label> — <programme, instrument, project or scope>'."""
    label = ReportKind(_kind(kind)).label
    if kind == ReportKind.PROGRAMME:
        name = Programme.objects.filter(pk=params.get("programme_id")).values_list("name", flat=True).first()
        return f"{label} — {name or 'programme ' + str(params.get('programme_id'))}"
    if kind == ReportKind.INSTRUMENT:
        name = Instrument.objects.filter(pk=params.get("instrument_id")).values_list("name", flat=True).first()
        return f"{label} — {name or 'instrument ' + str(params.get('instrument_id'))}"
    if kind == ReportKind.PROJECT:
        row = Project.objects.filter(pk=params.get("project_id")).values_list("code", "title").first()
        return f"{label} — {row[0]} {row[1]}" if row else f"{label} — project {params.get('project_id')}"
    if params.get("object_type"):
        return f"{label} — {params['object_type']} {params['object_id']}"
    return f"{label} — {params.get('date_from')} to {params.get('date_to')}"


def describe(kind: str, params: dict) -> str:
    """A human title for the report, e.g. 'Programme implementation report —
    <programme>, as of 2026-11-26'."""
    subject = _subject(kind, params)
    if kind in (ReportKind.PROGRAMME, ReportKind.INSTRUMENT):
        return f"{subject}, {_when(params)}"
    return subject


def _running_title(kind: str, params: dict) -> str:
    """The page header: the subject without long free text."""
    if kind == ReportKind.PROJECT:
        code = Project.objects.filter(pk=params.get("project_id")).values_list("code", flat=True).first()
        return f"{ReportKind.PROJECT.label} — {code or params.get('project_id')}"
    return _shorten(_subject(kind, params), 100)


def _running_when(kind: str, params: dict, as_of: datetime) -> str:
    if kind in (ReportKind.PROGRAMME, ReportKind.INSTRUMENT):
        when = _when(params)
        return when[0].upper() + when[1:]
    return f"As of {as_of.astimezone(builders.local_zone()):%Y-%m-%d %H:%M}"


def short_id(report_id: str) -> str:
    """'1a2b3c4d-…' -> '1A2B3C4D' (as ReportJob.short_id)."""
    head = str(report_id).split("-")[0]
    return re.sub(r"[^0-9A-Za-z]", "", head).upper()[:12] or "REPORT"


def _ascii_slug(text: str) -> str:
    return slugify(str(text))[:60].strip("-") or "x"


def download_filename(kind: str, params: dict, report_id: str) -> str:
    """An ASCII file name, e.g. 'fondas-programme-report-2019-12-31-1A2B3C4D.pdf'."""
    _kind(kind)
    sid = short_id(report_id)
    if kind in (ReportKind.PROGRAMME, ReportKind.INSTRUMENT):
        day = params.get("period_end") or params.get("as_of_date") or _today().isoformat()
        prefix = "programme-report" if kind == ReportKind.PROGRAMME else "instrument-report"
        if kind == ReportKind.INSTRUMENT:
            code = Instrument.objects.filter(pk=params.get("instrument_id")).values_list("code", flat=True).first()
            prefix = f"{prefix}-{_ascii_slug(code or params.get('instrument_id'))}"
        name = f"fondas-{prefix}-{_ascii_slug(day)}-{sid}"
    elif kind == ReportKind.PROJECT:
        code = Project.objects.filter(pk=params.get("project_id")).values_list("code", flat=True).first()
        name = f"fondas-project-statement-{_ascii_slug(code or params.get('project_id'))}-{sid}"
    elif params.get("object_type"):
        name = f"fondas-audit-trail-{_ascii_slug(params['object_type'])}-{_ascii_slug(params['object_id'])}-{sid}"
    else:
        name = f"fondas-audit-trail-{_ascii_slug(params.get('date_from'))}-{_ascii_slug(params.get('date_to'))}-{sid}"
    return name.encode("ascii", "ignore").decode() + ".pdf"


# --------------------------------------------------------------------------- sections


def _audit_filters(params: dict) -> dict[str, Any]:
    return {
        "object_type": params.get("object_type"),
        "object_id": params.get("object_id"),
        "date_from": builders._iso_date(params.get("date_from")),
        "date_to": builders._iso_date(params.get("date_to")),
    }


def section_count(kind: str, params: dict) -> int:
    """1 for ordinary reports; one section per PROJECTS_PER_SECTION projects
    (or EVENTS_PER_SECTION audit events) for long ones."""
    _kind(kind)
    if kind == ReportKind.PROGRAMME:
        rows, size = builders.count_projects(programme_id=params["programme_id"]), PROJECTS_PER_SECTION
    elif kind == ReportKind.INSTRUMENT:
        rows, size = builders.count_projects(instrument_id=params["instrument_id"]), PROJECTS_PER_SECTION
    elif kind == ReportKind.AUDIT_TRAIL:
        rows, size = builders.count_audit_events(**_audit_filters(params)), EVENTS_PER_SECTION
    else:
        return 1
    return max(1, math.ceil(rows / size))


def _doc(kind: str, params: dict, report_id: str, as_of: datetime, *, page_numbers: bool) -> dict[str, Any]:
    zone = builders.local_zone()
    return {
        "kind": kind,
        "kind_label": ReportKind(kind).label,
        "title": describe(kind, params),
        "running_title": _running_title(kind, params),
        "running_when": _running_when(kind, params, as_of),
        "report_id": str(report_id),
        "short_id": short_id(report_id),
        "as_of": as_of.astimezone(zone),
        "generated_at": timezone.now().astimezone(zone),
        "page_numbers": page_numbers,
        "empty": False,
    }


def _section_html(kind: str, params: dict, report_id: str, as_of: datetime, index: int, *, page_numbers: bool) -> str:
    """The HTML of section `index` (0 holds the cover and every summary table)."""
    cutoff = builders.Cutoff.for_params(params, as_of)
    doc = _doc(kind, params, report_id, as_of, page_numbers=page_numbers)
    first = index == 0
    if kind in (ReportKind.PROGRAMME, ReportKind.INSTRUMENT):
        report = builders.build_implementation_report(
            cutoff=cutoff,
            programme_id=params.get("programme_id"),
            instrument_id=params.get("instrument_id"),
            include_front=first,
            project_start=index * PROJECTS_PER_SECTION,
            project_stop=(index + 1) * PROJECTS_PER_SECTION,
        )
        context: dict[str, Any] = {"report": report}
        if first:
            context["finance_chart"] = charts.finance_chart(report.instruments)
            if report.has_indicators:
                context["indicator_chart"] = charts.indicator_chart(report.instruments)
            if report.landscape is not None:
                context["targets_chart"] = charts.targets_chart(report.landscape.targets)
        doc["empty"] = not first and not report.project_groups
        template = "reports/pdf/implementation.html"
    elif kind == ReportKind.PROJECT:
        statement = builders.build_project_statement(project_id=params["project_id"], cutoff=cutoff)
        context = {"statement": statement, "payment_chart": charts.payment_chart(statement.grant, statement.paid)}
        template = "reports/pdf/project.html"
    else:
        trail = builders.build_audit_trail(
            cutoff=cutoff,
            include_front=first,
            start=index * EVENTS_PER_SECTION,
            stop=(index + 1) * EVENTS_PER_SECTION,
            **_audit_filters(params),
        )
        context = {"trail": trail}
        doc["empty"] = not first and not trail.rows
        template = "reports/pdf/audit_trail.html"
    return render_to_string(template, {"doc": doc, **context})


def render_section(*, kind: str, params: dict, report_id: str, as_of: datetime, index: int) -> bytes:
    """Section `index` of section_count(kind, params) as a PDF without page
    numbers (merge_sections stamps them)."""
    _kind(kind)
    if index < 0:
        raise ValueError("A section index cannot be negative.")
    return _write_pdf(_section_html(kind, params, report_id, as_of, index, page_numbers=False)).content


def _is_empty_section(reader: PdfReader) -> bool:
    """A section past the end of the data (the data shrank since the split was
    decided) carries a keyword so that the merge leaves it out."""
    keywords = (reader.metadata or {}).get("/Keywords") or ""
    return EMPTY_SECTION_KEYWORD in str(keywords)


def _stamp_pdf(*, kind: str, params: dict, report_id: str, as_of: datetime, pages: int) -> PdfReader:
    doc = _doc(kind, params, report_id, as_of, page_numbers=True)
    html = render_to_string("reports/pdf/stamp.html", {"doc": doc, "pages": range(pages)})
    rendered = _write_pdf(html)
    if rendered.page_count != pages:
        raise RuntimeError(f"The page-number stamp has {rendered.page_count} pages instead of {pages}.")
    return PdfReader(BytesIO(rendered.content))


def merge_sections(*, kind: str, params: dict, report_id: str, as_of: datetime, sections: list[bytes]) -> RenderedPdf:
    """Join section PDFs into one and stamp 'Report <id> · page X of Y' on every
    page. The first section's PDF/A identification (XMP metadata, output
    intent) and document information carry over to the result."""
    _kind(kind)
    if not sections:
        raise ValueError("There are no sections to merge.")
    readers = [PdfReader(BytesIO(section)) for section in sections]
    first = readers[0]
    kept = [first] + [reader for reader in readers[1:] if not _is_empty_section(reader)]
    writer = PdfWriter()
    for reader in kept:
        writer.append(reader)
    total = len(writer.pages)
    stamp = _stamp_pdf(kind=kind, params=params, report_id=report_id, as_of=as_of, pages=total)
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


def render_report(
    *, kind: str, params: dict, report_id: str, as_of: datetime, progress: Callable[[int], None] | None = None
) -> RenderedPdf:
    """The whole report in this process. One section: laid out with its page
    numbers directly. Several: each section, then merge_sections."""
    _kind(kind)
    started = time.monotonic()

    def tell(percent: int) -> None:
        if progress is not None:
            progress(percent)

    count = section_count(kind, params)
    tell(5)
    if count == 1:
        html = _section_html(kind, params, report_id, as_of, 0, page_numbers=True)
        tell(20)
        rendered = _write_pdf(html)
    else:
        sections = []
        for index in range(count):
            sections.append(render_section(kind=kind, params=params, report_id=report_id, as_of=as_of, index=index))
            tell(5 + int(85 * (index + 1) / count))
        rendered = merge_sections(kind=kind, params=params, report_id=report_id, as_of=as_of, sections=sections)
    tell(100)
    logger.info(
        "Rendered %s report %s: %d pages in %.1f s",
        kind,
        short_id(report_id),
        rendered.page_count,
        time.monotonic() - started,
    )
    return rendered
