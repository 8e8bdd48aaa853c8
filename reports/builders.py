"""Report builders: the data of each report kind, gathered with SQL aggregates
into plain dataclasses that the PDF templates lay out.

Every builder costs a fixed number of queries whatever the number of projects,
payments or events. All figures reflect the data at one as-of moment
(`Cutoff`), so that sections of one report rendered by different workers agree:
payments count when paid on or before the cut-off date, indicator values when
reported on or before it, and projects and audit events when recorded at or
before the as-of time.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterMember,
    ExcellenceLabel,
    LabelLevel,
    MaturityLevel,
    NetworkMembership,
)
from core.models import AuditEvent
from core.money import ZERO, percent
from core.queries import MONEY, count_subquery, sum_subquery
from grants.models import (
    BudgetLine,
    IndicatorTarget,
    IndicatorValue,
    Instrument,
    InstrumentIndicator,
    Payment,
    Programme,
    Project,
    ProjectStatus,
)

QUANTITY = DecimalField(max_digits=18, decimal_places=2)
PROJECT_OBJECT_TYPE = "grants.project"


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# --------------------------------------------------------------------------- as-of rule


@dataclass(frozen=True)
class Cutoff:
    """The moment a report's data is read at. `date` is the last business date
    counted (payments' paid_on, indicator values' reported_on); `period_start`
    opens the reporting period when the report covers one."""

    as_of: datetime
    date: date
    period_start: date | None = None
    period_end: date | None = None

    @classmethod
    def for_params(cls, params: dict[str, Any], as_of: datetime) -> "Cutoff":
        """Cut-off date = the requested as-of date or period end, never later
        than the (local) date of the data's as-of time."""
        as_of_local_date = as_of.astimezone(local_zone()).date()
        period_start = _iso_date(params.get("period_start"))
        period_end = _iso_date(params.get("period_end"))
        requested = _iso_date(params.get("as_of_date")) or period_end or as_of_local_date
        return cls(
            as_of=as_of,
            date=min(requested, as_of_local_date),
            period_start=period_start,
            period_end=period_end,
        )

    @property
    def has_period(self) -> bool:
        return self.period_start is not None


def _iso_date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _created_after(as_of: datetime, outer: str = "pk") -> Exists:
    """True for a project whose creation was recorded after `as_of`. Rows
    loaded without an audit event (bulk imports) count as always existing."""
    return Exists(
        AuditEvent.objects.filter(
            object_type=PROJECT_OBJECT_TYPE,
            object_id=Cast(OuterRef(outer), output_field=CharField()),
            event_type="created",
            occurred_at__gt=as_of,
        )
    )


def projects_as_of(cutoff: Cutoff) -> QuerySet[Project]:
    """Projects that existed at the as-of time."""
    return Project.objects.exclude(_created_after(cutoff.as_of))


def _payments(cutoff: Cutoff, *, in_period: bool = False) -> QuerySet[Payment]:
    payments = Payment.objects.filter(paid_on__lte=cutoff.date).exclude(_created_after(cutoff.as_of, "project_id"))
    if in_period:
        payments = payments.filter(paid_on__gte=cutoff.period_start)
    return payments


def _indicator_values(cutoff: Cutoff) -> QuerySet[IndicatorValue]:
    return IndicatorValue.objects.filter(reported_on__lte=cutoff.date).exclude(
        _created_after(cutoff.as_of, "project_id")
    )


# --------------------------------------------------------------------------- programme / instrument report


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    name: str
    unit: str
    target: Decimal | None
    achieved: Decimal

    @property
    def percent_of_target(self) -> Decimal | None:
        return percent(self.achieved, self.target)


@dataclass(frozen=True)
class InstrumentRow:
    pk: int
    code: str
    name: str
    allocation: Decimal
    project_count: int
    contracted: Decimal
    paid: Decimal
    paid_in_period: Decimal | None
    indicators: list[IndicatorRow] = field(default_factory=list)

    @property
    def commitment_percent(self) -> Decimal | None:
        return percent(self.contracted, self.allocation)

    @property
    def absorption_percent(self) -> Decimal | None:
        return percent(self.paid, self.allocation)


@dataclass(frozen=True)
class Totals:
    allocation: Decimal
    project_count: int
    beneficiary_count: int
    contracted: Decimal
    paid: Decimal
    paid_in_period: Decimal | None

    @property
    def commitment_percent(self) -> Decimal | None:
        return percent(self.contracted, self.allocation)

    @property
    def absorption_percent(self) -> Decimal | None:
        return percent(self.paid, self.allocation)

    @property
    def paid_of_contracted_percent(self) -> Decimal | None:
        return percent(self.paid, self.contracted)


@dataclass(frozen=True)
class StatusRow:
    status: str
    label: str
    project_count: int
    contracted: Decimal


@dataclass(frozen=True)
class ProjectRow:
    code: str
    title: str
    beneficiary: str
    status_label: str
    grant: Decimal
    paid: Decimal

    @property
    def paid_percent(self) -> Decimal | None:
        return percent(self.paid, self.grant)


@dataclass(frozen=True)
class ProjectGroup:
    """The projects of one instrument inside one section of the annex."""

    instrument_code: str
    instrument_name: str
    continued: bool
    rows: list[ProjectRow]


@dataclass(frozen=True)
class TargetRow:
    """A national target of the cluster policy and where the registry stands."""

    text: str
    comparison: str
    target: Decimal
    unit: str
    actual: Decimal | None
    basis: str

    @property
    def met(self) -> bool | None:
        if self.actual is None:
            return None
        return self.actual > self.target if self.comparison == ">" else self.actual >= self.target

    @property
    def is_percent(self) -> bool:
        return self.unit.startswith("%")


@dataclass(frozen=True)
class LabelCount:
    level: str
    label: str
    clusters: int


@dataclass(frozen=True)
class Landscape:
    cluster_count: int
    member_organisations: int
    new_initiatives: int
    labelled_clusters: int
    labels: list[LabelCount]
    network_clusters: int
    network_memberships: int
    activities: dict[str, int]
    targets: list[TargetRow]

    @property
    def network_share(self) -> Decimal | None:
        return percent(self.network_clusters, self.cluster_count)


# The national targets of the cluster policy (DESIGN.md: data/seed_facts.json,
# "national_targets"): (id, text, comparison, value, unit).
NATIONAL_TARGETS = [
    ("networks", "Clusters participating in international networks", ">", "80", "% of clusters"),
    ("gold_label", "Clusters with a Gold Label of Excellence", ">=", "1", "clusters"),
    ("circular", "Clusters working with a circular economy strategy or projects", ">", "50", "% of clusters"),
    (
        "sustainability",
        "New cluster initiatives that take sustainability and going green into account",
        ">",
        "30",
        "% of new initiatives",
    ),
    ("digital", "Clusters working with a digitisation strategy or projects", ">", "90", "% of clusters"),
    ("pact_for_skills", "Clusters participating in the Pact for Skills", ">", "1", "clusters"),
    ("training", "Training initiatives aimed at skills improvement for clusters", ">", "1", "initiatives"),
    ("mature", "Clusters that are mature and self-sufficient", ">", "50", "% of clusters"),
]


@dataclass(frozen=True)
class ImplementationReport:
    """Programme report (scope "programme") or instrument report (scope "instrument")."""

    scope: str
    programme_code: str
    programme_name: str
    programme_period_start: date
    programme_period_end: date
    instrument_code: str | None
    instrument_name: str | None
    cutoff: Cutoff
    instruments: list[InstrumentRow]
    totals: Totals
    statuses: list[StatusRow]
    landscape: Landscape | None
    project_groups: list[ProjectGroup]
    project_offset: int
    include_front: bool

    @property
    def has_indicators(self) -> bool:
        return any(row.indicators for row in self.instruments)


def _instrument_rows(instruments: QuerySet[Instrument], cutoff: Cutoff) -> list[InstrumentRow]:
    """One query for the money, one for the indicators."""
    projects = projects_as_of(cutoff)
    annotations = {
        "project_count": count_subquery(projects, "instrument"),
        "contracted": sum_subquery(projects, "instrument", "grant_amount"),
        "paid": sum_subquery(_payments(cutoff), "project__instrument", "amount"),
    }
    if cutoff.has_period:
        annotations["paid_in_period"] = sum_subquery(_payments(cutoff, in_period=True), "project__instrument", "amount")
    rows = list(instruments.annotate(**annotations).order_by("code"))
    indicators: dict[int, list[IndicatorRow]] = {row.pk: [] for row in rows}
    achieved = (
        _indicator_values(cutoff)
        .filter(project__instrument=OuterRef("instrument"), indicator=OuterRef("indicator"))
        .order_by()
        .values("indicator")
        .annotate(total=Sum("value"))
        .values("total")
    )
    targets = (
        InstrumentIndicator.objects.filter(instrument__in=instruments)
        .annotate(achieved=Coalesce(Subquery(achieved, output_field=QUANTITY), Value(ZERO), output_field=QUANTITY))
        .values("instrument_id", "indicator__code", "indicator__name", "indicator__unit", "target_value", "achieved")
        .order_by("instrument__code", "indicator__code")
    )
    for target in targets:
        indicators[target["instrument_id"]].append(
            IndicatorRow(
                code=target["indicator__code"],
                name=target["indicator__name"],
                unit=target["indicator__unit"],
                target=target["target_value"],
                achieved=target["achieved"],
            )
        )
    return [
        InstrumentRow(
            pk=row.pk,
            code=row.code,
            name=row.name,
            allocation=row.allocation_amount,
            project_count=row.project_count,
            contracted=row.contracted,
            paid=row.paid,
            paid_in_period=getattr(row, "paid_in_period", None),
            indicators=indicators[row.pk],
        )
        for row in rows
    ]


def _totals(instruments: QuerySet[Instrument], cutoff: Cutoff) -> Totals:
    """Programme totals straight from the rows (three aggregate queries)."""
    allocation = instruments.aggregate(total=Coalesce(Sum("allocation_amount"), Value(ZERO), output_field=MONEY))
    projects = (
        projects_as_of(cutoff)
        .filter(instrument__in=instruments)
        .aggregate(
            n=Count("pk"),
            beneficiaries=Count("beneficiary", distinct=True),
            contracted=Coalesce(Sum("grant_amount"), Value(ZERO), output_field=MONEY),
        )
    )
    payment_sums = {"paid": Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY)}
    if cutoff.has_period:
        payment_sums["paid_in_period"] = Coalesce(
            Sum("amount", filter=Q(paid_on__gte=cutoff.period_start)), Value(ZERO), output_field=MONEY
        )
    paid = _payments(cutoff).filter(project__instrument__in=instruments).aggregate(**payment_sums)
    return Totals(
        allocation=allocation["total"],
        project_count=projects["n"],
        beneficiary_count=projects["beneficiaries"],
        contracted=projects["contracted"],
        paid=paid["paid"],
        paid_in_period=paid.get("paid_in_period"),
    )


def _statuses(instruments: QuerySet[Instrument], cutoff: Cutoff) -> list[StatusRow]:
    rows = (
        projects_as_of(cutoff)
        .filter(instrument__in=instruments)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"), contracted=Coalesce(Sum("grant_amount"), Value(ZERO), output_field=MONEY))
    )
    found = {row["status"]: row for row in rows}
    return [
        StatusRow(status=status, label=label, project_count=found[status]["n"], contracted=found[status]["contracted"])
        for status, label in ProjectStatus.choices
        if status in found
    ]


def count_projects(*, programme_id: int | None = None, instrument_id: int | None = None) -> int:
    """Projects in a report's scope now (sizes the split into sections)."""
    projects = Project.objects.all()
    if programme_id is not None:
        projects = projects.filter(instrument__programme_id=programme_id)
    if instrument_id is not None:
        projects = projects.filter(instrument_id=instrument_id)
    return projects.count()


def project_rows(instruments: QuerySet[Instrument], cutoff: Cutoff, start: int, stop: int | None) -> list[ProjectGroup]:
    """Projects `start`..`stop` of the annex (ordered by instrument and code),
    grouped by instrument, with what each has been paid: one query."""
    status_labels = dict(ProjectStatus.choices)
    rows = (
        projects_as_of(cutoff)
        .filter(instrument__in=instruments)
        .annotate(paid=sum_subquery(_payments(cutoff), "project", "amount"))
        .order_by("instrument__code", "code")
        .values_list(
            "instrument__code",
            "instrument__name",
            "code",
            "title",
            "beneficiary__name",
            "status",
            "grant_amount",
            "paid",
        )[start:stop]
    )
    groups: list[ProjectGroup] = []
    for instrument_code, instrument_name, code, title, beneficiary, status, grant, paid in rows:
        if not groups or groups[-1].instrument_code != instrument_code:
            groups.append(
                ProjectGroup(
                    instrument_code=instrument_code,
                    instrument_name=instrument_name,
                    continued=not groups and start > 0,
                    rows=[],
                )
            )
        groups[-1].rows.append(
            ProjectRow(
                code=code,
                title=title,
                beneficiary=beneficiary,
                status_label=status_labels.get(status, status),
                grant=grant,
                paid=paid,
            )
        )
    if groups and groups[0].continued:
        # The first group continues the previous section only if that section
        # ended inside the same instrument.
        previous = (
            projects_as_of(cutoff)
            .filter(instrument__in=instruments)
            .order_by("instrument__code", "code")
            .values_list("instrument__code", flat=True)[start - 1 : start]
        )
        if list(previous) != [groups[0].instrument_code]:
            groups[0] = ProjectGroup(
                instrument_code=groups[0].instrument_code,
                instrument_name=groups[0].instrument_name,
                continued=False,
                rows=groups[0].rows,
            )
    return groups


def _share(part: int, whole: int) -> Decimal | None:
    return percent(part, whole)


def build_landscape(cutoff: Cutoff) -> Landscape:
    """The cluster registry at the cut-off date against the national targets (five queries)."""
    day = cutoff.date
    active_network = NetworkMembership.objects.filter(cluster=OuterRef("pk"), joined_on__lte=day).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day)
    )
    clusters = (
        Cluster.objects.filter(established_on__lte=day)
        .annotate(in_network=Exists(active_network))
        .aggregate(
            total=Count("pk"),
            new=Count("pk", filter=Q(is_new_initiative=True)),
            new_sustainable=Count("pk", filter=Q(is_new_initiative=True, considers_sustainability=True)),
            networks=Count("pk", filter=Q(in_network=True)),
            circular=Count("pk", filter=Q(has_circular_economy_strategy=True)),
            digital=Count("pk", filter=Q(has_digitisation_strategy=True)),
            pact=Count("pk", filter=Q(in_pact_for_skills=True)),
            mature=Count("pk", filter=Q(maturity_level=MaturityLevel.SELF_SUFFICIENT)),
        )
    )
    network_memberships = (
        NetworkMembership.objects.filter(cluster__established_on__lte=day, joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
        .count()
    )
    members = (
        ClusterMember.objects.filter(cluster__established_on__lte=day, joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
        .aggregate(n=Count("organisation", distinct=True))["n"]
    )
    valid_labels = ExcellenceLabel.objects.filter(
        cluster__established_on__lte=day, awarded_on__lte=day, valid_until__gt=day
    )
    by_level = {
        row["level"]: row["n"]
        for row in valid_labels.order_by().values("level").annotate(n=Count("cluster", distinct=True))
    }
    labelled = valid_labels.aggregate(n=Count("cluster", distinct=True))["n"]
    activities = {
        row["kind"]: row["n"]
        for row in ClusterActivity.objects.filter(cluster__established_on__lte=day, held_on__lte=day)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
    }
    total = clusters["total"]
    actual = {
        "networks": (_share(clusters["networks"], total), f"{clusters['networks']} of {total} clusters"),
        "gold_label": (Decimal(by_level.get(LabelLevel.GOLD, 0)), "clusters with a valid Gold label"),
        "circular": (_share(clusters["circular"], total), f"{clusters['circular']} of {total} clusters"),
        "sustainability": (
            _share(clusters["new_sustainable"], clusters["new"]),
            f"{clusters['new_sustainable']} of {clusters['new']} new initiatives",
        ),
        "digital": (_share(clusters["digital"], total), f"{clusters['digital']} of {total} clusters"),
        "pact_for_skills": (Decimal(clusters["pact"]), "clusters in the Pact for Skills"),
        "training": (Decimal(activities.get(ActivityKind.TRAINING, 0)), "training activities held"),
        "mature": (_share(clusters["mature"], total), f"{clusters['mature']} of {total} clusters"),
    }
    targets = [
        TargetRow(
            text=text,
            comparison=comparison,
            target=Decimal(value),
            unit=unit,
            actual=actual[target_id][0],
            basis=actual[target_id][1],
        )
        for target_id, text, comparison, value, unit in NATIONAL_TARGETS
    ]
    return Landscape(
        cluster_count=total,
        member_organisations=members,
        new_initiatives=clusters["new"],
        labelled_clusters=labelled,
        labels=[LabelCount(level=v, label=label, clusters=by_level.get(v, 0)) for v, label in LabelLevel.choices],
        network_clusters=clusters["networks"],
        network_memberships=network_memberships,
        activities={label: activities.get(kind, 0) for kind, label in ActivityKind.choices},
        targets=targets,
    )


def build_implementation_report(
    *,
    cutoff: Cutoff,
    programme_id: int | None = None,
    instrument_id: int | None = None,
    include_front: bool = True,
    project_start: int = 0,
    project_stop: int | None = None,
) -> ImplementationReport:
    """The programme report (programme_id) or the instrument report
    (instrument_id). `include_front` adds everything before the project annex;
    project_start/stop choose which annex rows this section lists."""
    if instrument_id is not None:
        instrument = Instrument.objects.select_related("programme").get(pk=instrument_id)
        programme = instrument.programme
        instruments = Instrument.objects.filter(pk=instrument.pk)
        scope = "instrument"
    else:
        programme = Programme.objects.get(pk=programme_id)
        instrument = None
        instruments = Instrument.objects.filter(programme=programme)
        scope = "programme"
    if include_front:
        instrument_rows = _instrument_rows(instruments, cutoff)
        totals = _totals(instruments, cutoff)
        statuses = _statuses(instruments, cutoff)
        landscape = build_landscape(cutoff) if scope == "programme" else None
    else:
        instrument_rows, statuses, landscape = [], [], None
        totals = Totals(ZERO, 0, 0, ZERO, ZERO, None)
    groups = project_rows(instruments, cutoff, project_start, project_stop)
    return ImplementationReport(
        scope=scope,
        programme_code=programme.code,
        programme_name=programme.name,
        programme_period_start=programme.period_start,
        programme_period_end=programme.period_end,
        instrument_code=instrument.code if instrument else None,
        instrument_name=instrument.name if instrument else None,
        cutoff=cutoff,
        instruments=instrument_rows,
        totals=totals,
        statuses=statuses,
        landscape=landscape,
        project_groups=groups,
        project_offset=project_start,
        include_front=include_front,
    )


# --------------------------------------------------------------------------- project statement


@dataclass(frozen=True)
class BudgetRow:
    category_code: str
    category_name: str
    planned: Decimal
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
    cutoff: Cutoff
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
    grant: Decimal
    own_contribution: Decimal
    funding_rate: Decimal
    budget: list[BudgetRow]
    budget_total: Decimal
    payments: list[PaymentRow]
    paid: Decimal
    indicators: list[IndicatorRow]
    reported_values: list[ReportedValue]
    history: list[StatusChange]

    @property
    def remaining(self) -> Decimal:
        return self.grant - self.paid

    @property
    def paid_percent(self) -> Decimal | None:
        return percent(self.paid, self.grant)

    @property
    def effective_rate(self) -> Decimal | None:
        return percent(self.grant, self.eligible_cost)


def _actor_name(first: str | None, last: str | None, username: str | None) -> str:
    if username is None:
        return "System"
    full = f"{first or ''} {last or ''}".strip()
    return f"{full} ({username})" if full else username


def build_project_statement(*, project_id: int, cutoff: Cutoff) -> ProjectStatement:
    """Seven queries: project, partners, budget, payments, indicators, values, history."""
    project = Project.objects.select_related("instrument__programme", "call", "beneficiary").get(pk=project_id)
    partners = list(project.partners.order_by("name").values_list("name", flat=True))
    budget_rows = list(
        BudgetLine.objects.filter(project=project)
        .order_by("cost_category__code")
        .values_list("cost_category__code", "cost_category__name", "planned_amount")
    )
    budget_total = BudgetLine.objects.filter(project=project).aggregate(
        total=Coalesce(Sum("planned_amount"), Value(ZERO), output_field=MONEY)
    )["total"]
    kind_labels = dict(Payment._meta.get_field("kind").choices)
    payments = []
    cumulative = ZERO
    for paid_on, kind, amount in (
        Payment.objects.filter(project=project, paid_on__lte=cutoff.date)
        .order_by("paid_on", "pk")
        .values_list("paid_on", "kind", "amount")
    ):
        cumulative += amount
        payments.append(PaymentRow(paid_on=paid_on, kind_label=kind_labels[kind], amount=amount, cumulative=cumulative))
    paid = Payment.objects.filter(project=project, paid_on__lte=cutoff.date).aggregate(
        total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY)
    )["total"]
    # Every indicator of the instrument, with the project's own target where one is set.
    achieved = (
        IndicatorValue.objects.filter(project=project, indicator=OuterRef("indicator"), reported_on__lte=cutoff.date)
        .order_by()
        .values("indicator")
        .annotate(total=Sum("value"))
        .values("total")
    )
    target = IndicatorTarget.objects.filter(project=project, indicator=OuterRef("indicator")).values("target_value")
    indicators = [
        IndicatorRow(code=code, name=name, unit=unit, target=target_value, achieved=value)
        for code, name, unit, target_value, value in InstrumentIndicator.objects.filter(instrument=project.instrument)
        .annotate(
            project_target=Subquery(target, output_field=QUANTITY),
            achieved=Coalesce(Subquery(achieved, output_field=QUANTITY), Value(ZERO), output_field=QUANTITY),
        )
        .order_by("indicator__code")
        .values_list("indicator__code", "indicator__name", "indicator__unit", "project_target", "achieved")
    ]
    reported = [
        ReportedValue(reported_on=day, indicator_code=code, value=value)
        for day, code, value in IndicatorValue.objects.filter(project=project, reported_on__lte=cutoff.date)
        .order_by("reported_on", "indicator__code", "pk")
        .values_list("reported_on", "indicator__code", "value")
    ]
    status_labels = dict(ProjectStatus.choices)
    history = [
        StatusChange(
            occurred_at=event["occurred_at"],
            actor=_actor_name(event["actor__first_name"], event["actor__last_name"], event["actor__username"]),
            old=status_labels.get(event["old_values"].get("status"), str(event["old_values"].get("status", "–"))),
            new=status_labels.get(event["new_values"].get("status"), str(event["new_values"].get("status", "–"))),
        )
        for event in AuditEvent.objects.filter(
            object_type=PROJECT_OBJECT_TYPE,
            object_id=str(project.pk),
            event_type="status_changed",
            occurred_at__lte=cutoff.as_of,
        )
        .order_by("occurred_at", "pk")
        .values("occurred_at", "actor__username", "actor__first_name", "actor__last_name", "old_values", "new_values")
    ]
    beneficiary = project.beneficiary
    return ProjectStatement(
        cutoff=cutoff,
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
        grant=project.grant_amount,
        own_contribution=project.own_contribution,
        funding_rate=project.instrument.funding_rate,
        budget=[
            BudgetRow(category_code=code, category_name=name, planned=amount, share=percent(amount, budget_total))
            for code, name, amount in budget_rows
        ],
        budget_total=budget_total,
        payments=payments,
        paid=paid,
        indicators=indicators,
        reported_values=reported,
        history=history,
    )


# --------------------------------------------------------------------------- audit-trail extract


@dataclass(frozen=True)
class Change:
    name: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditRow:
    occurred_at: datetime
    actor: str
    event_type: str
    object_type: str
    object_id: str
    object_repr: str
    changes: list[Change]

    @property
    def change_text(self) -> str:
        """One line per changed value, 'name: old → new' (the PDF keeps the line breaks)."""
        return "\n".join(f"{c.name}: {c.old} → {c.new}" for c in self.changes) or "–"


@dataclass(frozen=True)
class AuditTrail:
    cutoff: Cutoff
    object_type: str | None
    object_id: str | None
    date_from: date | None
    date_to: date | None
    event_count: int
    rows: list[AuditRow]
    offset: int
    include_front: bool


MAX_VALUE_CHARS = 160


def _show(value: Any) -> str:
    if value is None:
        return "–"
    text = value if isinstance(value, str) else _compact(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_compact(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_compact(v) for v in value)
    return str(value)


def _changes(old: dict, new: dict) -> list[Change]:
    old = old if isinstance(old, dict) else {"value": old}
    new = new if isinstance(new, dict) else {"value": new}
    names = list(dict.fromkeys([*new.keys(), *old.keys()]))
    return [Change(name=str(n), old=_show(old.get(n)), new=_show(new.get(n))) for n in names]


def audit_events(
    as_of: datetime | None,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if as_of is not None:
        events = events.filter(occurred_at__lte=as_of)
    if object_type is not None:
        events = events.filter(object_type=object_type, object_id=object_id)
    zone = local_zone()
    if date_from is not None:
        events = events.filter(occurred_at__gte=datetime.combine(date_from, datetime.min.time(), tzinfo=zone))
    if date_to is not None:
        next_day = date.fromordinal(date_to.toordinal() + 1)
        events = events.filter(occurred_at__lt=datetime.combine(next_day, datetime.min.time(), tzinfo=zone))
    return events


def count_audit_events(**filters) -> int:
    """Events in scope now (sizes the split into sections)."""
    return audit_events(None, **filters).count()


def build_audit_trail(
    *,
    cutoff: Cutoff,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    include_front: bool = True,
    start: int = 0,
    stop: int | None = None,
) -> AuditTrail:
    """Two queries: the count, and the events start..stop with their actors."""
    events = audit_events(
        cutoff.as_of, object_type=object_type, object_id=object_id, date_from=date_from, date_to=date_to
    )
    count = events.count()
    rows = [
        AuditRow(
            occurred_at=event["occurred_at"],
            actor=_actor_name(event["actor__first_name"], event["actor__last_name"], event["actor__username"]),
            event_type=event["event_type"],
            object_type=event["object_type"],
            object_id=event["object_id"],
            object_repr=event["object_repr"],
            changes=_changes(event["old_values"], event["new_values"]),
        )
        for event in events.order_by("occurred_at", "pk").values(
            "occurred_at",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
            "event_type",
            "object_type",
            "object_id",
            "object_repr",
            "old_values",
            "new_values",
        )[start:stop]
    ]
    return AuditTrail(
        cutoff=cutoff,
        object_type=object_type,
        object_id=object_id,
        date_from=date_from,
        date_to=date_to,
        event_count=count,
        rows=rows,
        offset=start,
        include_front=include_front,
    )
