"""Payments to beneficiaries. The sum of a project's payments never exceeds its grant."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from core.audit import audit_record, field_values
from core.errors import ApplicationError
from core.models import AuditEventType
from core.money import ZERO, to_money
from grants.models import Payment, PaymentKind, Project, ProjectStatus

PAYABLE_STATES = {
    PaymentKind.ADVANCE: (ProjectStatus.CONTRACTED, ProjectStatus.IN_IMPLEMENTATION),
    PaymentKind.INTERIM: (ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.SUSPENDED, ProjectStatus.COMPLETED),
    PaymentKind.FINAL: (ProjectStatus.COMPLETED, ProjectStatus.CLOSED),
}


def payment_create(
    *, actor, project: Project, kind: str, paid_on: date, amount: Decimal, occurred_at: datetime | None = None
) -> Payment:
    if kind not in PaymentKind.values:
        raise ApplicationError(f"Unknown payment kind '{kind}'.", field="kind")
    amount = to_money(amount)
    if amount <= ZERO:
        raise ApplicationError("A payment must be more than EUR 0.00.", field="amount")
    with transaction.atomic():
        # The lock serialises payments to one project, so two at once cannot both fit.
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.status not in PAYABLE_STATES[kind]:
            raise ApplicationError(
                f"An {kind} payment is not allowed while project {project.code} "
                f"is {project.get_status_display().lower()}.",
                field="kind",
            )
        if kind == PaymentKind.FINAL and project.payments.filter(kind=PaymentKind.FINAL).exists():
            raise ApplicationError(f"Project {project.code} already has its final payment.", field="kind")
        paid = project.payments.aggregate(total=Sum("amount"))["total"] or ZERO
        if paid + amount > project.grant_amount:
            raise ApplicationError(
                f"Payments to {project.code} would exceed its grant of EUR {project.grant_amount:,} "
                f"(EUR {project.grant_amount - paid:,} left to pay).",
                field="amount",
            )
        payment = Payment.objects.create(project=project, kind=kind, paid_on=paid_on, amount=amount)
        audit_record(
            actor=actor,
            obj=payment,
            event_type=AuditEventType.PAID,
            new=field_values(payment, ["kind", "paid_on", "amount"]),
            occurred_at=occurred_at,
        )
    return payment
