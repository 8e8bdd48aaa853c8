"""Financial and indicator progress per instrument — the one read model of
these figures, used by the home page, the instrument page and the reports —
with the programme's totals, its projects by status and the project list of
the report annex. Every function reads the data at one as-of moment
(grants.selectors.asof) and costs a fixed number of queries whatever the
portfolio's size. Sums are rounded to the cent once more in Python: SQLite adds
decimals as binary floats (PostgreSQL's numeric is exact), and amounts are
whole cents."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.i18n import localized, localized_value, value_language
from core.money import ZERO, percent, to_money
from core.queries import MONEY, count_subquery, sum_subquery
from grants.models import Instrument, InstrumentIndicator, Programme, Project, ProjectStatus, unit_label
from grants.selectors.asof import AsOf, indicator_values_as_of, payments_as_of, projects_as_of
from grants.selectors.budget import verified_items


class BilingualRow:
    """A row that carries a name in both languages (`name_lt`, `name_en`):
    `name` is the active language's (Lithuanian when the English one is
    blank), read when the row is shown, and `name_lang` its language, so
    that a page marks a fallback with lang="lt" ({% lang_of row %})."""

    name_lt: str
    name_en: str

    @property
    def name(self) -> str:
        return localized_value(self, "name")

    @property
    def name_lang(self) -> str:
        return value_language(self, "name")


@dataclass
class IndicatorProgress(BilingualRow):
    """`unit_code` is the unit's identifier (IndicatorUnit); `unit` what people
    read, in the active language."""

    code: str
    name_lt: str
    name_en: str
    unit_code: str
    target: Decimal | None
    achieved: Decimal

    @property
    def unit(self) -> str:
        return unit_label(self.unit_code)

    @property
    def percent_of_target(self) -> Decimal | None:
        return percent(self.achieved, self.target)


class FinancialRatios:
    """Commitment (contracted ÷ allocation) and absorption (paid ÷ allocation)
    of anything with those three amounts; declared eligible expenditure as a
    share of the contracted grant's eligible cost is not one of them (the
    report states the amount)."""

    allocation_amount: Decimal
    grant_total: Decimal
    paid_total: Decimal

    @property
    def commitment_percent(self) -> Decimal | None:
        return percent(self.grant_total, self.allocation_amount)

    @property
    def absorption_percent(self) -> Decimal | None:
        return percent(self.paid_total, self.allocation_amount)


@dataclass
class InstrumentProgress(BilingualRow, FinancialRatios):
    pk: int
    code: str
    name_lt: str
    name_en: str
    programme_id: int
    allocation_amount: Decimal
    project_count: int
    grant_total: Decimal
    paid_total: Decimal
    # Declared eligible expenditure: the eligible amount of the expenditure
    # items of approved or paid payment claims (grants.selectors.budget).
    verified_total: Decimal = Decimal("0.00")
    indicators: list[IndicatorProgress] = field(default_factory=list)
    # Paid within the reporting period; None when no period was asked for.
    paid_in_period: Decimal | None = None


def _instruments(programme: Programme | None, instrument_ids: list[int] | None) -> QuerySet[Instrument]:
    instruments = Instrument.objects.all()
    if programme is not None:
        instruments = instruments.filter(programme=programme)
    if instrument_ids is not None:
        instruments = instruments.filter(pk__in=instrument_ids)
    return instruments


def instrument_progress(
    *,
    as_of: datetime | None = None,
    period: tuple[date, date] | None = None,
    as_of_date: date | None = None,
    programme: Programme | None = None,
    instrument_ids: list[int] | None = None,
) -> list[InstrumentProgress]:
    """Projects, contracted grant, declared eligible expenditure, paid (and paid in `period`) and indicators
    per instrument, as of `as_of` (None: now) and the cut-off date (`as_of_date`
    or the period's end, never after `as_of`): two queries."""
    cutoff = AsOf.at(as_of, as_of_date=as_of_date, period=period)
    return instrument_progress_at(cutoff, instruments=_instruments(programme, instrument_ids))


def instrument_progress_at(cutoff: AsOf, *, instruments: QuerySet[Instrument]) -> list[InstrumentProgress]:
    """instrument_progress for an AsOf the caller already holds."""
    projects = projects_as_of(cutoff)
    annotations = {
        "project_count": count_subquery(projects, "instrument"),
        "grant_total": sum_subquery(projects, "instrument", "grant_amount"),
        "paid_total": sum_subquery(payments_as_of(cutoff), "project__instrument", "amount"),
        "verified_total": sum_subquery(verified_items(cutoff), "claim__project__instrument", "eligible_amount"),
    }
    if cutoff.has_period:
        annotations["paid_in_period"] = sum_subquery(
            payments_as_of(cutoff, in_period=True), "project__instrument", "amount"
        )
    rows = instruments.annotate(**annotations).order_by("programme_id", "code")
    result = {
        row.pk: InstrumentProgress(
            pk=row.pk,
            code=row.code,
            name_lt=row.name_lt,
            name_en=row.name_en,
            programme_id=row.programme_id,
            allocation_amount=row.allocation_amount,
            project_count=row.project_count,
            grant_total=to_money(row.grant_total),
            paid_total=to_money(row.paid_total),
            verified_total=to_money(row.verified_total),
            paid_in_period=to_money(row.paid_in_period) if cutoff.has_period else None,
        )
        for row in rows
    }
    achieved = (
        indicator_values_as_of(cutoff)
        .filter(project__instrument=OuterRef("instrument"), indicator=OuterRef("indicator"))
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
                name_lt=target.indicator.name_lt,
                name_en=target.indicator.name_en,
                unit_code=target.indicator.unit,
                target=target.target_value,
                achieved=to_money(target.achieved),
            )
        )
    return list(result.values())


@dataclass(frozen=True)
class ProgressTotals(FinancialRatios):
    """The sum of instrument rows, with the distinct beneficiaries of their projects."""

    allocation_amount: Decimal
    project_count: int
    beneficiary_count: int
    grant_total: Decimal
    paid_total: Decimal
    paid_in_period: Decimal | None
    verified_total: Decimal = Decimal("0.00")

    @property
    def paid_of_contracted_percent(self) -> Decimal | None:
        return percent(self.paid_total, self.grant_total)


def progress_totals(rows: list[InstrumentProgress], cutoff: AsOf) -> ProgressTotals:
    """Totals of `rows` (exact: every row is in cents) and their beneficiaries (one query)."""
    beneficiaries = (
        projects_as_of(cutoff)
        .filter(instrument__in=[row.pk for row in rows])
        .aggregate(n=Count("beneficiary", distinct=True))["n"]
    )
    return ProgressTotals(
        allocation_amount=sum((row.allocation_amount for row in rows), ZERO),
        project_count=sum(row.project_count for row in rows),
        beneficiary_count=beneficiaries,
        grant_total=sum((row.grant_total for row in rows), ZERO),
        paid_total=sum((row.paid_total for row in rows), ZERO),
        paid_in_period=sum((row.paid_in_period for row in rows), ZERO) if cutoff.has_period else None,
        verified_total=sum((row.verified_total for row in rows), ZERO),
    )


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    project_count: int
    grant_total: Decimal


def projects_by_status(instruments: QuerySet[Instrument], cutoff: AsOf) -> list[StatusCount]:
    """Projects and contracted grant per status, in the statuses' order: one query."""
    rows = (
        projects_as_of(cutoff)
        .filter(instrument__in=instruments)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"), total=Coalesce(Sum("grant_amount"), Value(ZERO), output_field=MONEY))
    )
    found = {row["status"]: row for row in rows}
    return [
        StatusCount(
            status=status, label=label, project_count=found[status]["n"], grant_total=to_money(found[status]["total"])
        )
        for status, label in ProjectStatus.choices
        if status in found
    ]


def count_projects(*, programme_id: int | None = None, instrument_id: int | None = None) -> int:
    """Projects in a programme or instrument now (sizes a report's split into sections)."""
    projects = Project.objects.all()
    if programme_id is not None:
        projects = projects.filter(instrument__programme_id=programme_id)
    if instrument_id is not None:
        projects = projects.filter(instrument_id=instrument_id)
    return projects.count()


@dataclass(frozen=True)
class ProjectProgress:
    code: str
    title: str
    beneficiary: str
    status_label: str
    grant_amount: Decimal
    paid_total: Decimal

    @property
    def paid_percent(self) -> Decimal | None:
        return percent(self.paid_total, self.grant_amount)


@dataclass(frozen=True)
class ProjectGroup:
    """Consecutive projects of one instrument in a slice of the project list."""

    instrument_code: str
    instrument_name: str
    continued: bool
    rows: list[ProjectProgress]


def project_progress_groups(
    instruments: QuerySet[Instrument], cutoff: AsOf, start: int, stop: int | None
) -> list[ProjectGroup]:
    """Projects `start`..`stop` (ordered by instrument and code), grouped by
    instrument (its name in the active language), with what each has been paid: one query (two when the slice
    starts inside the list, to tell whether it continues an instrument)."""
    status_labels = dict(ProjectStatus.choices)
    projects = projects_as_of(cutoff).filter(instrument__in=instruments).order_by("instrument__code", "code")
    rows = projects.annotate(
        paid=sum_subquery(payments_as_of(cutoff), "project", "amount"),
        instrument_name=localized("instrument__name"),
    ).values_list(
        "instrument__code", "instrument_name", "code", "title", "beneficiary__name", "status", "grant_amount", "paid"
    )[start:stop]
    groups: list[ProjectGroup] = []
    for instrument_code, instrument_name, code, title, beneficiary, status, grant, paid in rows:
        if not groups or groups[-1].instrument_code != instrument_code:
            groups.append(ProjectGroup(instrument_code, instrument_name, continued=False, rows=[]))
        groups[-1].rows.append(
            ProjectProgress(
                code=code,
                title=title,
                beneficiary=beneficiary,
                status_label=status_labels.get(status, status),
                grant_amount=grant,
                paid_total=to_money(paid),
            )
        )
    if groups and start > 0:
        previous = list(projects.values_list("instrument__code", flat=True)[start - 1 : start])
        if previous == [groups[0].instrument_code]:
            first = groups[0]
            groups[0] = ProjectGroup(first.instrument_code, first.instrument_name, continued=True, rows=first.rows)
    return groups
