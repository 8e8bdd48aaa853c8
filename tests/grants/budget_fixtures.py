"""Payment claims built with the models directly, for the budget tests: a claim
in any status with items of chosen amounts and the dates each step happened
(submission, decision, payment). The claim services stamp their steps with
the current time; these tests need steps dated before and after a cut-off,
and claims in statuses the services reach only through a long journey. The
rows keep the services' invariants (claimed = excl. VAT + non-recoverable VAT,
eligible ≤ claimed, one payment per paid claim)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from grants.models import (
    CLAIM_VERIFIED,
    BudgetLine,
    ClaimStatus,
    ExpenditureItem,
    IndicatorValue,
    Payment,
    PaymentClaim,
    PaymentKind,
    Project,
)
from tests.factories import UserFactory

VILNIUS = ZoneInfo("Europe/Vilnius")
_documents = iter(range(1, 10**9))


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=VILNIUS)


def line_of(project: Project, code: str) -> BudgetLine:
    return BudgetLine.objects.get(project=project, cost_category__code=code)


def make_claim(
    project: Project,
    status: str,
    items: list[tuple[str, str, str | None]],
    *,
    submitted_on: date | None = date(2021, 3, 1),
    decided_on: date | None = date(2021, 4, 1),
    paid_on: date | None = date(2021, 4, 15),
    payment: str | None = None,
    number: int | None = None,
) -> PaymentClaim:
    """A claim of `project` in `status` with items (category code, claimed
    amount, eligible amount or None); a paid claim gets its payment (`payment`,
    default: the eligible total × the project's rate)."""
    user = UserFactory()
    number = number or (PaymentClaim.objects.filter(project=project).count() + 1)
    claim = PaymentClaim.objects.create(
        project=project,
        number=number,
        period_start=date(2020, 1, 1) + timedelta(days=30 * (number - 1)),
        period_end=date(2020, 1, 29) + timedelta(days=30 * (number - 1)),
        status=status,
        created_by=user,
        created_at=at(date(2021, 1, 1)),
        submitted_at=at(submitted_on) if status != ClaimStatus.DRAFT and submitted_on else None,
    )
    for code, claimed, eligible in items:
        ExpenditureItem.objects.create(
            claim=claim,
            budget_line=line_of(project, code),
            supplier_name="UAB Tiekėjas",
            supplier_code="300000000",
            document_number=f"DOC-{next(_documents)}",
            document_date=date(2020, 1, 15),
            amount_excl_vat=Decimal(claimed),
            vat_amount=Decimal("0.00"),
            vat_recoverable=True,
            claimed_amount=Decimal(claimed),
            eligible_amount=None if eligible is None else Decimal(eligible),
        )
    if status in (*CLAIM_VERIFIED, ClaimStatus.REJECTED):
        eligible_total = sum((Decimal(e) for _, _, e in items if e is not None), Decimal("0.00"))
        gross = (eligible_total * project.funding_rate / 100).quantize(Decimal("0.01"))
        claim.decided_at = at(decided_on)
        claim.decided_by = user
        if status in CLAIM_VERIFIED:
            claim.eligible_amount = eligible_total
            claim.gross_payable_amount = gross
            claim.advance_offset_amount = Decimal("0.00")
            claim.payable_amount = Decimal(payment) if payment else gross
        claim.save()
    if status == ClaimStatus.PAID:
        Payment.objects.create(
            project=project, kind=PaymentKind.INTERIM, paid_on=paid_on, amount=claim.payable_amount, claim=claim
        )
    return claim


def every_status(project: Project) -> dict[str, PaymentClaim]:
    """One claim in each status on a project with STAFF 8,000.00 and EQUIP
    2,000.00 (see test_budget for the expected sums)."""
    return {
        "draft": make_claim(project, ClaimStatus.DRAFT, [("STAFF", "100.00", None)]),
        "submitted": make_claim(project, ClaimStatus.SUBMITTED, [("STAFF", "200.00", None)]),
        # Being verified: an item already has its eligible amount, which does not count yet.
        "under_verification": make_claim(project, ClaimStatus.UNDER_VERIFICATION, [("EQUIP", "300.00", "250.00")]),
        "returned": make_claim(project, ClaimStatus.RETURNED, [("STAFF", "50.00", None)]),
        "approved": make_claim(
            project, ClaimStatus.APPROVED, [("STAFF", "1000.00", "900.50"), ("EQUIP", "400.00", "400.00")]
        ),
        "rejected": make_claim(project, ClaimStatus.REJECTED, [("STAFF", "700.00", "0.00")]),
        "paid": make_claim(
            project, ClaimStatus.PAID, [("STAFF", "1500.25", "1500.25"), ("EQUIP", "99.99", "80.00")], payment="1113.18"
        ),
    }


def indicator_value(project: Project, indicator, value: str, claim: PaymentClaim | None = None) -> IndicatorValue:
    return IndicatorValue.objects.create(
        project=project, indicator=indicator, reported_on=date(2021, 6, 1), value=Decimal(value), claim=claim
    )
