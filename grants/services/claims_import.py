"""Expenditure items of a payment claim from a spreadsheet: the XLSX template
a beneficiary fills in (headers in its language, notes on every column, the
project's budget lines on a sheet of their own, lists where a cell takes one
of a few values) and the import of a filled-in file.

The import is all or nothing: every row is read and checked, every problem is
reported with its row number as Excel shows it and its column, and the items
are saved only when the whole file is right (grants.services.claims.items_add_bulk
checks the items against the claim and saves them in one transaction).
Amounts are never floats: a number cell becomes Decimal(str(value)), text is
read by core.formatting.parse_amount, and more than two decimals are refused,
not rounded."""

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from core.errors import ApplicationError
from core.formatting import format_number, parse_amount
from core.i18n import ENGLISH, LITHUANIAN, active_language
from grants.models import AttachmentKind, BudgetLine, ExpenditureItem, PaymentClaim, Project
from grants.services.attachments import attachment_check
from grants.services.claims import ItemsInvalidError, items_add_bulk

FIELD = "file"
MAX_ROWS = 5000
# The largest amount a MoneyField holds (14 digits, 2 of them decimals).
MAX_AMOUNT = Decimal("999999999999.99")
TRUE_WORDS = frozenset({"taip", "t", "yes", "y", "true", "1"})
FALSE_WORDS = frozenset({"ne", "n", "no", "false", "0"})
_DATE_TEXT = re.compile(r"^(\d{4})[-.](\d{1,2})[-.](\d{1,2})\.?$")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str  # the item field (grants.services.claims.item_add's keyword)
    label: str  # lazy: the header, in the template's language
    note: str  # lazy: what the column takes
    required: bool
    width: int


COLUMNS = (
    Column(
        "budget_line",
        gettext_lazy("Budget line code"),
        gettext_lazy(
            "The code of the cost category of one of the project's budget lines, as on the sheet "
            "“Budget lines” (e.g. STAFF)."
        ),
        True,
        18,
    ),
    Column("supplier_name", gettext_lazy("Supplier"), gettext_lazy("The supplier's name."), True, 36),
    Column(
        "supplier_code",
        gettext_lazy("Supplier code"),
        gettext_lazy("The supplier's company code or personal business certificate number."),
        True,
        18,
    ),
    Column(
        "document_number",
        gettext_lazy("Document number"),
        gettext_lazy("The number of the invoice or other supporting document."),
        True,
        20,
    ),
    Column(
        "document_date",
        gettext_lazy("Document date"),
        gettext_lazy("A date cell, or text written as 2026-03-15."),
        True,
        14,
    ),
    Column(
        "amount_excl_vat",
        gettext_lazy("Amount excluding VAT"),
        gettext_lazy("In euro, more than 0, at most two decimals."),
        True,
        18,
    ),
    Column(
        "vat_amount",
        gettext_lazy("VAT"),
        gettext_lazy("In euro, at most two decimals; empty or 0 when the document has no VAT."),
        False,
        14,
    ),
    Column(
        "vat_recoverable",
        gettext_lazy("VAT is recoverable"),
        gettext_lazy("taip or ne (yes or no); empty means no. Recoverable VAT is not claimed."),
        False,
        16,
    ),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
TEXT_FIELDS = ("supplier_name", "supplier_code", "document_number")
TEXT_LIMITS = {key: ExpenditureItem._meta.get_field(key).max_length for key in TEXT_FIELDS}


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel numbers it (the header is row 1)
    column: str  # the column's header in the active language; "" for the row as a whole
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)d, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


class ImportRowsError(ApplicationError):
    """Some rows of the file are wrong; nothing was imported. `errors` lists
    every problem found (RowError), in row order."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: (e.row, _column_order(e.column)))
        count = len(self.errors)
        super().__init__(
            ngettext(
                "The file has %(count)d error; nothing was imported. Correct it and upload the file again.",
                "The file has %(count)d errors; nothing was imported. Correct them and upload the file again.",
                count,
            )
            % {"count": count},
            field=FIELD,
            details={
                "rows": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
            },
        )


def _column_order(label: str) -> int:
    for position, column in enumerate(COLUMNS):
        if str(column.label) == label:
            return position
    return -1


def _refuse(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, field=FIELD, details={"code": code})


# --- the template ----------------------------------------------------------------------


def _sheet_title(text: str) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name."""
    return re.sub(r"[\[\]:*?/\\]", " ", text)[:31]


def data_sheet_title() -> str:
    return _sheet_title(_("Expenditure"))


def lines_sheet_title() -> str:
    return _sheet_title(_("Budget lines"))


def claim_template_xlsx(project: Project | None = None, language: str | None = None) -> bytes:
    """The import template in `language` (default: the active one): the
    expenditure sheet with its header row, a note on each header, a list of
    "taip/ne" (or "yes/no") and, when `project` is given, a list of its budget
    line codes (kept on the sheet "Budget lines"); and a sheet of instructions."""
    language = language or active_language()
    with translation.override(language):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = data_sheet_title()
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="DDE7F3")
        for position, column in enumerate(COLUMNS, start=1):
            cell = sheet.cell(row=1, column=position, value=str(column.label))
            cell.font = bold
            cell.fill = fill
            cell.comment = Comment(str(column.note), "Fondas", width=260, height=110)
            letter = get_column_letter(position)
            sheet.column_dimensions[letter].width = column.width
        sheet.freeze_panes = "A2"
        last = MAX_ROWS + 1
        letters = {column.key: get_column_letter(position) for position, column in enumerate(COLUMNS, start=1)}

        def rows_of(key: str) -> str:
            return f"{letters[key]}2:{letters[key]}{last}"

        for key in ("amount_excl_vat", "vat_amount"):
            sheet.column_dimensions[letters[key]].number_format = "#,##0.00"
        sheet.column_dimensions[letters["document_date"]].number_format = "yyyy-mm-dd"
        for key in ("supplier_code", "document_number"):
            # Text, so that a code keeps its leading zeros.
            sheet.column_dimensions[letters[key]].number_format = "@"

        yes_no = "taip,ne" if language == LITHUANIAN else "yes,no"
        validations = [
            (
                DataValidation(type="list", formula1=f'"{yes_no}"', allow_blank=True),
                (rows_of("vat_recoverable"),),
                _("Choose taip or ne (yes or no)."),
            ),
            (
                DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True),
                (rows_of("amount_excl_vat"), rows_of("vat_amount")),
                _("Enter an amount in euro that is not negative."),
            ),
            (
                DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True),
                (rows_of("document_date"),),
                _("Enter a date, e.g. 2026-03-15."),
            ),
        ]
        if project is not None:
            lines = list(
                BudgetLine.objects.filter(project=project)
                .select_related("cost_category")
                .order_by("cost_category__code")
            )
            codes = workbook.create_sheet(lines_sheet_title())
            for position, header in enumerate((_("Code"), _("Cost category"), _("Planned amount")), start=1):
                codes.cell(row=1, column=position, value=header).font = bold
            for row, line in enumerate(lines, start=2):
                codes.cell(row=row, column=1, value=line.cost_category.code)
                codes.cell(row=row, column=2, value=line.cost_category.name)
                amount = codes.cell(row=row, column=3, value=line.planned_amount)
                amount.number_format = "#,##0.00"
            codes.column_dimensions["A"].width = 14
            codes.column_dimensions["B"].width = 60
            codes.column_dimensions["C"].width = 18
            if lines:
                reference = f"{quote_sheetname(codes.title)}!$A$2:$A${len(lines) + 1}"
                validations.append(
                    (
                        DataValidation(type="list", formula1=reference, allow_blank=True),
                        (rows_of("budget_line"),),
                        _("Choose a budget line code of the project."),
                    )
                )
        for validation, ranges, message in validations:
            validation.error = message
            validation.errorTitle = _("Check the value")
            validation.showErrorMessage = True
            for cells in ranges:
                validation.add(cells)
            sheet.add_data_validation(validation)

        notes = workbook.create_sheet(_sheet_title(_("Instructions")))
        notes.column_dimensions["A"].width = 28
        notes.column_dimensions["B"].width = 90
        title = _("Expenditure items of a payment claim")
        if project is not None:
            title = _("Expenditure items of a payment claim of project %(code)s") % {"code": project.code}
        notes.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
        rules = (
            _(
                "Fill in one row per supporting document on the sheet “%(sheet)s”, from row 2. "
                "Keep the first row as it is."
            )
            % {"sheet": data_sheet_title()},
            _(
                "The file is imported only when every row is right; otherwise nothing is imported "
                "and each wrong row is listed."
            ),
            _("At most %(count)s rows in one file.") % {"count": format_number(MAX_ROWS, 0)},
            _("Upload the supporting documents afterwards, item by item, on the claim's page."),
        )
        for row, rule in enumerate(rules, start=2):
            notes.cell(row=row, column=1, value=rule)
        start = len(rules) + 3
        notes.cell(row=start, column=1, value=_("Column")).font = bold
        notes.cell(row=start, column=2, value=_("What to enter")).font = bold
        for row, column in enumerate(COLUMNS, start=start + 1):
            required = _("required") if column.required else _("optional")
            notes.cell(row=row, column=1, value=f"{column.label} ({required})")
            notes.cell(row=row, column=2, value=str(column.note))
        workbook.properties.title = str(title)
        workbook.properties.language = language
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()


def template_file_name(project: Project | None = None) -> str:
    return f"fondas-claim-items-{project.code}.xlsx" if project is not None else "fondas-claim-items.xlsx"


# --- reading a file ----------------------------------------------------------------------


def _normalise(text) -> str:
    text = "" if text is None else str(text)
    return re.sub(r"\s+", " ", text.replace("*", "")).strip().casefold()


def _header_names() -> dict[str, str]:
    """{normalised header in either language: column key}."""
    names = {}
    for language in (LITHUANIAN, ENGLISH):
        with translation.override(language):
            for column in COLUMNS:
                names[_normalise(column.label)] = column.key
    return names


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_header(header: tuple) -> dict[int, str]:
    """{position in the row: column key}; ApplicationError when the header is not the template's."""
    names = _header_names()
    positions: dict[int, str] = {}
    unknown, repeated = [], []
    for position, value in enumerate(header):
        if _blank(value):
            continue
        key = names.get(_normalise(value))
        if key is None:
            unknown.append(str(value).strip())
        elif key in positions.values():
            repeated.append(str(value).strip())
        else:
            positions[position] = key
    missing = [str(c.label) for c in COLUMNS if c.required and c.key not in positions.values()]
    if unknown or repeated or missing:
        problems = []
        if missing:
            problems.append(_("missing: %(columns)s") % {"columns": "; ".join(missing)})
        if unknown:
            problems.append(_("not recognised: %(columns)s") % {"columns": "; ".join(unknown)})
        if repeated:
            problems.append(_("given twice: %(columns)s") % {"columns": "; ".join(repeated)})
        raise _refuse(
            _(
                "The first row of the sheet must hold the template's column names (%(problems)s). "
                "Download the template and copy your rows into it."
            )
            % {"problems": "; ".join(problems)},
            "header",
        )
    return positions


def _text(value, key: str) -> tuple[str, str | None]:
    if _blank(value):
        return "", _("Fill in this column.")
    if isinstance(value, bool):
        return "", _("Enter text, not a yes/no value.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return "", _("Enter text, not a date.")
    text = str(value).strip()
    limit = TEXT_LIMITS[key]
    if len(text) > limit:
        return "", _("At most %(limit)d characters (this one has %(length)d).") % {"limit": limit, "length": len(text)}
    return text, None


def _date(value) -> tuple[date | None, str | None]:
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            return None, _("Enter a date without a time.")
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if _blank(value):
        return None, _("Fill in the document's date.")
    if isinstance(value, str):
        match = _DATE_TEXT.match(value.strip())
        if match:
            try:
                return date(*(int(part) for part in match.groups())), None
            except ValueError:
                return None, _("“%(value)s” is not a date of the calendar.") % {"value": value.strip()[:40]}
    return None, _("“%(value)s” is not a date. Use a date cell or text written as 2026-03-15.") % {
        "value": str(value).strip()[:40]
    }


def _amount(value, *, required: bool) -> tuple[Decimal | None, str | None]:
    if _blank(value):
        return (None, _("Fill in the amount.")) if required else (Decimal("0.00"), None)
    if isinstance(value, bool):
        return None, _("Enter an amount, not a yes/no value.")
    if isinstance(value, datetime | date):
        return None, _("Enter an amount, not a date.")
    if isinstance(value, int | float | Decimal):
        try:
            # str() first: a float's shortest text (0.1 → "0.1"), never its binary expansion.
            amount = Decimal(str(value))
        except InvalidOperation:
            return None, _("Enter a valid amount.")
        if not amount.is_finite():
            return None, _("Enter a valid amount.")
        if amount < 0:
            return None, _("Enter an amount that is not negative.")
        if -amount.as_tuple().exponent > 2:
            return None, _("%(value)s has more than two decimals; amounts are in euro and cents.") % {"value": value}
    else:
        try:
            amount = parse_amount(str(value))
        except ValidationError as error:
            return None, " ".join(error.messages)
    if amount > MAX_AMOUNT:
        return None, _("The amount is too large.")
    return amount.quantize(Decimal("0.01")), None


def _yes_no(value) -> tuple[bool, str | None]:
    if _blank(value):
        return False, None
    if isinstance(value, bool):
        return value, None
    word = _normalise(value)
    if isinstance(value, int | float) and value in (0, 1):
        word = str(int(value))
    if word in TRUE_WORDS:
        return True, None
    if word in FALSE_WORDS:
        return False, None
    return False, _("Write taip or ne (yes or no), not “%(value)s”.") % {"value": str(value).strip()[:40]}


def _budget_line(value, lines: dict[str, BudgetLine]) -> tuple[BudgetLine | None, str | None]:
    if _blank(value):
        return None, _("Fill in the code of a budget line.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    code = str(value).strip()
    line = lines.get(code.casefold())
    if line is None:
        return None, _("The project has no budget line with the code “%(code)s”. Its codes: %(codes)s.") % {
            "code": code[:40],
            "codes": ", ".join(sorted(line.cost_category.code for line in lines.values())) or "–",
        }
    return line, None


@dataclass
class _Row:
    number: int
    values: dict


def _parse(file, claim: PaymentClaim) -> tuple[list[_Row], list[RowError]]:
    """The rows of the file as item values, and every problem found in them."""
    try:
        file.seek(0)
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged workbook
        raise _refuse(_("The file could not be read as an XLSX workbook."), "content") from None
    try:
        names = {data_sheet_title_in(language) for language in (LITHUANIAN, ENGLISH)}
        sheet = next((ws for ws in workbook.worksheets if ws.title in names), workbook.worksheets[0])
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or all(_blank(value) for value in header):
            raise _refuse(_("The file is empty: its first sheet has no header row and no items."), "empty")
        positions = _read_header(header)
        labels = {key: str(COLUMN_BY_KEY[key].label) for key in COLUMN_BY_KEY}
        lines = {
            line.cost_category.code.casefold(): line
            for line in BudgetLine.objects.filter(project_id=claim.project_id).select_related("cost_category")
        }
        parsed: list[_Row] = []
        errors: list[RowError] = []
        count = 0
        for number, cells in enumerate(rows, start=2):
            raw = {key: (cells[position] if position < len(cells) else None) for position, key in positions.items()}
            if all(_blank(value) for value in raw.values()):
                continue
            count += 1
            if count > MAX_ROWS:
                raise _refuse(
                    _("The file has more than %(count)d rows of items; split it into several files.")
                    % {"count": MAX_ROWS},
                    "too_many_rows",
                )
            results = {
                "budget_line": _budget_line(raw.get("budget_line"), lines),
                **{key: _text(raw.get(key), key) for key in TEXT_FIELDS},
                "document_date": _date(raw.get("document_date")),
                "amount_excl_vat": _amount(raw.get("amount_excl_vat"), required=True),
                "vat_amount": _amount(raw.get("vat_amount"), required=False),
                "vat_recoverable": _yes_no(raw.get("vat_recoverable")),
            }
            values = {key: value for key, (value, _message) in results.items()}
            row_errors = [(key, message) for key, (_value, message) in results.items() if message]
            if row_errors:
                errors += [RowError(number, labels[key], message) for key, message in row_errors]
            else:
                parsed.append(_Row(number, values))
        if count == 0 and not errors:
            raise _refuse(_("The file has no items: fill in at least one row under the header."), "empty")
        return parsed, errors
    finally:
        workbook.close()


def data_sheet_title_in(language: str) -> str:
    with translation.override(language):
        return data_sheet_title()


class _RollBackError(Exception):
    """Undo a trial save whose only purpose was to find the service's problems."""


def items_import_xlsx(*, actor, claim: PaymentClaim, file) -> list[ExpenditureItem]:
    """Add every row of the XLSX `file` to `claim` as an expenditure item, or
    none: ImportRowsError lists every wrong row (the file's own problems and
    the claim's rules, e.g. a date outside the period or a document claimed
    elsewhere); ApplicationError(field="file") refuses a file that is not an
    XLSX workbook, is empty, too large, has too many rows or another header."""
    checked = attachment_check(file)
    if checked.kind != AttachmentKind.XLSX:
        raise _refuse(_("Upload the template as an XLSX file."), "not_xlsx")
    rows, errors = _parse(file, claim)
    labels = {key: str(COLUMN_BY_KEY[key].label) for key in COLUMN_BY_KEY}
    items: list[ExpenditureItem] = []
    if rows:
        try:
            # Even when some rows are already wrong, the others go through the
            # service so that one upload lists every problem; such a trial is
            # rolled back, and nothing is kept unless the whole file is right.
            with transaction.atomic():
                items = items_add_bulk(actor=actor, claim=claim, items=[row.values for row in rows])
                if errors:
                    raise _RollBackError
        except _RollBackError:
            items = []
        except ItemsInvalidError as error:
            for problem in error.errors:
                row = rows[problem.index].number
                errors.append(RowError(row, labels.get(problem.field or "", ""), problem.message))
    if errors:
        raise ImportRowsError(errors)
    return items
