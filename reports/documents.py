"""A report's document: the kind (reports.kinds) gives the data, template and
names, the renderer (reports.rendering) turns the HTML into PDF/A. The job
pipeline (reports.tasks, reports.services) calls only these functions, with the
job's kind code and its stored parameters.

A document is written in its `language` parameter (reports.kinds.params:
'lt' or 'en'; Lithuanian for jobs stored before reports had a language): every
template, chart and the merged page stamp are rendered under
`translation.override` of it."""

import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from grants.selectors.asof import local_zone
from reports import rendering
from reports.kinds import get_kind
from reports.rendering import RenderedPdf

logger = logging.getLogger(__name__)

__all__ = ["RenderedPdf", "download_filename", "merge_sections", "render_report", "render_section", "section_count"]


def validate_params(kind: str, params: dict) -> dict:
    """The kind's parameters and the report's language, checked and normalised
    (ApplicationError names the field)."""
    return get_kind(kind).validate(params)


def describe(kind: str, params: dict) -> str:
    """A person's title for the report, e.g. 'Programme implementation report —
    <programme>, as of 2026-11-26'."""
    return get_kind(kind).title(params)


def short_id(report_id: str) -> str:
    """'1a2b3c4d-…' -> '1A2B3C4D' (as ReportJob.short_id)."""
    head = str(report_id).split("-")[0]
    return re.sub(r"[^0-9A-Za-z]", "", head).upper()[:12] or "REPORT"


def download_filename(kind: str, params: dict, report_id: str) -> str:
    """An ASCII file name, e.g. 'fondas-programme-report-2019-12-31-1A2B3C4D.pdf'."""
    stem = get_kind(kind).file_stem(params)
    name = f"fondas-{stem}-{short_id(report_id)}"
    return name.encode("ascii", "ignore").decode() + ".pdf"


def section_count(kind: str, params: dict) -> int:
    """1 for ordinary reports; more for long ones, each rendered on its own."""
    return get_kind(kind).section_count(params)


def report_language(kind: str, params: dict) -> str:
    """The language the job's document is written in."""
    return get_kind(kind).language(params)


# The pieces of the page-number footer, in CSS: the placeholders of the
# translated text become the CSS functions that fill them in on every page.
FOOTER_PLACEHOLDERS = {"id": "string(report-id)", "page": "counter(page)", "pages": "counter(pages)"}
_FOOTER_PART = re.compile(r"%\((id|page|pages)\)s")


def css_string(text: str) -> str:
    """`text` as a quoted CSS string, safe inside a <style> element: quotes,
    backslashes, line breaks and '<' are escaped as CSS hex escapes."""
    escaped = []
    for ch in text:
        if ch in '"\\<>&' or not ch.isprintable():
            escaped.append(f"\\{ord(ch):x} ")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


def footer_content() -> SafeString:
    """The CSS `content` of 'Report <id> · page X of Y' in the active language."""
    text = _("Report %(id)s · page %(page)s of %(pages)s")
    parts = []
    position = 0
    for match in _FOOTER_PART.finditer(text):
        if match.start() > position:
            parts.append(css_string(text[position : match.start()]))
        parts.append(FOOTER_PLACEHOLDERS[match.group(1)])
        position = match.end()
    if position < len(text):
        parts.append(css_string(text[position:]))
    return mark_safe(" ".join(parts))  # noqa: S308 - built from escaped strings and fixed CSS functions


def _doc(kind: str, params: dict, report_id: str, as_of: datetime, *, page_numbers: bool) -> dict[str, Any]:
    """What every report template shows around its content (reports/pdf/base.html)."""
    spec = get_kind(kind)
    zone = local_zone()
    return {
        "kind": kind,
        "language": spec.language(params),
        "footer_content": footer_content(),
        "kind_label": spec.label,
        "title": spec.title(params),
        "running_title": spec.running_title(params),
        "running_when": spec.running_when(params, as_of),
        "report_id": str(report_id),
        "short_id": short_id(report_id),
        "as_of": as_of.astimezone(zone),
        "generated_at": timezone.now().astimezone(zone),
        "page_numbers": page_numbers,
        "empty": False,
    }


def section_html(kind: str, params: dict, report_id: str, as_of: datetime, index: int, *, page_numbers: bool) -> str:
    """The HTML of section `index` (0 holds the front matter)."""
    if index < 0:
        raise ValueError("A section index cannot be negative.")
    spec = get_kind(kind)
    with translation.override(spec.language(params)):
        doc = _doc(kind, params, report_id, as_of, page_numbers=page_numbers)
        context, doc["empty"] = spec.context(params, spec.as_of(params, as_of), index)
        return render_to_string(spec.template, {"doc": doc, **context})


def render_section(*, kind: str, params: dict, report_id: str, as_of: datetime, index: int) -> bytes:
    """Section `index` of section_count(kind, params) as a PDF without page
    numbers (merge_sections stamps them)."""
    return rendering.write_pdf(section_html(kind, params, report_id, as_of, index, page_numbers=False)).content


def merge_sections(*, kind: str, params: dict, report_id: str, as_of: datetime, sections: list[bytes]) -> RenderedPdf:
    """Join section PDFs into one, stamped 'Report <id> · page X of Y' (in the
    report's language) on every page."""
    language = report_language(kind, params)
    with translation.override(language):
        doc = _doc(kind, params, report_id, as_of, page_numbers=True)

    def stamp_html(pages: int) -> str:
        with translation.override(language):
            return render_to_string("reports/pdf/stamp.html", {"doc": doc, "pages": range(pages)})

    with translation.override(language):
        return rendering.merge_pdfs(sections, stamp_html=stamp_html)


def render_report(
    *, kind: str, params: dict, report_id: str, as_of: datetime, progress: Callable[[int], None] | None = None
) -> RenderedPdf:
    """The whole report in this process. One section: laid out with its page
    numbers directly. Several: each section, then merge_sections."""
    started = time.monotonic()

    def tell(percent: int) -> None:
        if progress is not None:
            progress(percent)

    count = section_count(kind, params)
    tell(5)
    with translation.override(report_language(kind, params)):
        rendered = _render_whole(kind, params, report_id, as_of, count, tell)
    tell(100)
    logger.info(
        "Rendered %s report %s: %d pages in %.1f s",
        kind,
        short_id(report_id),
        rendered.page_count,
        time.monotonic() - started,
    )
    return rendered


def _render_whole(kind: str, params: dict, report_id: str, as_of: datetime, count: int, tell) -> RenderedPdf:
    if count == 1:
        html = section_html(kind, params, report_id, as_of, 0, page_numbers=True)
        tell(20)
        rendered = rendering.write_pdf(html)
    else:
        sections = []
        for index in range(count):
            sections.append(render_section(kind=kind, params=params, report_id=report_id, as_of=as_of, index=index))
            tell(5 + int(85 * (index + 1) / count))
        rendered = merge_sections(kind=kind, params=params, report_id=report_id, as_of=as_of, sections=sections)
    return rendered
