"""Financial and indicator progress per instrument, with joins and sums in SQL.
Each function costs a fixed number of queries whatever the portfolio's size.
Sums are rounded to the cent once more in Python: SQLite adds decimals as
binary floats (PostgreSQL's numeric is exact), and amounts are whole cents."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.money import ZERO, percent, to_money
from core.queries import MONEY, count_subquery, sum_subquery
from grants.models import IndicatorValue, Instrument, InstrumentIndicator, Payment, Programme, Project


@dataclass
class IndicatorProgress:
    code: str
    name: str
    unit: str
    target: Decimal
    achieved: Decimal

    @property
    def percent_of_target(self) -> Decimal | None:
        return percent(self.achieved, self.target)


@dataclass
class InstrumentProgress:
    pk: int
    code: str
    name: str
    programme_id: int
    allocation_amount: Decimal
    project_count: int
    grant_total: Decimal
    paid_total: Decimal
    indicators: list[IndicatorProgress] = field(default_factory=list)

    @property
    def commitment_percent(self) -> Decimal | None:
        return percent(self.grant_total, self.allocation_amount)

    @property
    def absorption_percent(self) -> Decimal | None:
        return percent(self.paid_total, self.allocation_amount)


def instrument_progress(
    *, programme: Programme | None = None, instrument_ids: list[int] | None = None
) -> list[InstrumentProgress]:
    """Projects, contracted grant, paid and indicators per instrument: two queries."""
    instruments = Instrument.objects.all()
    if programme is not None:
        instruments = instruments.filter(programme=programme)
    if instrument_ids is not None:
        instruments = instruments.filter(pk__in=instrument_ids)
    rows = instruments.annotate(
        project_count=count_subquery(Project.objects.all(), "instrument"),
        grant_total=sum_subquery(Project.objects.all(), "instrument", "grant_amount"),
        paid_total=sum_subquery(Payment.objects.all(), "project__instrument", "amount"),
    ).order_by("programme_id", "code")
    result = {
        row.pk: InstrumentProgress(
            pk=row.pk,
            code=row.code,
            name=row.name,
            programme_id=row.programme_id,
            allocation_amount=row.allocation_amount,
            project_count=row.project_count,
            grant_total=to_money(row.grant_total),
            paid_total=to_money(row.paid_total),
        )
        for row in rows
    }
    achieved = (
        IndicatorValue.objects.filter(project__instrument=OuterRef("instrument"), indicator=OuterRef("indicator"))
        .order_by()
        .values("indicator")
        .annotate(total=Sum("value"))
        .values("total")
    )
    targets = (
        InstrumentIndicator.objects.filter(instrument__in=list(result))
        .select_related("indicator")
        .annotate(achieved=Coalesce(Subquery(achieved, output_field=MONEY), Value(ZERO), output_field=MONEY))
        .order_by("instrument_id", "indicator__code")
    )
    for target in targets:
        result[target.instrument_id].indicators.append(
            IndicatorProgress(
                code=target.indicator.code,
                name=target.indicator.name,
                unit=target.indicator.unit,
                target=target.target_value,
                achieved=to_money(target.achieved),
            )
        )
    return list(result.values())
