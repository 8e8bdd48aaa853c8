"""Programmes, instruments, indicators and calls."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core.audit import audit_record, field_values
from core.errors import ApplicationError
from core.formatting import format_money
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


def require_non_negative(value: Decimal, field: str, message: str) -> Decimal:
    """`value` in cents; `message` (already translated) when it is negative."""
    value = to_money(value)
    if value < ZERO:
        raise ApplicationError(message, field=field)
    return value


def require_name(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(_("The name in Lithuanian is required."), field=field)
    return value


def programme_create(
    *,
    actor,
    code: str,
    name_lt: str,
    name_en: str = "",
    country: str = "LT",
    period_start: date,
    period_end: date,
) -> Programme:
    name_lt = require_name(name_lt, "name_lt")
    if period_end <= period_start:
        raise ApplicationError(_("The programme period must end after it starts."), field="period_end")
    with transaction.atomic():
        programme = Programme.objects.create(
            code=code,
            name_lt=name_lt,
            name_en=(name_en or "").strip(),
            country=country,
            period_start=period_start,
            period_end=period_end,
        )
        audit_record(
            actor=actor,
            obj=programme,
            event_type=AuditEventType.CREATED,
            new=field_values(programme, ["code", "name_lt", "name_en"]),
        )
    return programme


def instrument_create(
    *,
    actor,
    programme: Programme,
    code: str,
    name_lt: str,
    name_en: str = "",
    allocation_amount: Decimal,
    funding_rate: Decimal,
    max_grant_amount: Decimal,
    reallocation_share: Decimal = Decimal("10.00"),
    state_aid_regime: str = StateAidRegime.DE_MINIMIS,
    cost_categories: list[CostCategory],
) -> Instrument:
    name_lt = require_name(name_lt, "name_lt")
    allocation_amount = require_non_negative(
        allocation_amount, "allocation_amount", _("The allocation cannot be negative.")
    )
    max_grant_amount = require_non_negative(
        max_grant_amount, "max_grant_amount", _("The maximum grant cannot be negative.")
    )
    if not ZERO < Decimal(funding_rate) <= HUNDRED:
        raise ApplicationError(_("The funding rate must be above 0 % and at most 100 %."), field="funding_rate")
    if not ZERO <= Decimal(reallocation_share) <= HUNDRED:
        raise ApplicationError(_("The reallocation share must be between 0 % and 100 %."), field="reallocation_share")
    if state_aid_regime not in StateAidRegime.values:
        raise ApplicationError(
            _("Unknown state aid regime “%(regime)s”.") % {"regime": state_aid_regime}, field="state_aid_regime"
        )
    if not cost_categories:
        raise ApplicationError(_("An instrument needs at least one eligible cost category."), field="cost_categories")
    with transaction.atomic():
        instrument = Instrument.objects.create(
            programme=programme,
            code=code,
            name_lt=name_lt,
            name_en=(name_en or "").strip(),
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
            new=field_values(
                instrument, ["code", "name_lt", "name_en", "allocation_amount", "funding_rate", "max_grant_amount"]
            ),
        )
    return instrument


def target_set(model, *, actor, target_value: Decimal, occurred_at: datetime | None = None, **owner):
    """Create or change the indicator target of `model` identified by `owner`
    (an instrument's or a project's), with the old and new value audited."""
    if Decimal(target_value) < 0:
        raise ApplicationError(_("An indicator target cannot be negative."), field="target_value")
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
    title_lt: str,
    title_en: str = "",
    budget_amount: Decimal,
    opens_at: datetime,
    closes_at: datetime,
    selection_method: str = SelectionMethod.COMPETITIVE,
    occurred_at: datetime | None = None,
) -> Call:
    title_lt = (title_lt or "").strip()
    if not title_lt:
        raise ApplicationError(_("The title in Lithuanian is required."), field="title_lt")
    budget_amount = require_non_negative(budget_amount, "budget_amount", _("The call budget cannot be negative."))
    if closes_at <= opens_at:
        raise ApplicationError(_("The call must close after it opens."), field="closes_at")
    if selection_method not in SelectionMethod.values:
        raise ApplicationError(
            _("Unknown selection method “%(method)s”.") % {"method": selection_method}, field="selection_method"
        )
    with transaction.atomic():
        # Lock the instrument so two calls created at once cannot both fit.
        instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
        committed = instrument.calls.aggregate(total=Sum("budget_amount"))["total"] or ZERO
        if committed + budget_amount > instrument.allocation_amount:
            free = instrument.allocation_amount - committed
            raise ApplicationError(
                _(
                    "The calls of %(code)s would exceed its allocation of %(allocation)s: "
                    "%(free)s is left for new calls."
                )
                % {
                    "code": instrument.code,
                    "allocation": format_money(instrument.allocation_amount),
                    "free": format_money(free),
                },
                field="budget_amount",
                details={"allocation": str(instrument.allocation_amount), "committed": str(committed)},
            )
        call = Call.objects.create(
            instrument=instrument,
            code=code,
            title_lt=title_lt,
            title_en=(title_en or "").strip(),
            budget_amount=budget_amount,
            opens_at=opens_at,
            closes_at=closes_at,
            selection_method=selection_method,
        )
        audit_record(
            actor=actor,
            obj=call,
            event_type=AuditEventType.CREATED,
            new=field_values(call, ["code", "title_lt", "title_en", "budget_amount"]),
            occurred_at=occurred_at,
        )
    return call


def call_transition(*, actor, call: Call, to_status: str, occurred_at: datetime | None = None) -> Call:
    return transition(actor=actor, obj=call, to_status=to_status, allowed=CALL_TRANSITIONS, occurred_at=occurred_at)
