"""Reads for the programme overview and the instrument page: each programme's
instruments with a total row, an instrument with its calls and figures, and its
projects. Every function costs a fixed number of queries."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from core.money import ZERO, percent
from core.queries import sum_subquery
from grants.models import Call, Instrument, Payment, Programme, Project
from grants.selectors.progress import InstrumentProgress, instrument_progress


@dataclass
class ProgrammeTotal:
    """The sum of a programme's instrument rows (the TOTAL row of the overview)."""

    project_count: int
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
class ProgrammeOverview:
    programme: Programme
    instruments: list[InstrumentProgress]
    total: ProgrammeTotal

    @property
    def has_indicators(self) -> bool:
        return any(row.indicators for row in self.instruments)


def programme_total(rows: list[InstrumentProgress]) -> ProgrammeTotal:
    return ProgrammeTotal(
        project_count=sum(row.project_count for row in rows),
        allocation_amount=sum((row.allocation_amount for row in rows), ZERO),
        grant_total=sum((row.grant_total for row in rows), ZERO),
        paid_total=sum((row.paid_total for row in rows), ZERO),
    )


def programme_overview() -> list[ProgrammeOverview]:
    """Every programme that has instruments, with its instrument rows (from the
    one per-instrument read model, grants.selectors.progress) and their total."""
    rows = instrument_progress()
    by_programme: dict[int, list[InstrumentProgress]] = {}
    for row in rows:
        by_programme.setdefault(row.programme_id, []).append(row)
    programmes = Programme.objects.in_bulk(list(by_programme))
    return [
        ProgrammeOverview(programme=programmes[pk], instruments=instrument_rows, total=programme_total(instrument_rows))
        for pk, instrument_rows in sorted(by_programme.items(), key=lambda item: programmes[item[0]].code)
    ]


def instrument_get(pk: int) -> Instrument:
    """The instrument with its programme, or 404."""
    return get_object_or_404(Instrument.objects.select_related("programme"), pk=pk)


def instrument_figures(instrument: Instrument) -> InstrumentProgress | None:
    """The instrument's row of the per-instrument read model: money and indicators."""
    rows = instrument_progress(programme=instrument.programme)
    return next((row for row in rows if row.pk == instrument.pk), None)


def instrument_calls(instrument: Instrument) -> QuerySet[Call]:
    """The instrument's calls with what each has contracted, in one query."""
    return (
        Call.objects.filter(instrument=instrument)
        .annotate(grant_total=sum_subquery(Project.objects.all(), "call", "grant_amount"))
        .order_by("opens_at", "code")
    )


def instrument_projects(instrument: Instrument) -> QuerySet[Project]:
    """The instrument's projects with their beneficiary and what has been paid,
    one row per project; the page filters, sorts and pages this queryset."""
    return (
        Project.objects.filter(instrument=instrument)
        .select_related("beneficiary")
        .annotate(paid_total=sum_subquery(Payment.objects.all(), "project", "amount"))
        .order_by("code")
    )
