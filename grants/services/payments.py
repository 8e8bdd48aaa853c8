"""Payments to beneficiaries. The sum of a project's payments never exceeds its grant."""

from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.audit import audit_record, field_values
from core.errors import ApplicationError
from core.formatting import format_money
from core.models import AuditEventType
from core.money import ZERO, to_money
from grants.models import Payment, PaymentKind, Project, ProjectStatus

PAYABLE_STATES = {
    PaymentKind.ADVANCE: (ProjectStatus.CONTRACTED, ProjectStatus.IN_IMPLEMENTATION),
    PaymentKind.INTERIM: (ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.SUSPENDED, ProjectStatus.COMPLETED),
    PaymentKind.FINAL: (ProjectStatus.COMPLETED, ProjectStatus.CLOSED),
}

# A claim's payment: interim claims are paid while the project is being
# implemented (or suspended, or just completed); the final claim once the
# project is completed (it must be paid before the project can close).
CLAIM_PAYABLE_STATES = {
    PaymentKind.INTERIM: (ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.SUSPENDED, ProjectStatus.COMPLETED),
    PaymentKind.FINAL: (ProjectStatus.COMPLETED,),
}

# Why a payment of each kind is refused in the project's status (called when raised, in the active language).
NOT_PAYABLE = {
    PaymentKind.ADVANCE: lambda: _("An advance is not allowed while project %(code)s has the status “%(status)s”."),
    PaymentKind.INTERIM: lambda: _(
        "An interim payment is not allowed while project %(code)s has the status “%(status)s”."
    ),
    PaymentKind.FINAL: lambda: _("A final payment is not allowed while project %(code)s has the status “%(status)s”."),
}


def payment_create(
    *,
    actor,
    project: Project,
    kind: str,
    paid_on: date,
    amount: Decimal,
    occurred_at: datetime | None = None,
    claim=None,
) -> Payment:
    """A payment to the project; `claim` when it settles an approved payment
    claim (grants.services.claims.claim_pay calls claim_payment_create)."""
    if kind not in PaymentKind.values:
        raise ApplicationError(_("Unknown payment kind “%(kind)s”.") % {"kind": kind}, field="kind")
    amount = to_money(amount)
    if amount <= ZERO:
        raise ApplicationError(
            _("A payment must be more than %(zero)s.") % {"zero": format_money(ZERO)}, field="amount"
        )
    with transaction.atomic():
        # The lock serialises payments to one project, so two at once cannot both fit.
        project = Project.objects.select_for_update().get(pk=project.pk)
        states = CLAIM_PAYABLE_STATES.get(kind, ()) if claim is not None else PAYABLE_STATES[kind]
        if project.status not in states:
            raise ApplicationError(
                NOT_PAYABLE[kind]() % {"code": project.code, "status": project.get_status_display()}, field="kind"
            )
        if kind == PaymentKind.FINAL and project.payments.filter(kind=PaymentKind.FINAL).exists():
            raise ApplicationError(
                _("Project %(code)s already has its final payment.") % {"code": project.code}, field="kind"
            )
        paid = project.payments.aggregate(total=Sum("amount"))["total"] or ZERO
        if paid + amount > project.grant_amount:
            raise ApplicationError(
                _("Payments to %(code)s would exceed its grant of %(grant)s (%(left)s left to pay).")
                % {
                    "code": project.code,
                    "grant": format_money(project.grant_amount),
                    "left": format_money(project.grant_amount - paid),
                },
                field="amount",
            )
        try:
            # A savepoint: the one-to-one claim and the one final payment per
            # project are the database's guarantees against a second payment.
            with transaction.atomic():
                payment = Payment.objects.create(
                    project=project, kind=kind, paid_on=paid_on, amount=amount, claim=claim
                )
        except IntegrityError:
            raise ApplicationError(
                _("This payment was already made (the claim or the project's final payment is paid)."), field="kind"
            ) from None
        audit_record(
            actor=actor,
            obj=payment,
            event_type=AuditEventType.PAID,
            new=field_values(payment, ["kind", "paid_on", "amount", "claim"]),
            occurred_at=occurred_at,
        )
    return payment


def claim_payment_create(
    *, actor, claim, kind: str, paid_on: date, amount: Decimal, occurred_at: datetime | None = None
) -> Payment:
    """The payment of an approved claim (the caller holds the claim's lock and
    moves it to paid in the same transaction)."""
    if kind not in CLAIM_PAYABLE_STATES:
        raise ApplicationError(_("A payment claim is paid as an interim or a final payment."), field="kind")
    return payment_create(
        actor=actor,
        project=claim.project,
        kind=kind,
        paid_on=paid_on,
        amount=amount,
        occurred_at=occurred_at,
        claim=claim,
    )
