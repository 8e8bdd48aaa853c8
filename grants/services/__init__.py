"""Every write to grants data. One transaction each, keyword-only arguments,
an explicit actor, an audit event per change."""

from grants.services.instruments import (
    call_create,
    call_transition,
    instrument_create,
    instrument_indicator_set,
    programme_create,
)
from grants.services.payments import payment_create
from grants.services.projects import (
    indicator_target_set,
    indicator_value_report,
    project_create,
    project_transition,
)

__all__ = [
    "call_create",
    "call_transition",
    "indicator_target_set",
    "indicator_value_report",
    "instrument_create",
    "instrument_indicator_set",
    "payment_create",
    "programme_create",
    "project_create",
    "project_transition",
]
