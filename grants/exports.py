"""CSV and XLSX downloads of grants lists. The writers are core.exports'
(re-exported here for the grants and reports pages); this module names the
columns of each list. Every export writes exactly the rows of the filtered,
sorted queryset it is given, all pages of it."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.exports import (
    BOOLEAN,
    DATE,
    DATETIME,
    MONEY,
    NUMBER,
    TEXT,
    Column,
    csv_response,
    csv_value,
    xlsx_bytes,
    xlsx_response,
)

__all__ = [
    "BOOLEAN",
    "DATE",
    "DATETIME",
    "MONEY",
    "NUMBER",
    "TEXT",
    "Column",
    "EXPORT_FORMATS",
    "csv_response",
    "csv_value",
    "export_response",
    "xlsx_bytes",
    "xlsx_response",
    "PROJECT_COLUMNS",
]

CSV = "csv"
XLSX = "xlsx"
EXPORT_FORMATS = (CSV, XLSX)
# Rows read from the database at a time while a file is written.
CHUNK = 2000

# The workspace project list (grants.selectors.workspace.workspace_projects).
PROJECT_COLUMNS = [
    Column(_("Code"), lambda p: p.code, width=18),
    Column(_("Title"), lambda p: p.title, width=50),
    Column(_("Beneficiary"), lambda p: p.beneficiary.name, width=40),
    Column(_("Company code"), lambda p: p.beneficiary.legal_code, width=12),
    Column(_("Instrument"), lambda p: p.instrument.code, width=14),
    Column(_("Call for proposals"), lambda p: p.call.code if p.call_id else None, width=16),
    Column(_("Status"), lambda p: p.get_status_display(), width=18),
    Column(_("Start date"), lambda p: p.start_date, DATE),
    Column(_("End date"), lambda p: p.end_date, DATE),
    Column(_("Eligible costs"), lambda p: p.eligible_cost, MONEY),
    Column(_("Grant"), lambda p: p.grant_amount, MONEY),
    Column(_("Paid"), lambda p: p.paid_total, MONEY),
    Column(_("Open claims"), lambda p: p.open_claim_count, NUMBER, width=12),
    Column(_("Overdue claim"), lambda p: p.has_overdue_claims, BOOLEAN, width=12),
]


def export_response(fmt: str, *, queryset: QuerySet, columns: list[Column], stem: str, sheet_title):
    """The list as a CSV (streamed) or XLSX download named <stem>-<local date>.<fmt>."""
    filename = f"{stem}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    rows = queryset.iterator(chunk_size=CHUNK)
    if fmt == XLSX:
        return xlsx_response(rows=rows, columns=columns, filename=filename, sheet_title=str(sheet_title))
    return csv_response(rows=rows, columns=columns, filename=filename)
