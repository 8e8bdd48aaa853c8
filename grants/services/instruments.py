"""Programmes, instruments, indicators and calls."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from core.audit import audit_record, field_values
from core.errors import ApplicationError
from core.models import AuditEventType
from core.money import HUNDRED, ZERO, to_money
from core.workflow import transition
from grants.models import (
    Call,
    CallStatus,
    CostCategory,
    Indicator,
    Instrument,
    InstrumentIndicator,
    Programme,
    SelectionMethod,
    StateAidRegime,
)

CALL_TRANSITIONS = {
    CallStatus.DRAFT: frozenset({CallStatus.OPEN}),
    CallStatus.OPEN: frozenset({CallStatus.CLOSED}),
    CallStatus.CLOSED: frozenset(),
}


def require_non_negative(value: Decimal, field: str, label: str) -> Decimal:
    value = to_money(value)
    if value < ZERO:
        raise ApplicationError(f"{label} cannot be negative.", field=field)
    return value


def programme_create(
    *, actor, code: str, name: str, country: str = "LT", period_start: date, period_end: date
) -> Programme:
    if period_end <= period_start:
        raise ApplicationError("The programme period must end after it starts.", field="period_end")
    with transaction.atomic():
        programme = Programme.objects.create(
            code=code, name=name, country=country, period_start=period_start, period_end=period_end
        )
        audit_record(
            actor=actor, obj=programme, event_type=AuditEventType.CREATED, new=field_values(programme, ["code", "name"])
        )
    return programme


def instrument_create(
    *,
    actor,
    programme: Programme,
    code: str,
    name: str,
    allocation_amount: Decimal,
    funding_rate: Decimal,
    max_grant_amount: Decimal,
    reallocation_share: Decimal = Decimal("10.00"),
    state_aid_regime: str = StateAidRegime.DE_MINIMIS,
    cost_categories: list[CostCategory],
) -> Instrument:
    allocation_amount = require_non_negative(allocation_amount, "allocation_amount", "The allocation")
    max_grant_amount = require_non_negative(max_grant_amount, "max_grant_amount", "The maximum grant")
    if not ZERO < Decimal(funding_rate) <= HUNDRED:
        raise ApplicationError("The funding rate must be above 0% and at most 100%.", field="funding_rate")
    if not ZERO <= Decimal(reallocation_share) <= HUNDRED:
        raise ApplicationError("The reallocation share must be between 0% and 100%.", field="reallocation_share")
    if state_aid_regime not in StateAidRegime.values:
        raise ApplicationError(f"Unknown state-aid regime '{state_aid_regime}'.", field="state_aid_regime")
    if not cost_categories:
        raise ApplicationError("An instrument needs at least one eligible cost category.", field="cost_categories")
    with transaction.atomic():
        instrument = Instrument.objects.create(
            programme=programme,
            code=code,
            name=name,
            allocation_amount=allocation_amount,
            funding_rate=funding_rate,
            max_grant_amount=max_grant_amount,
            reallocation_share=reallocation_share,
            state_aid_regime=state_aid_regime,
        )
        instrument.eligible_cost_categories.set(cost_categories)
        audit_record(
            actor=actor,
            obj=instrument,
            event_type=AuditEventType.CREATED,
            new=field_values(instrument, ["code", "allocation_amount", "funding_rate", "max_grant_amount"]),
        )
    return instrument


def target_set(model, *, actor, target_value: Decimal, occurred_at: datetime | None = None, **owner):
    """Create or change the indicator target of `model` identified by `owner`
    (an instrument's or a project's), with the old and new value audited."""
    if Decimal(target_value) < 0:
        raise ApplicationError("An indicator target cannot be negative.", field="target_value")
    with transaction.atomic():
        target, created = model.objects.select_for_update().get_or_create(
            **owner, defaults={"target_value": target_value}
        )
        old = None if created else {"target_value": target.target_value}
        if not created:
            target.target_value = target_value
            target.save(update_fields=["target_value"])
        audit_record(
            actor=actor,
            obj=target,
            event_type=AuditEventType.TARGET_SET,
            old=old,
            new={"target_value": target_value},
            occurred_at=occurred_at,
        )
    return target


def instrument_indicator_set(
    *, actor, instrument: Instrument, indicator: Indicator, target_value: Decimal
) -> InstrumentIndicator:
    return target_set(
        InstrumentIndicator, actor=actor, target_value=target_value, instrument=instrument, indicator=indicator
    )


def call_create(
    *,
    actor,
    instrument: Instrument,
    code: str,
    title: str,
    budget_amount: Decimal,
    opens_at: datetime,
    closes_at: datetime,
    selection_method: str = SelectionMethod.COMPETITIVE,
    occurred_at: datetime | None = None,
) -> Call:
    budget_amount = require_non_negative(budget_amount, "budget_amount", "The call budget")
    if closes_at <= opens_at:
        raise ApplicationError("The call must close after it opens.", field="closes_at")
    if selection_method not in SelectionMethod.values:
        raise ApplicationError(f"Unknown selection method '{selection_method}'.", field="selection_method")
    with transaction.atomic():
        # Lock the instrument so two calls created at once cannot both fit.
        instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
        committed = instrument.calls.aggregate(total=Sum("budget_amount"))["total"] or ZERO
        if committed + budget_amount > instrument.allocation_amount:
            free = instrument.allocation_amount - committed
            raise ApplicationError(
                f"The calls of {instrument.code} would exceed its allocation of EUR {instrument.allocation_amount:,}: "
                f"EUR {free:,} is left for new calls.",
                field="budget_amount",
                details={"allocation": str(instrument.allocation_amount), "committed": str(committed)},
            )
        call = Call.objects.create(
            instrument=instrument,
            code=code,
            title=title,
            budget_amount=budget_amount,
            opens_at=opens_at,
            closes_at=closes_at,
            selection_method=selection_method,
        )
        audit_record(
            actor=actor,
            obj=call,
            event_type=AuditEventType.CREATED,
            new=field_values(call, ["code", "budget_amount"]),
            occurred_at=occurred_at,
        )
    return call


def call_transition(*, actor, call: Call, to_status: str, occurred_at: datetime | None = None) -> Call:
    return transition(actor=actor, obj=call, to_status=to_status, allowed=CALL_TRANSITIONS, occurred_at=occurred_at)
