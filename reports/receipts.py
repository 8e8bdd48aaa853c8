"""The receipt of a submitted application as a PDF: its number and the moment
of submission (Europe/Vilnius), the call, the applicant, the title, the amounts
and the attachments with their SHA-256. Small, so it is rendered in the
request (no report job), tagged PDF/A-3a + PDF/UA-1 like every report.

Its language is the applicant's: the saved language of the person who created
the application, else the language of the request."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.i18n import active_language, supported_language
from grants.models import Application
from grants.selectors.asof import local_zone
from reports import rendering
from reports.documents import FOOTER_PLACEHOLDERS, css_string
from reports.rendering import RenderedPdf

TEMPLATE = "reports/pdf/application_receipt.html"
_FOOTER_PART = re.compile(r"%\((id|page|pages)\)s")


@dataclass(frozen=True)
class ReceiptAttachment:
    name: str
    kind: str
    size: int
    sha256: str


def receipt_language(application: Application) -> str:
    """The applicant's language: the creator's saved one, else the request's."""
    return supported_language(getattr(application.created_by, "language", "")) or active_language()


def receipt_filename(application: Application) -> str:
    """An ASCII file name, e.g. 'fondas-receipt-CALL-1-00001.pdf'."""
    number = re.sub(r"[^0-9A-Za-z._-]", "-", application.number or str(application.pk))
    return f"fondas-receipt-{number}.pdf"


def _footer_content() -> SafeString:
    """'Receipt <number> · page X of Y' as CSS `content`, in the active language."""
    text = _("Receipt %(id)s · page %(page)s of %(pages)s")
    parts, position = [], 0
    for match in _FOOTER_PART.finditer(text):
        if match.start() > position:
            parts.append(css_string(text[position : match.start()]))
        parts.append(FOOTER_PLACEHOLDERS[match.group(1)])
        position = match.end()
    if position < len(text):
        parts.append(css_string(text[position:]))
    return mark_safe(" ".join(parts))  # noqa: S308 - escaped strings and fixed CSS functions


def _application(application_id: int) -> Application:
    return (
        Application.objects.select_related("call__instrument", "envelope", "applicant", "created_by")
        .prefetch_related("attachments", "partners")
        .get(pk=application_id)
    )


def receipt_html(application: Application, *, language: str, now: datetime | None = None) -> str:
    """The receipt's HTML in `language`."""
    application = _application(application.pk)
    zone = local_zone()
    now = (now or timezone.now()).astimezone(zone)
    with translation.override(language):
        title = _("Application receipt %(number)s") % {"number": application.number}
        doc = {
            "kind": "application_receipt",
            "language": language,
            "footer_content": _footer_content(),
            "kind_label": _("Application receipt"),
            "title": title,
            "running_title": title,
            "running_when": _("Submitted %(moment)s")
            % {"moment": f"{application.submitted_at.astimezone(zone):%Y-%m-%d %H:%M:%S}"},
            "report_id": application.number,
            "short_id": application.number,
            "as_of": now,
            "generated_at": now,
            "page_numbers": True,
            "empty": False,
        }
        attachments = [
            ReceiptAttachment(name=a.original_name, kind=a.get_kind_display(), size=a.size, sha256=a.sha256)
            for a in application.attachments.all()
        ]
        context = {
            "doc": doc,
            "application": application,
            "call": application.call,
            "submitted_at": application.submitted_at.astimezone(zone),
            "partners": sorted(application.partners.all(), key=lambda o: o.name),
            "attachments": attachments,
        }
        return render_to_string(TEMPLATE, context)


def receipt_pdf(application: Application, *, language: str | None = None, now: datetime | None = None) -> RenderedPdf:
    """The receipt of a submitted application (one with a number) as a PDF.
    Who may see it is the caller's to check (grants.selectors.applications)."""
    if not application.number or not application.submitted_at:
        raise ValueError("Only a submitted application has a receipt.")
    language = supported_language(language) or receipt_language(application)
    return rendering.write_pdf(receipt_html(application, language=language, now=now))
