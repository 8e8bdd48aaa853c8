"""Status transitions: one table of allowed moves per model, one function that
locks the row, checks the move, saves and writes the audit event. Every status
field of Fondas changes through `transition`."""

from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ApplicationError
from core.models import AuditEventType

Transitions = dict[str, frozenset[str]]


def transition(
    *,
    actor,
    obj: models.Model,
    to_status: str,
    allowed: Transitions,
    field: str = "status",
    changes: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
):
    """Move `obj` to `to_status` if the table allows it from its current status,
    saving `changes` (other fields) with it; `details` add to the audit event's
    new values. The row is locked for the rest of the surrounding transaction,
    and `obj` gets the saved values too. Returns the locked row."""
    changes = changes or {}
    with transaction.atomic():
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        current = getattr(locked, field)
        if to_status not in allowed.get(current, frozenset()):
            raise ApplicationError(
                _("A %(object)s cannot move from '%(from)s' to '%(to)s'.")
                % {"object": type(obj)._meta.verbose_name, "from": current, "to": to_status},
                field=field,
                details={"from": current, "to": to_status},
            )
        setattr(locked, field, to_status)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=[field, *changes])
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.STATUS_CHANGED,
            old={field: current},
            new={field: to_status, **(details or {})},
            occurred_at=occurred_at,
        )
    for name in (field, *changes):
        setattr(obj, name, getattr(locked, name))
    return locked
