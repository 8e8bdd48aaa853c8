"""Status transitions: one table of allowed moves per model, one function that
locks the row, checks the move, saves and writes the audit event."""

from django.db import models, transaction

from core.audit import audit_record
from core.errors import ApplicationError
from core.models import AuditEventType

Transitions = dict[str, frozenset[str]]


def transition(*, actor, obj: models.Model, to_status: str, allowed: Transitions, field: str = "status"):
    """Move `obj` to `to_status` if the table allows it from its current status."""
    with transaction.atomic():
        locked = type(obj).objects.select_for_update().get(pk=obj.pk)
        current = getattr(locked, field)
        if to_status not in allowed.get(current, frozenset()):
            label = type(obj)._meta.verbose_name
            raise ApplicationError(
                f"A {label} cannot move from '{current}' to '{to_status}'.",
                field=field,
                details={"from": current, "to": to_status},
            )
        setattr(locked, field, to_status)
        locked.save(update_fields=[field])
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.STATUS_CHANGED,
            old={field: current},
            new={field: to_status},
        )
    setattr(obj, field, to_status)
    return locked
