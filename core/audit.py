"""Writing the audit trail. Every state-changing service calls `audit_record`
inside its transaction, so the event and the change commit together."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone

from core.models import AuditEvent, AuditEventType


def json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def object_type_of(obj: models.Model) -> str:
    return obj._meta.label_lower


def audit_event_build(
    *,
    actor,
    obj,
    event_type: AuditEventType,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    object_type: str | None = None,
) -> AuditEvent:
    """The unsaved event `audit_record` writes, for services that write many at
    once with AuditEvent.objects.bulk_create. `obj` needs a pk and a str();
    `object_type` when it is not a model instance."""
    if event_type not in AuditEventType.values:
        raise ValueError(f"Unknown audit event type {event_type!r}; add it to core.models.AuditEventType.")
    return AuditEvent(
        occurred_at=occurred_at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        object_type=object_type or object_type_of(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        event_type=event_type,
        old_values=json_safe(old or {}),
        new_values=json_safe(new or {}),
    )


def audit_record(
    *,
    actor,
    obj: models.Model,
    event_type: AuditEventType,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Record one event. `occurred_at` defaults to now; only records of past
    changes (the demo data) give it."""
    event = audit_event_build(actor=actor, obj=obj, event_type=event_type, old=old, new=new, occurred_at=occurred_at)
    event.save()
    return event


def field_values(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    return {f: json_safe(getattr(obj, f)) for f in fields}
