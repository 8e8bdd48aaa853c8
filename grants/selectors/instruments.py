"""Reads for the programme overview and the instrument page: each programme's
instruments with a total row, an instrument with its calls and figures, and its
projects. Every function costs a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from core.queries import sum_subquery
from grants.models import Call, Instrument, Payment, Programme, Project
from grants.selectors.asof import AsOf
from grants.selectors.progress import (
    InstrumentProgress,
    ProgressTotals,
    instrument_progress,
    instrument_progress_at,
    progress_totals,
)


@dataclass
class ProgrammeOverview:
    programme: Programme
    instruments: list[InstrumentProgress]
    total: ProgressTotals

    @property
    def has_indicators(self) -> bool:
        return any(row.indicators for row in self.instruments)


def programme_overview(*, as_of: datetime | None = None) -> list[ProgrammeOverview]:
    """Every programme that has instruments, with its instrument rows and their
    total, from the one per-instrument read model (grants.selectors.progress)
    that the reports print too, all read at one moment (default: now). Costs
    three queries and one per programme (its distinct beneficiaries)."""
    cutoff = AsOf.at(as_of)
    by_programme: dict[int, list[InstrumentProgress]] = {}
    for row in instrument_progress_at(cutoff, instruments=Instrument.objects.all()):
        by_programme.setdefault(row.programme_id, []).append(row)
    programmes = Programme.objects.in_bulk(list(by_programme))
    return [
        ProgrammeOverview(programme=programmes[pk], instruments=rows, total=progress_totals(rows, cutoff))
        for pk, rows in sorted(by_programme.items(), key=lambda item: programmes[item[0]].code)
    ]


def instrument_get(pk: int) -> Instrument:
    """The instrument with its programme, or 404."""
    return get_object_or_404(Instrument.objects.select_related("programme"), pk=pk)


def instrument_figures(instrument: Instrument) -> InstrumentProgress | None:
    """The instrument's row of the per-instrument read model: money and indicators."""
    rows = instrument_progress(instrument_ids=[instrument.pk])
    return rows[0] if rows else None


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
