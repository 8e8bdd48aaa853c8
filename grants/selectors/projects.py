"""Which projects a user may see, project lists, and what the project page shows."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from clusters.selectors import organisation_id_for
from core.audit import object_type_of
from core.models import AuditEvent, AuditEventType
from core.money import ZERO, to_money
from core.permissions import Access
from core.queries import MONEY, sum_subquery
from grants.models import BudgetLine, Indicator, IndicatorTarget, Payment, Project, ProjectStatus
from grants.selectors.asof import counted_indicator_values
from grants.selectors.progress import IndicatorProgress


def projects_visible_to(user) -> QuerySet[Project]:
    """Officers and auditors see every project; an applicant its organisation's
    (as beneficiary or partner); everyone else none (deny by default). One row
    per project: partnership is tested in a subquery, not a join."""
    projects = Project.objects.select_related("instrument", "beneficiary")
    access = Access.of(user)
    if access.sees_all_data:
        return projects
    if not access.acts_for_organisation:
        return projects.none()
    organisation_id = organisation_id_for(user)
    if organisation_id is None:
        return projects.none()
    partnered = Project.partners.through.objects.filter(organisation_id=organisation_id).values("project_id")
    return projects.filter(Q(beneficiary_id=organisation_id) | Q(pk__in=partnered))


def project_list_for_applicant(user) -> QuerySet[Project]:
    """An applicant's projects with what it has been paid, in one query."""
    return (
        projects_visible_to(user)
        .annotate(paid_total=sum_subquery(Payment.objects.all(), "project", "amount"))
        .order_by("code")
    )


def project_get_for(*, user, pk: int) -> Project:
    """The project with its instrument, programme, call and beneficiary, or
    Http404 when it does not exist or the user may not see it (the two look the
    same from outside)."""
    project = (
        projects_visible_to(user)
        .select_related("instrument__programme", "call")
        .annotate(paid_total=sum_subquery(Payment.objects.all(), "project", "amount"))
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404(_("No such project."))
    return project


@dataclass
class StatusChange:
    occurred_at: object
    from_label: str
    to_label: str
    actor: object


def _status_label(value) -> str:
    return ProjectStatus(value).label if value in ProjectStatus.values else str(value or "—")


def project_status_history(project: Project) -> list[StatusChange]:
    """The project's status changes from the audit trail, oldest first."""
    events = (
        AuditEvent.objects.filter(
            object_type=object_type_of(project),
            object_id=str(project.pk),
            event_type=AuditEventType.STATUS_CHANGED,
        )
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
    return [
        StatusChange(
            occurred_at=event.occurred_at,
            from_label=_status_label(event.old_values.get("status")),
            to_label=_status_label(event.new_values.get("status")),
            actor=event.actor,
        )
        for event in events
    ]


def project_budget_lines(project: Project) -> QuerySet[BudgetLine]:
    return BudgetLine.objects.filter(project=project).select_related("cost_category").order_by("cost_category__code")


def project_payments(project: Project) -> QuerySet[Payment]:
    return Payment.objects.filter(project=project).order_by("paid_on", "id")


def project_indicators(project: Project) -> list[IndicatorProgress]:
    """Each indicator the project has a target for or has reported on: target
    and achieved (the sum of the values of progress reports and of approved or
    paid payment claims; a value of any other claim never counts). One query."""
    targets = IndicatorTarget.objects.filter(project=project, indicator=OuterRef("pk"))
    values = counted_indicator_values().filter(project=project, indicator=OuterRef("pk"))
    achieved = values.order_by().values("indicator").annotate(total=Sum("value")).values("total")
    rows = (
        Indicator.objects.filter(Exists(targets) | Exists(values))
        .annotate(
            target=Subquery(targets.values("target_value")[:1], output_field=MONEY),
            achieved=Coalesce(Subquery(achieved, output_field=MONEY), Value(ZERO), output_field=MONEY),
        )
        .order_by("code")
        .values_list("code", "name_lt", "name_en", "unit", "target", "achieved")
    )
    # SQLite sums decimals as binary floats; values are whole hundredths.
    return [
        IndicatorProgress(
            code=code,
            name_lt=name_lt,
            name_en=name_en,
            unit_code=unit,
            target=target,
            achieved=to_money(total),
        )
        for code, name_lt, name_en, unit, target, total in rows
    ]
