"""CSV and XLSX downloads of a list, column by column, for every app (core
knows no app's models: each list names its columns). The CSV streams (an
export of every matching row never sits in memory) and starts with a UTF-8 byte
order mark so that spreadsheet programs read Lithuanian letters; the XLSX holds
money as numbers with two decimals and dates as real dates. Headers are written
in the language of the page that asked for the file."""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# A spreadsheet reads a cell that starts with one of these as a formula; text
# typed by users (a project title, a supplier's name) must never run as one
# (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

TEXT = "text"
MONEY = "money"
NUMBER = "number"
DATE = "date"
DATETIME = "datetime"
BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    """One column: its header (translated when written), how to read the value
    from a row, and its kind (TEXT, MONEY, NUMBER, DATE, DATETIME, BOOLEAN)."""

    header: Any
    value: Callable[[Any], Any]
    kind: str = TEXT
    width: int | None = None


def _safe_text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def csv_value(value: Any, kind: str) -> str:
    """A value as CSV text: amounts with a dot and two decimals, dates as
    YYYY-MM-DD, times in the local time zone, yes/no in the page's language."""
    if value is None:
        return ""
    if kind == BOOLEAN:
        return gettext("yes") if value else gettext("no")
    if kind == MONEY:
        return f"{Decimal(value):.2f}"
    if isinstance(value, datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)
    return _safe_text(str(value))


class _Echo:
    """A file whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable, columns: list[Column], language: str | None) -> Iterator[str]:
    # The response is read after the view returns: keep the page's language.
    with translation.override(language):
        writer = csv.writer(_Echo())
        yield BOM + writer.writerow([str(column.header) for column in columns])
        for row in rows:
            yield writer.writerow([csv_value(column.value(row), column.kind) for column in columns])


def _disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def csv_response(*, rows: Iterable, columns: list[Column], filename: str) -> StreamingHttpResponse:
    """A streamed CSV of `rows` (pass a queryset's .iterator() so that rows are read in chunks)."""
    response = StreamingHttpResponse(_csv_lines(rows, columns, translation.get_language()), content_type=CSV_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response


def xlsx_bytes(*, rows: Iterable, columns: list[Column], sheet_title: str) -> bytes:
    """The workbook of `rows`: one sheet, a bold header row frozen at the top,
    money and numbers as number cells, dates as date cells."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width or _default_width(column)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, column.value(row), column.kind) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    # Excel refuses these characters and titles over 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(title)).strip()
    return cleaned[:31] or "Sheet"


def _default_width(column: Column) -> int:
    return {MONEY: 16, NUMBER: 10, DATE: 12, DATETIME: 20, BOOLEAN: 8}.get(column.kind, 30)


def _xlsx_cell(sheet, value: Any, kind: str):
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if kind == BOOLEAN:
        return WriteOnlyCell(sheet, value=gettext("yes") if value else gettext("no"))
    if kind == MONEY:
        cell = WriteOnlyCell(sheet, value=Decimal(value))
        cell.number_format = MONEY_FORMAT
        return cell
    if kind == NUMBER:
        return WriteOnlyCell(sheet, value=value)
    if kind == DATETIME and isinstance(value, datetime):
        # Excel has no time zones: the local time, as the page shows it.
        cell = WriteOnlyCell(sheet, value=_local(value).replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if kind == DATE and isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    cell = WriteOnlyCell(sheet, value=str(value))
    # Always a string: openpyxl would store text starting with "=" as a formula.
    cell.data_type = "s"
    return cell


def xlsx_response(*, rows: Iterable, columns: list[Column], filename: str, sheet_title: str) -> HttpResponse:
    """The workbook as a download (a workbook is a zip file: built whole, then sent)."""
    response = HttpResponse(xlsx_bytes(rows=rows, columns=columns, sheet_title=sheet_title), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response
