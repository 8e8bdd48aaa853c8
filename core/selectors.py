"""Reads of the audit trail: events in a scope at an as-of moment, with who
acted and what changed, for the audit-trail extract and the status history of
an object. A fixed number of queries whatever the number of events."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.models import AuditEvent, AuditEventType

# Values longer than this are cut in listings (the database keeps them whole).
MAX_VALUE_CHARS = 160
ACTOR_FIELDS = ("actor__username", "actor__first_name", "actor__last_name")


def actor_name(first: str | None, last: str | None, username: str | None) -> str:
    """'First Last (username)', the username alone, or 'System' (in the active
    language) when no person acted."""
    if username is None:
        return _("System")
    full = f"{first or ''} {last or ''}".strip()
    return f"{full} ({username})" if full else username


def _actor(event: dict[str, Any]) -> str:
    return actor_name(event["actor__first_name"], event["actor__last_name"], event["actor__username"])


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
    event_label: str
    object_type: str
    object_id: str
    object_repr: str
    changes: list[Change]

    @property
    def change_text(self) -> str:
        """One line per changed value, 'name: old → new' (the PDF keeps the line breaks)."""
        return "\n".join(f"{c.name}: {c.old} → {c.new}" for c in self.changes) or "–"


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


def _changes(old: Any, new: Any) -> list[Change]:
    old = old if isinstance(old, dict) else {"value": old}
    new = new if isinstance(new, dict) else {"value": new}
    names = list(dict.fromkeys([*new.keys(), *old.keys()]))
    return [Change(name=str(n), old=_show(old.get(n)), new=_show(new.get(n))) for n in names]


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def audit_events(
    as_of: datetime | None = None,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    event_type: AuditEventType | None = None,
) -> QuerySet[AuditEvent]:
    """Events recorded at or before `as_of` (None: all), of one object or on
    the whole local days date_from..date_to."""
    events = AuditEvent.objects.all()
    if as_of is not None:
        events = events.filter(occurred_at__lte=as_of)
    if object_type is not None:
        events = events.filter(object_type=object_type, object_id=object_id)
    if event_type is not None:
        events = events.filter(event_type=event_type)
    zone = ZoneInfo(settings.TIME_ZONE)
    if date_from is not None:
        events = events.filter(occurred_at__gte=_day_start(date_from, zone))
    if date_to is not None:
        events = events.filter(occurred_at__lt=_day_start(date_to + timedelta(days=1), zone))
    return events


def audit_rows(events: QuerySet[AuditEvent], start: int = 0, stop: int | None = None) -> list[AuditRow]:
    """Events start..stop in the order they happened, with actors: one query."""
    labels = dict(AuditEventType.choices)
    values = events.order_by("occurred_at", "pk").values(
        "occurred_at",
        *ACTOR_FIELDS,
        "event_type",
        "object_type",
        "object_id",
        "object_repr",
        "old_values",
        "new_values",
    )[start:stop]
    return [
        AuditRow(
            occurred_at=event["occurred_at"],
            actor=_actor(event),
            event_type=event["event_type"],
            event_label=str(labels.get(event["event_type"], event["event_type"])),
            object_type=event["object_type"],
            object_id=event["object_id"],
            object_repr=event["object_repr"],
            changes=_changes(event["old_values"], event["new_values"]),
        )
        for event in values
    ]


@dataclass(frozen=True)
class ValueChange:
    """One change of one value of an object (e.g. its status), with who made it."""

    occurred_at: datetime
    actor: str
    old: Any
    new: Any


def value_history(*, object_type: str, object_id: str, name: str, event_type: AuditEventType, as_of: datetime):
    """The changes of value `name` of one object recorded up to `as_of`, oldest first: one query."""
    events = audit_events(as_of, object_type=object_type, object_id=str(object_id), event_type=event_type)
    return [
        ValueChange(
            occurred_at=event["occurred_at"],
            actor=_actor(event),
            old=(event["old_values"] or {}).get(name) if isinstance(event["old_values"], dict) else None,
            new=(event["new_values"] or {}).get(name) if isinstance(event["new_values"], dict) else None,
        )
        for event in events.order_by("occurred_at", "pk").values(
            "occurred_at", *ACTOR_FIELDS, "old_values", "new_values"
        )
    ]
