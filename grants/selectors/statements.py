"""A project's statement at an as-of moment: beneficiary and partners, budget,
payments with running totals, indicators, reported values and the status
history. Six queries whatever the project's size."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.models import AuditEventType
from core.money import ZERO, percent, to_money
from core.queries import MONEY
from core.selectors import value_history
from grants.models import (
    IndicatorTarget,
    InstrumentIndicator,
    Payment,
    Project,
    ProjectStatus,
)
from grants.selectors.asof import PROJECT_OBJECT_TYPE, AsOf, counted_indicator_values
from grants.selectors.budget import BudgetTable, project_budget
from grants.selectors.progress import IndicatorProgress


@dataclass(frozen=True)
class BudgetRow:
    category_code: str
    category_name: str
    planned_amount: Decimal
    share: Decimal | None


@dataclass(frozen=True)
class PaymentRow:
    paid_on: date
    kind_label: str
    amount: Decimal
    cumulative: Decimal


@dataclass(frozen=True)
class ReportedValue:
    reported_on: date
    indicator_code: str
    value: Decimal


@dataclass(frozen=True)
class StatusChange:
    occurred_at: datetime
    actor: str
    old: str
    new: str


@dataclass(frozen=True)
class ProjectStatement:
    as_of: AsOf
    code: str
    title: str
    status_label: str
    programme_name: str
    instrument_code: str
    instrument_name: str
    call_code: str | None
    call_title: str | None
    beneficiary_name: str
    beneficiary_code: str
    beneficiary_type: str
    beneficiary_region: str
    partners: list[str]
    start_date: date
    end_date: date
    eligible_cost: Decimal
    grant_amount: Decimal
    own_contribution: Decimal
    funding_rate: Decimal
    budget: list[BudgetRow]
    budget_total: Decimal
    # The budget lines against claimed, verified eligible and paid expenditure.
    expenditure: BudgetTable
    payments: list[PaymentRow]
    paid_total: Decimal
    indicators: list[IndicatorProgress]
    reported_values: list[ReportedValue]
    history: list[StatusChange]

    @property
    def remaining(self) -> Decimal:
        return self.grant_amount - self.paid_total

    @property
    def paid_percent(self) -> Decimal | None:
        return percent(self.paid_total, self.grant_amount)

    @property
    def effective_rate(self) -> Decimal | None:
        return percent(self.grant_amount, self.eligible_cost)


def _budget(table: BudgetTable) -> tuple[list[BudgetRow], Decimal]:
    """The planned budget by cost category, with each line's share."""
    rows = [
        BudgetRow(row.category_code, row.category_name, row.planned, percent(row.planned, table.planned))
        for row in table.rows
    ]
    return rows, table.planned


def _payments(project: Project, as_of: AsOf) -> tuple[list[PaymentRow], Decimal]:
    kind_labels = dict(Payment._meta.get_field("kind").choices)
    rows, cumulative = [], ZERO
    for paid_on, kind, amount in (
        Payment.objects.filter(project=project, paid_on__lte=as_of.date)
        .order_by("paid_on", "pk")
        .values_list("paid_on", "kind", "amount")
    ):
        cumulative += amount
        rows.append(PaymentRow(paid_on=paid_on, kind_label=kind_labels[kind], amount=amount, cumulative=cumulative))
    return rows, cumulative


def _indicators(project: Project, as_of: AsOf) -> list[IndicatorProgress]:
    """Every indicator of the instrument, with the project's own target where one is set."""
    achieved = (
        counted_indicator_values()
        .filter(project=project, indicator=OuterRef("indicator"), reported_on__lte=as_of.date)
        .order_by()
        .values("indicator")
        .annotate(total=Sum("value"))
        .values("total")
    )
    target = IndicatorTarget.objects.filter(project=project, indicator=OuterRef("indicator")).values("target_value")
    return [
        IndicatorProgress(
            code=code, name_lt=name_lt, name_en=name_en, unit_code=unit, target=target_value, achieved=to_money(value)
        )
        for code, name_lt, name_en, unit, target_value, value in InstrumentIndicator.objects.filter(
            instrument=project.instrument
        )
        .annotate(
            project_target=Subquery(target, output_field=MONEY),
            achieved=Coalesce(Subquery(achieved, output_field=MONEY), Value(ZERO), output_field=MONEY),
        )
        .order_by("indicator__code")
        .values_list(
            "indicator__code",
            "indicator__name_lt",
            "indicator__name_en",
            "indicator__unit",
            "project_target",
            "achieved",
        )
    ]


def project_statement(*, project_id: int, as_of: AsOf) -> ProjectStatement:
    project = Project.objects.select_related("instrument__programme", "call", "beneficiary").get(pk=project_id)
    partners = list(project.partners.order_by("name").values_list("name", flat=True))
    payments, paid = _payments(project, as_of)
    expenditure = project_budget(project, cutoff=as_of, payments_total=paid)
    budget, budget_total = _budget(expenditure)
    reported = [
        ReportedValue(reported_on=day, indicator_code=code, value=value)
        for day, code, value in counted_indicator_values()
        .filter(project=project, reported_on__lte=as_of.date)
        .order_by("reported_on", "indicator__code", "pk")
        .values_list("reported_on", "indicator__code", "value")
    ]
    labels = dict(ProjectStatus.choices)
    history = [
        StatusChange(
            occurred_at=change.occurred_at,
            actor=change.actor,
            old=str(labels.get(change.old, "–" if change.old is None else change.old)),
            new=str(labels.get(change.new, "–" if change.new is None else change.new)),
        )
        for change in value_history(
            object_type=PROJECT_OBJECT_TYPE,
            object_id=str(project.pk),
            name="status",
            event_type=AuditEventType.STATUS_CHANGED,
            as_of=as_of.moment,
        )
    ]
    beneficiary = project.beneficiary
    return ProjectStatement(
        as_of=as_of,
        code=project.code,
        title=project.title,
        status_label=project.get_status_display(),
        programme_name=project.instrument.programme.name,
        instrument_code=project.instrument.code,
        instrument_name=project.instrument.name,
        call_code=project.call.code if project.call else None,
        call_title=project.call.title if project.call else None,
        beneficiary_name=beneficiary.name,
        beneficiary_code=beneficiary.legal_code,
        beneficiary_type=beneficiary.get_organisation_type_display(),
        beneficiary_region=beneficiary.get_region_display(),
        partners=partners,
        start_date=project.start_date,
        end_date=project.end_date,
        eligible_cost=project.eligible_cost,
        grant_amount=project.grant_amount,
        own_contribution=project.own_contribution,
        funding_rate=project.instrument.funding_rate,
        budget=budget,
        budget_total=budget_total,
        expenditure=expenditure,
        payments=payments,
        paid_total=paid,
        indicators=_indicators(project, as_of),
        reported_values=reported,
        history=history,
    )
