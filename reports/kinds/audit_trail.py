"""The audit-trail extract: the events of one object, or every event on the
days of a date range, with who acted and the values before and after (read
through core.selectors)."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.selectors import AuditRow, audit_events, audit_rows
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


def _filters(params: dict) -> dict:
    return {
        "object_type": params.get("object_type"),
        "object_id": params.get("object_id"),
        "date_from": p.iso_date(params.get("date_from")),
        "date_to": p.iso_date(params.get("date_to")),
    }


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
        return audit_events(None, **_filters(params)).count()

    def context(self, params, as_of, index):
        filters = _filters(params)
        events = audit_events(as_of.moment, **filters)
        start, stop = self.section_rows(index)
        rows = audit_rows(events, start, stop)
        trail = AuditTrail(
            **filters,
            event_count=events.count(),
            rows=rows,
            offset=start,
            include_front=index == 0,
        )
        return {"trail": trail}, index > 0 and not rows
