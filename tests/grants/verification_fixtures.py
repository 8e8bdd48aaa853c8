"""Builders for the tests of the officers' verification pages and the
verification record: a project in implementation (2024–2025, funding rate
70 %) with two budget lines, its beneficiary's user, an officer, and claims
moved through grants.services.claims to any status."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Role
from grants.models import ClaimStatus, ProjectStatus
from grants.services import claims as svc
from grants.services.projects import project_transition
from tests.factories import CostCategoryFactory, OrganisationFactory, UserFactory, make_instrument, make_project

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

_numbers = count(1)


def pdf(name: str = "saskaita.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@dataclass
class World:
    project: object
    staff_line: object
    equipment_line: object
    beneficiary: object
    officer: object


def verify_world(*, staff: str = "10000.00", equipment: str = "20000.00", code: str | None = None) -> World:
    n = next(_numbers)
    staff_category = CostCategoryFactory(code=f"VSTAFF{n}", name_lt="Darbo užmokestis", name_en="Staff")
    equipment_category = CostCategoryFactory(code=f"VEQUIP{n}", name_lt="Įranga", name_en="Equipment")
    instrument = make_instrument(categories=[staff_category, equipment_category])
    organisation = OrganisationFactory(name=f"UAB „Tikrinama{n}“")
    project = make_project(
        instrument,
        beneficiary=organisation,
        code=code,
        lines={staff_category.code: staff, equipment_category.code: equipment},
    )
    type(project).objects.filter(pk=project.pk).update(start_date=date(2024, 1, 1), end_date=date(2025, 12, 31))
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    project.refresh_from_db()
    lines = {line.cost_category_id: line for line in project.budget_lines.all()}
    return World(
        project=project,
        staff_line=lines[staff_category.pk],
        equipment_line=lines[equipment_category.pk],
        beneficiary=UserFactory(role=Role.APPLICANT, organisation=organisation),
        officer=UserFactory(role=Role.OFFICER, first_name="Rasa", last_name="Tikrintoja"),
    )


def item_data(world: World, **overrides) -> dict:
    data = {
        "budget_line": world.staff_line,
        "supplier_name": "UAB Baltic Consulting",
        "supplier_code": "304123456",
        "document_number": f"VR {next(_numbers):05d}",
        "document_date": date(2024, 3, 15),
        "amount_excl_vat": Decimal("1000.00"),
        "vat_amount": Decimal("210.00"),
        "vat_recoverable": False,
    }
    data.update(overrides)
    return data


def make_claim(
    world: World,
    *,
    status: str = ClaimStatus.SUBMITTED,
    items: list[dict] | None = None,
    submitted_at: datetime | None = None,
    start: date = date(2024, 1, 1),
    end: date = date(2024, 6, 30),
):
    """A claim with `items` (overrides of item_data; one item by default),
    moved through the services to `status` (draft, submitted, under
    verification, approved, paid, rejected)."""
    claim = svc.claim_create(actor=world.beneficiary, project=world.project, period_start=start, period_end=end)
    for overrides in [{}] if items is None else items:
        svc.item_add(actor=world.beneficiary, claim=claim, document=pdf(), **item_data(world, **overrides))
    if status == ClaimStatus.DRAFT:
        return claim
    claim.refresh_from_db()
    svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version, occurred_at=submitted_at)
    if status == ClaimStatus.SUBMITTED:
        return claim
    svc.claim_verification_start(actor=world.officer, claim=claim)
    if status == ClaimStatus.UNDER_VERIFICATION:
        return claim
    if status == ClaimStatus.REJECTED:
        return svc.claim_reject(actor=world.officer, claim=claim, version=claim.version, note="Netinkamas.")
    verify_all(world, claim)
    claim.refresh_from_db()
    svc.claim_approve(actor=world.officer, claim=claim, version=claim.version)
    if status == ClaimStatus.APPROVED:
        return claim
    svc.claim_pay(actor=world.officer, claim=claim, paid_on=date.today())
    return claim


def verify_all(world: World, claim) -> None:
    for item in claim.items.order_by("pk"):
        svc.item_verify(actor=world.officer, item=item, version=item.version, eligible_amount=item.claimed_amount)
