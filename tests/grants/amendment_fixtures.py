"""Fixtures of the amendment, project-closing and optimistic-locking tests: a
project of 100 000,00 € (STAFF 60 000, EQUIP 30 000, PAT 10 000 capped at
25 %) under an instrument with a 10 % reallocation share, its beneficiary's
user, a partner, and claims written straight to the database (the claim
services are another family's)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from core.models import Role
from grants.models import ClaimKind, ClaimStatus, ExpenditureItem, PaymentClaim
from grants.services import indicator_target_set
from tests.factories import CostCategoryFactory, IndicatorFactory, OrganisationFactory, UserFactory, make_instrument
from tests.factories import make_project as factory_project

D = Decimal


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English (the site's default language is Lithuanian)."""
    with translation.override("en"):
        yield


@pytest.fixture
def indicator(db):
    return IndicatorFactory(code="AMD.1")


@pytest.fixture
def instrument(db, indicator):
    categories = [
        CostCategoryFactory(code="STAFF"),
        CostCategoryFactory(code="EQUIP"),
        CostCategoryFactory(code="PAT", max_share_percent=D("25.00")),
    ]
    return make_instrument(categories=categories, indicators={indicator: "10"}, max_grant="100000.00")


@pytest.fixture
def beneficiary(db):
    return OrganisationFactory(name="UAB Vykdytojas")


@pytest.fixture
def beneficiary_user(db, beneficiary):
    return UserFactory(role=Role.APPLICANT, organisation=beneficiary)


@pytest.fixture
def partner(db):
    return OrganisationFactory(name="UAB Partneris")


@pytest.fixture
def project(db, instrument, beneficiary, partner, indicator):
    project = factory_project(
        instrument,
        beneficiary=beneficiary,
        lines={"STAFF": "60000.00", "EQUIP": "30000.00", "PAT": "10000.00"},
        code="AMD-001",
    )
    project.partners.add(partner)
    indicator_target_set(actor=None, project=project, indicator=indicator, target_value=D("10"))
    return project


def line(project, code):
    return project.budget_lines.get(cost_category__code=code)


_numbers = iter(range(1, 10**6))


def make_claim(project, *, status=ClaimStatus.APPROVED, kind=ClaimKind.INTERIM, items=None, user=None):
    """A claim in `status` with items {category code: (claimed, eligible)}."""
    claim = PaymentClaim.objects.create(
        project=project,
        number=next(_numbers),
        kind=kind,
        period_start=date(2020, 1, 1),
        period_end=date(2020, 6, 30),
        status=status,
        created_by=user or UserFactory(role=Role.APPLICANT),
    )
    for index, (code, (claimed, eligible)) in enumerate((items or {}).items()):
        ExpenditureItem.objects.create(
            claim=claim,
            budget_line=line(project, code),
            supplier_name="UAB Tiekėjas",
            supplier_code="111111111",
            document_number=f"SF-{claim.number}-{index}",
            document_date=date(2020, 3, 1),
            amount_excl_vat=D(claimed),
            claimed_amount=D(claimed),
            eligible_amount=None if eligible is None else D(eligible),
        )
    return claim
