"""The audit-trail extract: the events of one object, or every event on the
days of a date range, with who acted and the values before and after (read
through core.selectors). An object's extract also covers the records that
belong to it: a project's budget lines, indicator targets and values,
payments, payment claims (with their rounds, expenditure items and indicator
values), amendments and agreement versions; a claim's rounds, items, indicator
values and payment; an amendment's budget changes and agreement version; a
cluster's members, labels, networks, activities, strategy commitments and
maturity assessments. Core knows none of these models, so this module names
them (SCOPES)."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clusters.models import (
    Cluster,
    ClusterActivity,
    ClusterCommitment,
    ClusterMember,
    ExcellenceLabel,
    MaturityAssessment,
    NetworkMembership,
)
from core.audit import object_type_of
from core.models import AuditEvent
from core.selectors import AuditRow, ObjectScope, audit_events, audit_rows
from grants.models import (
    AgreementVersion,
    Amendment,
    AmendmentBudgetLine,
    BudgetLine,
    ClaimIndicatorValue,
    ClaimRound,
    ExpenditureItem,
    IndicatorTarget,
    IndicatorValue,
    Payment,
    PaymentClaim,
    Project,
)
from reports.kinds import params as p
from reports.kinds import register
from reports.kinds.base import ReportKindBase, slug

OBJECT_TYPE_MAX = 100
EVENTS_PER_SECTION = 1000


@dataclass(frozen=True)
class AuditTrail:
    object_type: str | None
    object_id: str | None
    date_from: date | None
    date_to: date | None
    event_count: int
    rows: list[AuditRow]
    offset: int
    include_front: bool
    covers: str = ""


def _ids(queryset: QuerySet) -> QuerySet:
    """The rows' ids as text (AuditEvent.object_id), as a subquery."""
    return queryset.order_by().annotate(audit_id=Cast("pk", CharField())).values("audit_id")


def _type(model) -> str:
    return object_type_of(model)


def _events_of_type(model, condition: Q) -> QuerySet:
    """Ids of objects of `model` named by their events (for rows deleted since)."""
    return AuditEvent.objects.filter(condition, object_type=_type(model)).order_by().values("object_id")


def _claim_reference_re(project: Project) -> str:
    # PaymentClaim.reference is "<project code>-MP<number>"; a deleted draft claim
    # and a removed indicator value of a claim are found by it.
    return "^" + re.escape(project.code) + "-MP[0-9]+"


def _project_scope(project: Project) -> list[ObjectScope]:
    claims = PaymentClaim.objects.filter(project=project)
    lines = list(BudgetLine.objects.filter(project=project).values_list("pk", flat=True))
    amendments = Amendment.objects.filter(project=project)
    reference = _claim_reference_re(project)
    return [
        (_type(BudgetLine), _ids(BudgetLine.objects.filter(project=project))),
        (_type(IndicatorTarget), _ids(IndicatorTarget.objects.filter(project=project))),
        (_type(IndicatorValue), _ids(IndicatorValue.objects.filter(project=project))),
        (_type(Payment), _ids(Payment.objects.filter(project=project))),
        (_type(PaymentClaim), _ids(claims)),
        (_type(PaymentClaim), _events_of_type(PaymentClaim, Q(object_repr__regex=reference + "$"))),
        (_type(ClaimRound), _ids(ClaimRound.objects.filter(claim__project=project))),
        (_type(ExpenditureItem), _ids(ExpenditureItem.objects.filter(claim__project=project))),
        # A deleted item's events name its budget line.
        (
            _type(ExpenditureItem),
            _events_of_type(
                ExpenditureItem, Q(new_values__budget_line__in=lines) | Q(old_values__budget_line__in=lines)
            ),
        ),
        (_type(ClaimIndicatorValue), _ids(ClaimIndicatorValue.objects.filter(claim__project=project))),
        (_type(ClaimIndicatorValue), _events_of_type(ClaimIndicatorValue, Q(object_repr__regex=reference + ": "))),
        (_type(Amendment), _ids(amendments)),
        (_type(AmendmentBudgetLine), _ids(AmendmentBudgetLine.objects.filter(amendment__project=project))),
        (_type(AgreementVersion), _ids(AgreementVersion.objects.filter(project=project))),
    ]


def _claim_scope(claim: PaymentClaim) -> list[ObjectScope]:
    return [
        (_type(ClaimRound), _ids(ClaimRound.objects.filter(claim=claim))),
        (_type(ExpenditureItem), _ids(ExpenditureItem.objects.filter(claim=claim))),
        (_type(ClaimIndicatorValue), _ids(ClaimIndicatorValue.objects.filter(claim=claim))),
        (
            _type(ClaimIndicatorValue),
            _events_of_type(ClaimIndicatorValue, Q(object_repr__startswith=f"{claim.reference}: ")),
        ),
        (_type(Payment), _ids(Payment.objects.filter(claim=claim))),
        (_type(IndicatorValue), _ids(IndicatorValue.objects.filter(claim=claim))),
    ]


def _amendment_scope(amendment: Amendment) -> list[ObjectScope]:
    return [
        (_type(AmendmentBudgetLine), _ids(AmendmentBudgetLine.objects.filter(amendment=amendment))),
        (_type(AgreementVersion), _ids(AgreementVersion.objects.filter(amendment=amendment))),
    ]


def _cluster_scope(cluster: Cluster) -> list[ObjectScope]:
    return [
        (_type(model), _ids(model.objects.filter(cluster=cluster)))
        for model in (
            ClusterMember,
            ExcellenceLabel,
            NetworkMembership,
            ClusterActivity,
            ClusterCommitment,
            MaturityAssessment,
        )
    ]


@dataclass(frozen=True)
class Scope:
    """The records an object's extract covers besides the object itself."""

    model: type
    related: Callable[[object], list[ObjectScope]]
    covers: Callable[[], str]


SCOPES = {
    _type(Project): Scope(
        Project,
        _project_scope,
        lambda: gettext(
            "The extract also covers the project's budget lines, indicator targets and reported values, "
            "payments, payment claims with their rounds, expenditure items and indicator values (also those "
            "deleted since), amendments and agreement versions."
        ),
    ),
    _type(PaymentClaim): Scope(
        PaymentClaim,
        _claim_scope,
        lambda: gettext("The extract also covers the claim's rounds, expenditure items, indicator values and payment."),
    ),
    _type(Amendment): Scope(
        Amendment,
        _amendment_scope,
        lambda: gettext("The extract also covers the amendment's budget line changes and the agreement version."),
    ),
    _type(Cluster): Scope(
        Cluster,
        _cluster_scope,
        lambda: gettext(
            "The extract also covers the cluster's members, excellence labels, international networks, "
            "activities, strategy commitments and maturity assessments."
        ),
    ),
}


def related_scope(object_type: str | None, object_id: str | None) -> list[ObjectScope]:
    """The other records whose events an object's extract includes (none for
    other types, or when the object no longer exists)."""
    scope = SCOPES.get(object_type or "")
    if scope is None or not str(object_id or "").isdigit():
        return []
    obj = scope.model.objects.filter(pk=int(object_id)).first()
    return scope.related(obj) if obj is not None else []


def _filters(params: dict) -> dict:
    return {
        "object_type": params.get("object_type"),
        "object_id": params.get("object_id"),
        "date_from": p.iso_date(params.get("date_from")),
        "date_to": p.iso_date(params.get("date_to")),
    }


def _events(params: dict, as_of=None) -> QuerySet:
    filters = _filters(params)
    return audit_events(as_of, **filters, scope=related_scope(filters["object_type"], filters["object_id"]))


@register
class AuditTrailReport(ReportKindBase):
    code = "audit_trail"
    label = _("Audit-trail extract")
    short_name = _("audit-trail extract")
    # The form asks for a date range; the API also takes one object (object_type, object_id).
    fields = ("date_from", "date_to")
    rows_per_section = EVENTS_PER_SECTION
    order = 40

    def form_fields(self, user):
        return {
            "date_from": p.date_form_field(_("Events from")),
            "date_to": p.date_form_field(_("Events to")),
        }

    def clean(self, params: dict) -> dict:
        """One object's events, or every event in a date range."""
        params = p.require_object(params)
        p.reject_unknown(params, {"object_type", "object_id", "date_from", "date_to"})
        by_object = "object_type" in params or "object_id" in params
        by_dates = "date_from" in params or "date_to" in params
        if by_object and by_dates:
            raise p.ApplicationError(gettext("Give either an object or a date range, not both."), field="object_type")
        if by_object:
            object_type = p.clean_text(params, "object_type", max_length=OBJECT_TYPE_MAX)
            if not p.OBJECT_TYPE_RE.fullmatch(object_type):
                raise p.ApplicationError(gettext("“object_type” must look like “grants.project”."), field="object_type")
            object_id = p.clean_text(params, "object_id")
            return {"object_type": object_type, "object_id": object_id}
        if not params.get("date_from") and not params.get("date_to"):
            raise p.ApplicationError(
                gettext("Give an object (object_type, object_id) or a date range."), field="date_from"
            )
        start, end = p.clean_date_range(params, "date_from", "date_to", what="The date range")
        return {"date_from": start.isoformat(), "date_to": end.isoformat()}

    def subject(self, params: dict) -> str:
        if params.get("object_type"):
            return f"{params['object_type']} {params['object_id']}"
        return gettext("%(start)s to %(end)s") % {"start": params.get("date_from"), "end": params.get("date_to")}

    def file_stem(self, params: dict) -> str:
        if params.get("object_type"):
            return f"audit-trail-{slug(params['object_type'])}-{slug(params['object_id'])}"
        return f"audit-trail-{slug(params.get('date_from'))}-{slug(params.get('date_to'))}"

    def row_count(self, params: dict) -> int:
        return _events(params).count()

    def context(self, params, as_of, index):
        filters = _filters(params)
        events = _events(params, as_of.moment)
        start, stop = self.section_rows(index)
        rows = audit_rows(events, start, stop)
        scope = SCOPES.get(filters["object_type"] or "")
        trail = AuditTrail(
            **filters,
            event_count=events.count(),
            rows=rows,
            offset=start,
            include_front=index == 0,
            covers=scope.covers() if scope is not None else "",
        )
        return {"trail": trail}, index > 0 and not rows
