"""Reads of the audit trail: events in a scope at an as-of moment, with who
acted and what changed, for the audit-trail extract, the audit-trail browser
(/audit/, GET /api/v1/audit-events/) and the status history of an object. A
fixed number of queries whatever the number of events. Core knows no app's
models: object types come from the events themselves (and their names from
Django's app registry)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
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


def event_actor(event: dict[str, Any]) -> str:
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
    def object_type_label(self) -> str:
        return object_type_label(self.object_type)

    @property
    def object_name(self) -> str:
        """The kind of object in the active language ('payment claim'), or its type as recorded."""
        return object_name(self.object_type)

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


def local_day_start(day: date) -> datetime:
    """The first moment of a day in the programme's time zone (Europe/Vilnius)."""
    return _day_start(day, ZoneInfo(settings.TIME_ZONE))


# One object type and the ids (a list, or a subquery of ids as text) of its
# objects an extract covers: ("grants.paymentclaim", <QuerySet of ids>).
ObjectScope = tuple[str, Iterable[str] | QuerySet]


def scope_q(scope: list[ObjectScope]) -> Q:
    """Events of any of the objects in `scope`."""
    condition = Q(pk__in=[])
    for object_type, ids in scope:
        condition |= Q(object_type=object_type, object_id__in=ids)
    return condition


def audit_events(
    as_of: datetime | None = None,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    event_type: AuditEventType | None = None,
    scope: list[ObjectScope] | None = None,
) -> QuerySet[AuditEvent]:
    """Events recorded at or before `as_of` (None: all), of one object (and,
    with `scope`, of the other objects listed there: a project's claims, ...)
    or on the whole local days date_from..date_to."""
    events = AuditEvent.objects.all()
    if as_of is not None:
        events = events.filter(occurred_at__lte=as_of)
    if object_type is not None:
        events = events.filter(Q(object_type=object_type, object_id=object_id) | scope_q(scope or []))
    elif scope:
        events = events.filter(scope_q(scope))
    if event_type is not None:
        events = events.filter(event_type=event_type)
    zone = ZoneInfo(settings.TIME_ZONE)
    if date_from is not None:
        events = events.filter(occurred_at__gte=_day_start(date_from, zone))
    if date_to is not None:
        events = events.filter(occurred_at__lt=_day_start(date_to + timedelta(days=1), zone))
    return events


ROW_FIELDS = (
    "pk",
    "occurred_at",
    "actor",
    *ACTOR_FIELDS,
    "event_type",
    "object_type",
    "object_id",
    "object_repr",
    "old_values",
    "new_values",
)


def audit_event_label(event_type: str) -> str:
    """The event type's name in the active language (the code itself for a type no longer listed)."""
    return str(dict(AuditEventType.choices).get(event_type, event_type))


def audit_row(event: dict[str, Any]) -> AuditRow:
    """One event read with ROW_FIELDS (a .values() row) as an AuditRow."""
    return AuditRow(
        occurred_at=event["occurred_at"],
        actor=event_actor(event),
        event_type=event["event_type"],
        event_label=audit_event_label(event["event_type"]),
        object_type=event["object_type"],
        object_id=event["object_id"],
        object_repr=event["object_repr"],
        changes=_changes(event["old_values"], event["new_values"]),
    )


def audit_rows(events: QuerySet[AuditEvent], start: int = 0, stop: int | None = None) -> list[AuditRow]:
    """Events start..stop in the order they happened, with actors: one query."""
    values = events.order_by("occurred_at", "pk").values(*ROW_FIELDS)[start:stop]
    return [audit_row(event) for event in values]


# --- the audit-trail browser ------------------------------------------------------


def audit_event_list() -> QuerySet:
    """Every event, newest first, as .values() rows with the actor's names
    (ROW_FIELDS): the browser and its API filter this (core.filters)."""
    return AuditEvent.objects.order_by("-occurred_at", "-pk").values(*ROW_FIELDS)


def object_name(object_type: str) -> str:
    """'payment claim' for grants.paymentclaim: the model's name in the active
    language when the type is a model, else the type as recorded."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)


def object_type_label(object_type: str) -> str:
    """'payment claim (grants.paymentclaim)', or the type as recorded when it is no model."""
    name = object_name(object_type)
    return object_type if name == object_type else f"{name} ({object_type})"


def audit_object_types() -> list[tuple[str, str]]:
    """The object types that have events, with their names, by name: one query."""
    types = AuditEvent.objects.order_by().values_list("object_type", flat=True).distinct()
    return sorted(((t, object_type_label(t)) for t in types), key=lambda choice: choice[1].casefold())


def audit_actors() -> QuerySet:
    """The users who have acted in the audit trail, by name (the user filter's options)."""
    return (
        get_user_model()
        .objects.filter(pk__in=AuditEvent.objects.filter(actor__isnull=False).values("actor"))
        .order_by("last_name", "first_name", "username")
    )


def events_on_days(events: QuerySet, date_from: date | None, date_to: date | None) -> QuerySet:
    """Events on the whole days date_from..date_to in the programme's time zone (either may be open)."""
    if date_from is not None:
        events = events.filter(occurred_at__gte=local_day_start(date_from))
    if date_to is not None:
        events = events.filter(occurred_at__lt=local_day_start(date_to + timedelta(days=1)))
    return events


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
            actor=event_actor(event),
            old=(event["old_values"] or {}).get(name) if isinstance(event["old_values"], dict) else None,
            new=(event["new_values"] or {}).get(name) if isinstance(event["new_values"], dict) else None,
        )
        for event in events.order_by("occurred_at", "pk").values(
            "occurred_at", *ACTOR_FIELDS, "old_values", "new_values"
        )
    ]
