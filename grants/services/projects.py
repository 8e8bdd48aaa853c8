"""Projects (grant agreements), their budget lines, status and indicators."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from clusters.models import Organisation
from core.audit import audit_event_build, audit_record, field_values
from core.concurrency import version_bump, version_check
from core.errors import ApplicationError
from core.formatting import format_money, format_percent
from core.models import AuditEvent, AuditEventType
from core.money import ZERO, apply_rate, to_money
from core.permissions import Access
from core.workflow import transition
from grants.models import (
    CLAIM_OPEN,
    BudgetLine,
    Call,
    ClaimKind,
    ClaimStatus,
    CostCategory,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Instrument,
    PaymentClaim,
    Project,
    ProjectStatus,
)
from grants.services.instruments import target_set

PROJECT_TRANSITIONS = {
    ProjectStatus.CONTRACTED: frozenset({ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.TERMINATED}),
    ProjectStatus.IN_IMPLEMENTATION: frozenset(
        {ProjectStatus.SUSPENDED, ProjectStatus.COMPLETED, ProjectStatus.TERMINATED}
    ),
    ProjectStatus.SUSPENDED: frozenset({ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.TERMINATED}),
    ProjectStatus.COMPLETED: frozenset({ProjectStatus.CLOSED}),
    ProjectStatus.CLOSED: frozenset(),
    ProjectStatus.TERMINATED: frozenset(),
}


def _check_budget(
    instrument: Instrument, budget: dict[CostCategory, Decimal], allowed: set[int] | None = None
) -> dict[CostCategory, Decimal]:
    """`allowed`: the instrument's eligible cost categories' pks, when the
    caller has read them already (projects_create_bulk)."""
    if not budget:
        raise ApplicationError(_("A project needs at least one budget line."), field="budget")
    if allowed is None:
        allowed = set(instrument.eligible_cost_categories.values_list("pk", flat=True))
    checked = {}
    for category, amount in budget.items():
        if category.pk not in allowed:
            raise ApplicationError(
                _("“%(category)s” is not an eligible cost category of %(code)s.")
                % {"category": category.name, "code": instrument.code},
                field="budget",
            )
        amount = to_money(amount)
        if amount < ZERO:
            raise ApplicationError(
                _("The budget line “%(category)s” cannot be negative.") % {"category": category.name}, field="budget"
            )
        checked[category] = amount
    return checked


def _check_grant(instrument: Instrument, eligible_cost: Decimal, grant_amount: Decimal) -> None:
    if grant_amount < ZERO:
        raise ApplicationError(_("The grant cannot be negative."), field="grant_amount")
    ceiling = apply_rate(eligible_cost, instrument.funding_rate)
    if grant_amount > ceiling:
        raise ApplicationError(
            _("The grant of %(grant)s exceeds %(rate)s of the eligible costs (%(ceiling)s).")
            % {
                "grant": format_money(grant_amount),
                "rate": format_percent(instrument.funding_rate),
                "ceiling": format_money(ceiling),
            },
            field="grant_amount",
        )
    if grant_amount > instrument.max_grant_amount:
        raise ApplicationError(
            _("The grant of %(grant)s exceeds the maximum of %(maximum)s per project of %(code)s.")
            % {
                "grant": format_money(grant_amount),
                "maximum": format_money(instrument.max_grant_amount),
                "code": instrument.code,
            },
            field="grant_amount",
        )


def _check_envelope(instrument: Instrument, call: Call | None, grant_amount: Decimal) -> None:
    """Grants awarded in a call stay within its budget, and all grants of an
    instrument within its allocation. The caller holds the row locks."""
    awarded = (call.projects.aggregate(total=Sum("grant_amount"))["total"] or ZERO) if call is not None else ZERO
    contracted = instrument.projects.aggregate(total=Sum("grant_amount"))["total"] or ZERO
    _check_envelope_totals(instrument, call, awarded, contracted, grant_amount)


def _check_envelope_totals(
    instrument: Instrument, call: Call | None, awarded: Decimal, contracted: Decimal, grant_amount: Decimal
) -> None:
    """_check_envelope's rule, given the grants already awarded in the call
    and contracted under the instrument."""
    if call is not None and awarded + grant_amount > call.budget_amount:
        raise ApplicationError(
            _("Grants in call %(code)s would exceed its budget of %(budget)s (%(left)s left).")
            % {
                "code": call.code,
                "budget": format_money(call.budget_amount),
                "left": format_money(call.budget_amount - awarded),
            },
            field="grant_amount",
        )
    if contracted + grant_amount > instrument.allocation_amount:
        raise ApplicationError(
            _("Grants of %(code)s would exceed its allocation of %(allocation)s (%(left)s left).")
            % {
                "code": instrument.code,
                "allocation": format_money(instrument.allocation_amount),
                "left": format_money(instrument.allocation_amount - contracted),
            },
            field="grant_amount",
        )


def project_create(
    *,
    actor,
    instrument: Instrument,
    call: Call | None = None,
    code: str,
    title: str,
    beneficiary: Organisation,
    partners: list[Organisation] | tuple = (),
    start_date: date,
    end_date: date,
    budget: dict[CostCategory, Decimal],
    grant_amount: Decimal | None = None,
    funding_rate: Decimal | None = None,
    occurred_at: datetime | None = None,
) -> Project:
    """Contract a project. The eligible cost is the sum of its budget lines; the
    funding rate defaults to the call's (else the instrument's), the grant to
    eligible cost × the instrument's rate, capped by its maximum."""
    if end_date < start_date:
        raise ApplicationError(_("The project must end on or after its start date."), field="end_date")
    if call is not None and call.instrument_id != instrument.pk:
        raise ApplicationError(_("Call %(code)s belongs to another instrument.") % {"code": call.code}, field="call")
    if beneficiary in partners:
        raise ApplicationError(_("The beneficiary cannot also be a partner."), field="partners")
    with transaction.atomic():
        instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
        if call is not None:
            call = Call.objects.select_for_update().get(pk=call.pk)
        budget = _check_budget(instrument, budget)
        eligible_cost = sum(budget.values(), ZERO)
        if grant_amount is None:
            grant_amount = min(apply_rate(eligible_cost, instrument.funding_rate), instrument.max_grant_amount)
        grant_amount = to_money(grant_amount)
        _check_grant(instrument, eligible_cost, grant_amount)
        _check_envelope(instrument, call, grant_amount)
        project = Project.objects.create(
            code=code,
            title=title,
            instrument=instrument,
            call=call,
            beneficiary=beneficiary,
            start_date=start_date,
            end_date=end_date,
            eligible_cost=eligible_cost,
            grant_amount=grant_amount,
            own_contribution=eligible_cost - grant_amount,
            funding_rate=_agreement_rate(instrument, call, funding_rate),
        )
        if partners:
            project.partners.set(partners)
        BudgetLine.objects.bulk_create(
            BudgetLine(project=project, cost_category=category, planned_amount=amount)
            for category, amount in budget.items()
        )
        audit_record(
            actor=actor,
            obj=project,
            event_type=AuditEventType.CREATED,
            new={
                **field_values(project, ["code", "status", "eligible_cost", "grant_amount", "own_contribution"]),
                "budget": {c.code: a for c, a in budget.items()},
            },
            occurred_at=occurred_at,
        )
    return project


@dataclass
class NewProject:
    """One project of projects_create_bulk: project_create's arguments, and
    the indicator targets (indicator_target_set's) to contract with it."""

    code: str
    title: str
    beneficiary: Organisation
    start_date: date
    end_date: date
    budget: dict[CostCategory, Decimal]
    partners: list[Organisation] | tuple = ()
    grant_amount: Decimal | None = None
    funding_rate: Decimal | None = None
    targets: dict[Indicator, Decimal] = field(default_factory=dict)


def _agreement_rate(instrument: Instrument, call: Call | None, funding_rate: Decimal | None) -> Decimal:
    """The funding rate written into the agreement: the one given (the
    envelope's, from the decision), else the call's, else the instrument's."""
    rate = Decimal(funding_rate if funding_rate is not None else (call or instrument).funding_rate)
    if not ZERO < rate <= Decimal(100):
        raise ApplicationError(_("The funding rate must be more than 0 and at most 100 %."), field="funding_rate")
    return rate


def projects_create_bulk(
    *,
    actor,
    instrument: Instrument,
    call: Call | None = None,
    projects: list[NewProject],
    occurred_at: datetime | None = None,
) -> list[Project]:
    """Contract many projects at once (the funding decision): each project is
    checked exactly as project_create checks it, in order, the call's budget
    and the instrument's allocation counting the projects before it; the
    indicator targets as indicator_target_set checks them. A fixed number of
    queries (bulk inserts), whatever the number of projects. Returns the
    projects in the order given."""
    if not projects:
        return []
    if call is not None and call.instrument_id != instrument.pk:
        raise ApplicationError(_("Call %(code)s belongs to another instrument.") % {"code": call.code}, field="call")
    for spec in projects:
        if spec.end_date < spec.start_date:
            raise ApplicationError(_("The project must end on or after its start date."), field="end_date")
        if spec.beneficiary in spec.partners:
            raise ApplicationError(_("The beneficiary cannot also be a partner."), field="partners")
    with transaction.atomic():
        instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
        if call is not None:
            call = Call.objects.select_for_update().get(pk=call.pk)
        allowed = set(instrument.eligible_cost_categories.values_list("pk", flat=True))
        indicators = set(instrument.indicator_targets.values_list("indicator_id", flat=True))
        awarded = (call.projects.aggregate(total=Sum("grant_amount"))["total"] or ZERO) if call is not None else ZERO
        contracted = instrument.projects.aggregate(total=Sum("grant_amount"))["total"] or ZERO
        created: list[tuple[Project, NewProject, dict[CostCategory, Decimal]]] = []
        for spec in projects:
            budget = _check_budget(instrument, spec.budget, allowed)
            eligible_cost = sum(budget.values(), ZERO)
            grant_amount = spec.grant_amount
            if grant_amount is None:
                grant_amount = min(apply_rate(eligible_cost, instrument.funding_rate), instrument.max_grant_amount)
            grant_amount = to_money(grant_amount)
            _check_grant(instrument, eligible_cost, grant_amount)
            _check_envelope_totals(instrument, call, awarded, contracted, grant_amount)
            awarded += grant_amount
            contracted += grant_amount
            for indicator, target_value in spec.targets.items():
                if indicator.pk not in indicators:
                    raise ApplicationError(
                        _("%(indicator)s is not an indicator of %(instrument)s.")
                        % {"indicator": indicator.code, "instrument": instrument.code},
                        field="indicator",
                    )
                if Decimal(target_value) < 0:
                    raise ApplicationError(_("An indicator target cannot be negative."), field="target_value")
            project = Project(
                code=spec.code,
                title=spec.title,
                instrument=instrument,
                call=call,
                beneficiary=spec.beneficiary,
                start_date=spec.start_date,
                end_date=spec.end_date,
                eligible_cost=eligible_cost,
                grant_amount=grant_amount,
                own_contribution=eligible_cost - grant_amount,
                funding_rate=_agreement_rate(instrument, call, spec.funding_rate),
            )
            created.append((project, spec, budget))
        Project.objects.bulk_create([project for project, _spec, _budget in created])
        partnership = Project.partners.through
        partnership.objects.bulk_create(
            partnership(project_id=project.pk, organisation_id=partner.pk)
            for project, spec, _budget in created
            for partner in spec.partners
        )
        BudgetLine.objects.bulk_create(
            BudgetLine(project=project, cost_category=category, planned_amount=amount)
            for project, _spec, budget in created
            for category, amount in budget.items()
        )
        targets = IndicatorTarget.objects.bulk_create(
            IndicatorTarget(project=project, indicator=indicator, target_value=target_value)
            for project, spec, _budget in created
            for indicator, target_value in spec.targets.items()
        )
        events = [
            audit_event_build(
                actor=actor,
                obj=project,
                event_type=AuditEventType.CREATED,
                new={
                    **field_values(project, ["code", "status", "eligible_cost", "grant_amount", "own_contribution"]),
                    "budget": {c.code: a for c, a in budget.items()},
                },
                occurred_at=occurred_at,
            )
            for project, _spec, budget in created
        ]
        events += [
            audit_event_build(
                actor=actor,
                obj=target,
                event_type=AuditEventType.TARGET_SET,
                new={"target_value": target.target_value},
                occurred_at=occurred_at,
            )
            for target in targets
        ]
        AuditEvent.objects.bulk_create(events)
    return [project for project, _spec, _budget in created]


def project_closing_problems(project: Project) -> list[str]:
    """What still keeps a completed project from closing, one message per
    unmet precondition (empty: it may close): a paid final claim, a reported
    value for every indicator target, no claim still open."""
    problems = []
    if not PaymentClaim.objects.filter(project=project, kind=ClaimKind.FINAL, status=ClaimStatus.PAID).exists():
        problems.append(_("The project has no paid final payment claim."))
    unreported = list(
        project.indicator_targets.exclude(
            indicator_id__in=IndicatorValue.objects.filter(project=project).values("indicator_id")
        )
        .order_by("indicator__code")
        .values_list("indicator__code", flat=True)
    )
    if unreported:
        problems.append(
            _("No value has been reported for the indicator target(s) %(codes)s.") % {"codes": ", ".join(unreported)}
        )
    open_claims = PaymentClaim.objects.filter(project=project, status__in=CLAIM_OPEN).order_by("number")
    numbers = [f"{project.code}-MP{number}" for number in open_claims.values_list("number", flat=True)]
    if numbers:
        problems.append(
            _("Payment claim(s) %(claims)s are still open; finish them (paid or rejected) first.")
            % {"claims": ", ".join(numbers)}
        )
    return problems


def project_transition(
    *,
    actor,
    project: Project,
    to_status: str,
    occurred_at: datetime | None = None,
    check_closing: bool = True,
) -> Project:
    """Move the project along PROJECT_TRANSITIONS. Closing (completed → closed)
    also needs project_closing_problems to be empty, checked under the
    project's row lock. `check_closing=False` is only for recording a closing
    that happened outside Fondas (history imported with `occurred_at`), never
    for a page or the API."""
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if to_status == ProjectStatus.CLOSED and check_closing and locked.status == ProjectStatus.COMPLETED:
            problems = project_closing_problems(locked)
            if problems:
                raise ApplicationError(" ".join(problems), field="status", details={"problems": problems})
        return transition(
            actor=actor, obj=project, to_status=to_status, allowed=PROJECT_TRANSITIONS, occurred_at=occurred_at
        )


PROJECT_EDITABLE_FIELDS = ["title", "start_date", "end_date"]
_UNSET = object()


def project_update(*, actor, project: Project, version: int | None, title=_UNSET, start_date=_UNSET, end_date=_UNSET):
    """An officer corrects the project's title or dates (optimistic locking:
    `version` is the one the edit was made from; a stale one raises
    StaleEditError and the other person's change is kept). The dates stay in
    order and within the programme period. A change of the agreement that the
    beneficiary asks for is an amendment (grants.services.amendments)."""
    if not Access.of(actor).manages_programme:
        raise ApplicationError(_("Only programme officers may change a project."))
    with transaction.atomic():
        locked = Project.objects.select_for_update().select_related("instrument__programme").get(pk=project.pk)
        version_check(locked, version)
        if locked.status in (ProjectStatus.CLOSED, ProjectStatus.TERMINATED):
            raise ApplicationError(
                _("Project %(code)s has the status “%(status)s”; it can no longer be changed.")
                % {"code": locked.code, "status": locked.get_status_display()},
                field="project",
            )
        old = field_values(locked, PROJECT_EDITABLE_FIELDS)
        if title is not _UNSET:
            locked.title = (title or "").strip()
            if not locked.title:
                raise ApplicationError(_("Enter the project title."), field="title")
        if start_date is not _UNSET:
            if start_date is None:
                raise ApplicationError(_("Enter the start date."), field="start_date")
            locked.start_date = start_date
        if end_date is not _UNSET:
            if end_date is None:
                raise ApplicationError(_("Enter the end date."), field="end_date")
            locked.end_date = end_date
        if locked.end_date < locked.start_date:
            raise ApplicationError(_("The end date cannot be before the start date."), field="end_date")
        programme = locked.instrument.programme
        if locked.start_date < programme.period_start or locked.end_date > programme.period_end:
            raise ApplicationError(
                _("The project's dates must be within the programme period, %(start)s – %(end)s.")
                % {"start": programme.period_start.isoformat(), "end": programme.period_end.isoformat()},
                field="end_date" if locked.end_date > programme.period_end else "start_date",
            )
        version_bump(locked)
        locked.save(update_fields=[*PROJECT_EDITABLE_FIELDS, "version"])
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.UPDATED,
            old=old,
            new=field_values(locked, PROJECT_EDITABLE_FIELDS),
        )
    for name in (*PROJECT_EDITABLE_FIELDS, "version"):
        setattr(project, name, getattr(locked, name))
    return locked


def _check_project_indicator(project: Project, indicator: Indicator) -> None:
    if not project.instrument.indicator_targets.filter(indicator=indicator).exists():
        raise ApplicationError(
            _("%(indicator)s is not an indicator of %(instrument)s.")
            % {"indicator": indicator.code, "instrument": project.instrument.code},
            field="indicator",
        )


def indicator_target_set(
    *, actor, project: Project, indicator: Indicator, target_value: Decimal, occurred_at: datetime | None = None
) -> IndicatorTarget:
    _check_project_indicator(project, indicator)
    return target_set(
        IndicatorTarget,
        actor=actor,
        target_value=target_value,
        occurred_at=occurred_at,
        project=project,
        indicator=indicator,
    )


def indicator_value_report(
    *,
    actor,
    project: Project,
    indicator: Indicator,
    reported_on: date,
    value: Decimal,
    occurred_at: datetime | None = None,
) -> IndicatorValue:
    if Decimal(value) < 0:
        raise ApplicationError(_("A reported indicator value cannot be negative."), field="value")
    _check_project_indicator(project, indicator)
    if project.status in (ProjectStatus.CLOSED, ProjectStatus.TERMINATED):
        raise ApplicationError(
            _("Project %(code)s has the status “%(status)s”; it takes no more reports.")
            % {"code": project.code, "status": project.get_status_display()},
            field="project",
        )
    with transaction.atomic():
        reported = IndicatorValue.objects.create(
            project=project, indicator=indicator, reported_on=reported_on, value=value
        )
        audit_record(
            actor=actor,
            obj=reported,
            event_type=AuditEventType.REPORTED,
            new=field_values(reported, ["reported_on", "value"]),
            occurred_at=occurred_at,
        )
    return reported
