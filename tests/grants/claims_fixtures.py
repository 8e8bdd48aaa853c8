"""Builders for payment-claim tests: a project in implementation with two
budget lines, its beneficiary's user, an officer, and claims moved through
grants.services.claims to any status."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Role
from grants.models import ClaimKind, ProjectStatus
from grants.services import claims as svc
from grants.services.projects import project_transition
from tests.factories import IndicatorFactory, OrganisationFactory, UserFactory, make_instrument, make_project

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(name: str = "saskaita.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@dataclass
class ClaimWorld:
    project: object
    staff_line: object
    equipment_line: object
    beneficiary: object
    officer: object
    indicator: object


def officer_with_override():
    officer = UserFactory(role=Role.OFFICER)
    officer.user_permissions.add(Permission.objects.get(codename="override_double_funding"))
    # has_perm caches the permissions on the instance: give the caller a fresh one.
    return type(officer).objects.get(pk=officer.pk)


def claim_world(
    *,
    staff: str = "10000.00",
    equipment: str = "20000.00",
    grant: str | None = None,
    reallocation: str | None = None,
    advance_offset_share: str | None = None,
    status: str = ProjectStatus.IN_IMPLEMENTATION,
) -> ClaimWorld:
    """A project 2024-01-01..2025-12-31 (funding rate 70 %) with lines STAFF and EQUIP."""
    indicator = IndicatorFactory()
    instrument = make_instrument(indicators={indicator: "10"})
    changes = {}
    if reallocation is not None:
        changes["reallocation_share"] = Decimal(reallocation)
    if advance_offset_share is not None:
        changes["advance_offset_share"] = Decimal(advance_offset_share)
    if changes:
        type(instrument).objects.filter(pk=instrument.pk).update(**changes)
        instrument.refresh_from_db()
    organisation = OrganisationFactory()
    codes = [c.code for c in instrument.eligible_cost_categories.order_by("code")]
    staff_code = next(c for c in codes if c.startswith("STAFF"))
    equip_code = next(c for c in codes if c.startswith("EQUIP"))
    project = make_project(
        instrument, beneficiary=organisation, lines={staff_code: staff, equip_code: equipment}, grant=grant
    )
    type(project).objects.filter(pk=project.pk).update(start_date=date(2024, 1, 1), end_date=date(2025, 12, 31))
    project.refresh_from_db()
    if status != ProjectStatus.CONTRACTED:
        project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    if status not in (ProjectStatus.CONTRACTED, ProjectStatus.IN_IMPLEMENTATION):
        project_transition(actor=None, project=project, to_status=status)
    project.refresh_from_db()
    lines = {line.cost_category.code: line for line in project.budget_lines.select_related("cost_category")}
    return ClaimWorld(
        project=project,
        staff_line=lines[staff_code],
        equipment_line=lines[equip_code],
        beneficiary=UserFactory(role=Role.APPLICANT, organisation=organisation),
        officer=UserFactory(role=Role.OFFICER),
        indicator=indicator,
    )


_numbers = iter(range(1, 10**9))


def item_data(world: ClaimWorld, **overrides) -> dict:
    data = {
        "budget_line": world.staff_line,
        "supplier_name": "UAB Baltic Consulting",
        "supplier_code": "304123456",
        "document_number": f"BC {next(_numbers):05d}",
        "document_date": date(2024, 3, 15),
        "amount_excl_vat": Decimal("1000.00"),
        "vat_amount": Decimal("210.00"),
        "vat_recoverable": False,
    }
    data.update(overrides)
    return data


def new_claim(world: ClaimWorld, *, kind=ClaimKind.INTERIM, start=date(2024, 1, 1), end=date(2024, 6, 30)):
    return svc.claim_create(
        actor=world.beneficiary, project=world.project, period_start=start, period_end=end, kind=kind
    )


def add_item(world: ClaimWorld, claim, *, document=True, **overrides):
    return svc.item_add(
        actor=world.beneficiary, claim=claim, document=pdf() if document else None, **item_data(world, **overrides)
    )


def submitted_claim(world: ClaimWorld, items: list[dict] | None = None, **claim_kwargs):
    claim = new_claim(world, **claim_kwargs)
    for overrides in items or [{}]:
        add_item(world, claim, **overrides)
    claim.refresh_from_db()
    return svc.claim_submit(actor=world.beneficiary, claim=claim, version=claim.version)


def verifying_claim(world: ClaimWorld, items: list[dict] | None = None, **claim_kwargs):
    claim = submitted_claim(world, items, **claim_kwargs)
    return svc.claim_verification_start(actor=world.officer, claim=claim)


def verify_all(world: ClaimWorld, claim, eligible: dict | None = None):
    """Verify every item at its claimed amount, or at `eligible[item.pk]`."""
    for item in claim.items.order_by("pk"):
        amount = (eligible or {}).get(item.pk, item.claimed_amount)
        reason = "" if amount == item.claimed_amount else "not_necessary"
        note = "" if amount == item.claimed_amount else "Dalis išlaidų nebūtina projektui."
        svc.item_verify(
            actor=world.officer,
            item=item,
            version=item.version,
            eligible_amount=amount,
            ineligibility_reason=reason,
            ineligibility_note=note,
        )


def approved_claim(world: ClaimWorld, items: list[dict] | None = None, **claim_kwargs):
    claim = verifying_claim(world, items, **claim_kwargs)
    verify_all(world, claim)
    claim.refresh_from_db()
    return svc.claim_approve(actor=world.officer, claim=claim, version=claim.version)
