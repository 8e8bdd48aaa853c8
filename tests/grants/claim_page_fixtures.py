"""Data of the payment-claim page tests, built through the services: a project
in implementation whose beneficiary has users, a partner organisation with a
user, another organisation with its own project and claim, officers (one who
may accept a repeated document), an auditor, and claims in the states the
pages show (a draft with an item and its document, a returned claim)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import Role
from grants.models import PaymentClaim, Project, ProjectStatus
from grants.services import project_transition
from grants.services.claims import (
    claim_create,
    claim_return,
    claim_submit,
    claim_verification_start,
    indicator_value_set,
    item_add,
)
from grants.services.projects import indicator_target_set
from tests.factories import (
    CostCategoryFactory,
    IndicatorFactory,
    OrganisationFactory,
    UserFactory,
    make_instrument,
    make_project,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "saskaita.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@dataclass
class ClaimWorld:
    project: Project
    other_project: Project
    draft: PaymentClaim
    returned: PaymentClaim
    other_claim: PaymentClaim
    indicator: object
    users: dict = field(default_factory=dict)

    @property
    def item(self):
        return self.draft.items.order_by("pk").first()


def item_values(project: Project, **overrides) -> dict:
    line = project.budget_lines.select_related("cost_category").get(cost_category__code="STAFF")
    values = {
        "budget_line": line,
        "supplier_name": "UAB „Tiekėjas“",
        "supplier_code": "123456789",
        "document_number": "SF-0001",
        "document_date": date(2020, 3, 15),
        "amount_excl_vat": Decimal("1000.00"),
        "vat_amount": Decimal("210.00"),
        "vat_recoverable": False,
    }
    values.update(overrides)
    return values


def build_claim_world() -> ClaimWorld:
    """Every user has the factories' password (tests.browser.test_accessibility.PASSWORD)."""
    staff = CostCategoryFactory(code="STAFF", name_lt="Darbo užmokestis", name_en="Staff costs")
    equipment = CostCategoryFactory(code="EQUIP", name_lt="Įranga", name_en="Equipment")
    indicator = IndicatorFactory(code="P.S.361", name_lt="Įmonės, bendradarbiaujančios su klasteriu", name_en="")
    instrument = make_instrument(categories=[staff, equipment], indicators={indicator: "50"})
    beneficiary = OrganisationFactory(name="VšĮ Inovacijų klasteris")
    partner = OrganisationFactory(name="UAB Partneris")
    stranger = OrganisationFactory(name="UAB Svetimas")

    project = make_project(
        instrument, beneficiary=beneficiary, lines={"STAFF": "60000.00", "EQUIP": "40000.00"}, code="KLAST-0001"
    )
    project.partners.add(partner)
    other_project = make_project(instrument, beneficiary=stranger, lines={"STAFF": "10000.00"}, code="KLAST-0002")
    for each in (project, other_project):
        project_transition(actor=None, project=each, to_status=ProjectStatus.IN_IMPLEMENTATION)
    indicator_target_set(actor=None, project=project, indicator=indicator, target_value=Decimal("20"))

    users = {
        "applicant": UserFactory(
            role=Role.APPLICANT,
            organisation=beneficiary,
            username="vykdytojas",
            first_name="Jonas",
            last_name="Jonaitis",
        ),
        "partner": UserFactory(role=Role.APPLICANT, organisation=partner, username="partneris"),
        "stranger": UserFactory(role=Role.APPLICANT, organisation=stranger, username="svetimas"),
        "officer": UserFactory(role=Role.OFFICER, username="pareigunas", first_name="Rūta", last_name="Petraitienė"),
        "override_officer": UserFactory(role=Role.OFFICER, username="leidejas"),
        "auditor": UserFactory(role=Role.AUDITOR, username="auditorius"),
        "evaluator": UserFactory(role=Role.EVALUATOR, username="vertintojas"),
    }
    users["override_officer"].user_permissions.add(
        Permission.objects.get(codename="override_double_funding", content_type__app_label="grants")
    )
    applicant = users["applicant"]

    draft = claim_create(actor=applicant, project=project, period_start=date(2020, 1, 1), period_end=date(2020, 6, 30))
    item_add(actor=applicant, claim=draft, document=pdf(), **item_values(project))

    returned = claim_create(
        actor=applicant, project=project, period_start=date(2020, 7, 1), period_end=date(2020, 12, 31)
    )
    item_add(
        actor=applicant,
        claim=returned,
        document=pdf("sutartis.pdf"),
        **item_values(project, document_number="SF-0100", document_date=date(2020, 8, 3)),
    )
    indicator_value_set(
        actor=applicant, claim=returned, indicator=indicator, value=Decimal("4"), evidence="Bendradarbiavimo sutartys."
    )
    returned = claim_submit(actor=applicant, claim=returned, version=returned.version)
    officer = users["officer"]
    returned = claim_verification_start(actor=officer, claim=returned)
    returned = claim_return(
        actor=officer, claim=returned, version=returned.version, reason="Pateikite darbo laiko apskaitos žiniaraštį."
    )

    stranger_user = users["stranger"]
    other_claim = claim_create(
        actor=stranger_user, project=other_project, period_start=date(2020, 1, 1), period_end=date(2020, 6, 30)
    )
    item_add(
        actor=stranger_user,
        claim=other_claim,
        document=pdf("svetima.pdf"),
        **item_values(other_project, document_number="SV-1", supplier_code="987654321"),
    )
    return ClaimWorld(
        project=project,
        other_project=other_project,
        draft=draft,
        returned=returned,
        other_claim=other_claim,
        indicator=indicator,
        users=users,
    )
