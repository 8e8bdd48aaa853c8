"""Expenditure items from an XLSX file (grants.services.claims_import): the
template in each language, the all-or-nothing import that reports every wrong
row by its Excel row number and column, amounts without floats, and the
refusal of files that are not the template."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from core.errors import ApplicationError
from grants.services import claims_import
from grants.services.claims_import import (
    COLUMNS,
    ImportRowsError,
    claim_template_xlsx,
    items_import_xlsx,
)
from tests.grants.claim_page_fixtures import PDF, build_claim_world

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world():
    return build_claim_world()


def headers(language: str = "en") -> list[str]:
    with translation.override(language):
        return [str(column.label) for column in COLUMNS]


def xlsx(rows: list[list], *, header: list | None = None, name: str = "items.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header if header is not None else headers())
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=XLSX)


GOOD = [
    ["STAFF", "UAB Alfa", "111111111", "A-1", datetime(2020, 2, 3), 1000, 210, "ne"],
    ["equip", "UAB Beta", 222222222, "B-7", "2020-02-10", "1234.50", "", "taip"],
    ["STAFF", "UAB Gama", "333333333", 4455, date(2020, 3, 1), 99.9, 0, "no"],
]


def import_(world, upload):
    return items_import_xlsx(actor=world.users["applicant"], claim=world.draft, file=upload)


def test_a_valid_file_imports_every_row(world):
    rows = [*GOOD[:1], ["equip", "UAB Beta", 222222222, "B-7", "2020-02-10", "1 234,50", "", "taip"], *GOOD[2:]]
    with translation.override("lt"):
        items = import_(world, xlsx(rows))
    assert len(items) == 3
    saved = {item.document_number: item for item in world.draft.items.all()}
    assert set(saved) == {"SF-0001", "A-1", "B-7", "4455"}
    assert saved["A-1"].claimed_amount == Decimal("1210.00")
    assert saved["B-7"].budget_line.cost_category.code == "EQUIP"
    assert saved["B-7"].supplier_code == "222222222"
    assert saved["B-7"].amount_excl_vat == Decimal("1234.50") and saved["B-7"].vat_recoverable is True
    assert saved["B-7"].document_date == date(2020, 2, 10)
    assert saved["4455"].amount_excl_vat == Decimal("99.90")


def test_errors_in_several_rows_save_nothing_and_name_each_row(world):
    rows = [
        GOOD[0],
        ["STAFF", "UAB Delta", "444", "D-1", "2020-13-01", 10, 0, "ne"],  # row 3: no such date
        GOOD[1],
        ["NOPE", "", "555", "E-1", "2020-02-01", "12.345", 0, "gal"],  # row 5: four problems
        [None] * 8,  # an empty row is skipped, but keeps its number
        ["STAFF", "UAB Zeta", "666", "Z-1", "2020-02-01", -5, 0, "ne"],  # row 7: negative
    ]
    with translation.override("en"), pytest.raises(ImportRowsError) as caught:
        import_(world, xlsx(rows))
    found = [(e.row, e.column) for e in caught.value.errors]
    assert found == [
        (3, "Document date"),
        (5, "Budget line code"),
        (5, "Supplier"),
        (5, "Amount excluding VAT"),
        (5, "VAT is recoverable"),
        (7, "Amount excluding VAT"),
    ]
    assert str(caught.value.errors[0]).startswith("Row 3, Document date: ")
    assert caught.value.field == "file"
    assert world.draft.items.count() == 1  # only the fixture's item


def test_the_claims_rules_are_reported_by_row_together_with_the_files_own_errors(world):
    rows = [
        GOOD[0],
        ["STAFF", "UAB Tiekėjas", "123456789", "SF-0001", "2020-03-15", 1000, 210, "ne"],  # row 3: claimed already
        ["STAFF", "UAB Ateitis", "777", "F-1", "2019-05-01", 10, 0, "ne"],  # row 4: before the project
        ["STAFF", "UAB Klaida", "888", "K-1", "not a date", 10, 0, "ne"],  # row 5: the file's own error
    ]
    with translation.override("en"), pytest.raises(ImportRowsError) as caught:
        import_(world, xlsx(rows))
    found = {(e.row, e.column) for e in caught.value.errors}
    assert found == {(3, "Document number"), (4, "Document date"), (5, "Document date")}
    assert world.draft.items.count() == 1


def test_the_service_alone_refusing_rows_saves_nothing(world):
    rows = [GOOD[0], ["STAFF", "UAB Ateitis", "777", "F-1", "2019-05-01", 10, 0, "ne"]]
    with translation.override("en"), pytest.raises(ImportRowsError) as caught:
        import_(world, xlsx(rows))
    assert [(e.row, e.column) for e in caught.value.errors] == [(3, "Document date")]
    assert world.draft.items.count() == 1


def test_amounts_never_go_through_floats(world):
    rows = [
        ["STAFF", "UAB Alfa", "1", "F-1", "2020-02-01", 12.345, 0, "ne"],
        ["STAFF", "UAB Alfa", "1", "F-2", "2020-02-01", 1234.5, 0.07, "ne"],
    ]
    with translation.override("en"), pytest.raises(ImportRowsError) as caught:
        import_(world, xlsx(rows))
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "Amount excluding VAT")]
    assert "more than two decimals" in caught.value.errors[0].message
    with translation.override("en"):
        items = import_(world, xlsx(rows[1:]))
    # 0.07 is stored in the file as 0.07000000000000001; the float's shortest text is 0.07.
    assert items[0].amount_excl_vat == Decimal("1234.50") and items[0].vat_amount == Decimal("0.07")


def test_a_wrong_header_is_refused_with_the_columns_named(world):
    header = headers()
    header[2] = "Kodas"
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        import_(world, xlsx(GOOD, header=header))
    assert not isinstance(caught.value, ImportRowsError)
    assert "missing: Supplier code" in caught.value.message
    assert "not recognised: Kodas" in caught.value.message
    assert caught.value.field == "file"


def test_headers_are_read_whatever_their_case_spaces_and_marks(world):
    header = [f"  {label.upper()} *" for label in headers()]
    with translation.override("en"):
        assert len(import_(world, xlsx(GOOD[:1], header=header))) == 1


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("items.xlsx", PDF, "but its name ends in .xlsx"),
        ("items.pdf", PDF, "Upload the template as an XLSX file."),
        ("items.xlsx", b"PK\x03\x04 this is no zip", "not a valid"),
        ("items.csv", b"a;b;c\n", "Only PDF, DOCX and XLSX"),
        ("items.xlsx", b"", "empty"),
    ],
)
def test_a_file_that_is_not_an_xlsx_workbook_is_refused(world, name, content, words):
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        import_(world, SimpleUploadedFile(name, content))
    assert words in caught.value.message
    assert world.draft.items.count() == 1


def test_a_file_without_rows_and_a_file_with_too_many_rows_are_refused(world, monkeypatch):
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        import_(world, xlsx([]))
    assert "has no items" in caught.value.message
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        import_(world, xlsx([], header=[]))
    assert "empty" in caught.value.message
    monkeypatch.setattr(claims_import, "MAX_ROWS", 2)
    with translation.override("en"), pytest.raises(ApplicationError) as caught:
        import_(world, xlsx(GOOD))
    assert "more than 2 rows" in caught.value.message
    assert world.draft.items.count() == 1


# --- the template -----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["lt", "en"])
def test_the_template_has_the_headers_notes_and_the_projects_budget_lines(world, language):
    content = claim_template_xlsx(project=world.project, language=language)
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == headers(language)
    assert all(cell.comment is not None for cell in sheet[1])
    lines = workbook.worksheets[1]
    assert [row[0] for row in lines.iter_rows(min_row=2, values_only=True)] == ["EQUIP", "STAFF"]
    names = [row[1] for row in lines.iter_rows(min_row=2, values_only=True)]
    assert names == (["Įranga", "Darbo užmokestis"] if language == "lt" else ["Equipment", "Staff costs"])
    kinds = {validation.type for validation in sheet.data_validations.dataValidation}
    assert {"list", "decimal", "date"} <= kinds
    yes_no = "taip,ne" if language == "lt" else "yes,no"
    assert any(yes_no in (v.formula1 or "") for v in sheet.data_validations.dataValidation)


def test_the_template_is_downloaded_filled_in_and_imported_through_the_pages(world, client):
    client.force_login(world.users["applicant"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    response = client.get(reverse("claims:import-template") + f"?project={world.project.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "fondas-claim-items-KLAST-0001.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    sheet.append(["STAFF", "UAB Šaltinis", "123123123", "Š-1", date(2020, 4, 1), 100, 21, "ne"])
    sheet.append(["EQUIP", "UAB Šaltinis", "123123123", "Š-2", "2020-04-02", "1 500,00", None, "taip"])
    out = io.BytesIO()
    workbook.save(out)
    upload = SimpleUploadedFile("užpildytas.xlsx", out.getvalue(), content_type=XLSX)
    response = client.post(reverse("claims:claim-import", args=[world.draft.pk]), {"file": upload})
    assert response.status_code == 302
    assert response["Location"] == reverse("claims:claim-detail", args=[world.draft.pk])
    assert set(world.draft.items.values_list("document_number", flat=True)) == {"SF-0001", "Š-1", "Š-2"}
    # The template without a project downloads too (the list page links it).
    assert client.get(reverse("claims:import-template")).status_code == 200


def test_the_import_page_lists_every_wrong_row(world, client):
    client.force_login(world.users["applicant"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rows = [GOOD[0], ["STAFF", "UAB Delta", "444", "D-1", "2020-02-01", "abc", 0, "ne"], GOOD[1]]
    response = client.post(reverse("claims:claim-import", args=[world.draft.pk]), {"file": xlsx(rows)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "data-error-summary" in page and 'id="id_file-error-1"' in page
    assert "Row 3, Amount excluding VAT: " in page
    # The file box is described by its error and by the list of wrong rows.
    assert 'aria-describedby="id_file-help id_file-error-1 row-errors"' in page
    assert '<ul id="row-errors">' in page
    assert world.draft.items.count() == 1


def test_only_the_beneficiary_imports(world, client):
    for role in ("partner", "stranger", "officer", "override_officer", "auditor"):
        client.force_login(world.users[role])
        url = reverse("claims:claim-import", args=[world.draft.pk])
        assert client.post(url, {"file": xlsx(GOOD)}).status_code == 404, role
    assert world.draft.items.count() == 1
    with pytest.raises(ApplicationError):
        items_import_xlsx(actor=world.users["partner"], claim=world.draft, file=xlsx(GOOD))
    assert world.draft.items.count() == 1
