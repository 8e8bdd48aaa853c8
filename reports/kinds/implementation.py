"""What the programme and the instrument implementation reports share: the
period-or-as-of parameters, the figures (read through grants.selectors.progress
and, for a programme, clusters.selectors), and the split of the project annex
into sections. Not a kind itself: reports/kinds/programme.py and instrument.py are."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from clusters.selectors import Landscape, cluster_landscape
from grants.models import Instrument
from grants.selectors.asof import AsOf
from grants.selectors.progress import (
    InstrumentProgress,
    ProgressTotals,
    ProjectGroup,
    StatusCount,
    instrument_progress_at,
    progress_totals,
    project_progress_groups,
    projects_by_status,
)
from reports import charts
from reports.kinds import params as p
from reports.kinds.base import ReportKindBase
from reports.kinds.scorecard import scorecard_context

# Projects per section of a long report (one worker renders each section).
PROJECTS_PER_SECTION = 1500
PERIOD_FIELDS = ("as_of_date", "period_start", "period_end")


@dataclass(frozen=True)
class ImplementationReport:
    """The data of one section of a programme or instrument report."""

    scope: str
    programme_code: str
    programme_name: str
    programme_period_start: date
    programme_period_end: date
    instrument_code: str | None
    instrument_name: str | None
    as_of: AsOf
    instruments: list[InstrumentProgress]
    totals: ProgressTotals | None
    statuses: list[StatusCount]
    landscape: Landscape | None
    project_groups: list[ProjectGroup]
    project_offset: int
    include_front: bool

    @property
    def has_indicators(self) -> bool:
        return any(row.indicators for row in self.instruments)


class ImplementationKind(ReportKindBase):
    """Base of the programme and instrument reports."""

    rows_per_section: ClassVar[int] = PROJECTS_PER_SECTION
    with_landscape: ClassVar[bool] = False
    # The report's subject: its parameter (the first of `fields`), model and noun.
    subject_model: ClassVar[type]
    subject_noun: ClassVar[str]

    @property
    def subject_param(self) -> str:
        return self.fields[0]

    def form_fields(self, user) -> dict[str, Any]:
        return p.period_form_fields()

    def clean(self, params: dict) -> dict:
        params = p.require_object(params)
        p.reject_unknown(params, set(self.fields))
        subject_id = p.clean_existing(params, self.subject_param, self.subject_model, noun=self.subject_noun)
        return {self.subject_param: subject_id, **p.clean_period_or_as_of(params)}

    def subject(self, params: dict) -> str:
        subject_id = params.get(self.subject_param)
        row = self.subject_model.objects.filter(pk=subject_id).first()
        return row.name if row else f"{self.subject_model._meta.verbose_name} {subject_id}"

    def when(self, params: dict) -> str:
        if params.get("period_start"):
            return f"{params['period_start']} – {params['period_end']}"
        return _("as of %(date)s") % {"date": params.get("as_of_date") or p.today().isoformat()}

    def title(self, params: dict) -> str:
        return f"{super().title(params)}, {self.when(params)}"

    def running_when(self, params: dict, as_of: datetime) -> str:
        when = self.when(params)
        return when[0].upper() + when[1:]

    def day(self, params: dict) -> str:
        return params.get("period_end") or params.get("as_of_date") or p.today().isoformat()

    def scope(self, params: dict) -> tuple[Any, Instrument | None, QuerySet[Instrument]]:
        """(programme, instrument or None, the instruments the report covers)."""
        raise NotImplementedError

    def build(self, params: dict, as_of: AsOf, index: int = 0) -> ImplementationReport:
        """Section `index`: the front matter (summary, tables, landscape) in
        section 0, and its slice of the project annex."""
        programme, instrument, instruments = self.scope(params)
        first = index == 0
        rows, totals, statuses, landscape = [], None, [], None
        if first:
            rows = instrument_progress_at(as_of, instruments=instruments)
            totals = progress_totals(rows, as_of)
            statuses = projects_by_status(instruments, as_of)
            landscape = cluster_landscape(as_of.date) if self.with_landscape else None
        start, stop = self.section_rows(index)
        return ImplementationReport(
            scope=self.code,
            programme_code=programme.code,
            programme_name=programme.name,
            programme_period_start=programme.period_start,
            programme_period_end=programme.period_end,
            instrument_code=instrument.code if instrument else None,
            instrument_name=instrument.name if instrument else None,
            as_of=as_of,
            instruments=rows,
            totals=totals,
            statuses=statuses,
            landscape=landscape,
            project_groups=project_progress_groups(instruments, as_of, start, stop),
            project_offset=start,
            include_front=first,
        )

    def context(self, params: dict, as_of: AsOf, index: int) -> tuple[dict[str, Any], bool]:
        report = self.build(params, as_of, index)
        context: dict[str, Any] = {"report": report}
        if report.include_front:
            context["finance_chart"] = charts.finance_chart(report.instruments)
            if report.has_indicators:
                context["indicator_chart"] = charts.indicator_chart(report.instruments)
            if report.landscape is not None:
                # The national scorecard, the same as its page and its own report.
                context.update(scorecard_context(report.landscape.scorecard, first_figure=3))
        return context, not report.include_front and not report.project_groups
