"""Programmes, instruments, indicators and calls."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from clusters.models import OrganisationType
from core.audit import audit_record, field_values
from core.errors import ApplicationError
from core.formatting import format_money, format_percent
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


def call_conditions_check(
    *,
    instrument: Instrument,
    title_lt: str,
    budget_amount: Decimal,
    opens_at: datetime,
    closes_at: datetime,
    selection_method: str,
    funding_rate: Decimal,
    max_grant_amount: Decimal,
    min_own_contribution_percent: Decimal,
    eligible_applicant_types: list[str],
    quality_threshold: Decimal,
) -> dict:
    """The checked conditions of a call (docs/domain.md, "Selection"), or
    ApplicationError naming the field. The budget against the instrument's
    allocation is checked by the caller under the instrument's row lock."""
    title_lt = (title_lt or "").strip()
    if not title_lt:
        raise ApplicationError(_("The title in Lithuanian is required."), field="title_lt")
    budget_amount = require_non_negative(budget_amount, "budget_amount", _("The call budget cannot be negative."))
    if opens_at is None or closes_at is None or closes_at <= opens_at:
        raise ApplicationError(_("The call must close after it opens."), field="closes_at")
    if selection_method not in SelectionMethod.values:
        raise ApplicationError(
            _("Unknown selection method “%(method)s”.") % {"method": selection_method}, field="selection_method"
        )
    funding_rate = Decimal(funding_rate)
    if not ZERO < funding_rate <= HUNDRED:
        raise ApplicationError(_("The funding rate must be above 0 % and at most 100 %."), field="funding_rate")
    if funding_rate > instrument.funding_rate:
        raise ApplicationError(
            _("The funding rate cannot exceed the instrument's rate of %(rate)s.")
            % {"rate": format_percent(instrument.funding_rate)},
            field="funding_rate",
        )
    max_grant_amount = require_non_negative(
        max_grant_amount, "max_grant_amount", _("The maximum grant cannot be negative.")
    )
    if max_grant_amount > instrument.max_grant_amount:
        raise ApplicationError(
            _("The maximum grant cannot exceed the instrument's maximum of %(maximum)s.")
            % {"maximum": format_money(instrument.max_grant_amount)},
            field="max_grant_amount",
        )
    min_own_contribution_percent = Decimal(min_own_contribution_percent)
    if not ZERO <= min_own_contribution_percent <= HUNDRED:
        raise ApplicationError(
            _("The minimum own contribution must be between 0 % and 100 %."), field="min_own_contribution_percent"
        )
    types = list(dict.fromkeys(str(t) for t in eligible_applicant_types or []))
    if not types:
        raise ApplicationError(_("Choose at least one eligible applicant type."), field="eligible_applicant_types")
    unknown = [t for t in types if t not in OrganisationType.values]
    if unknown:
        raise ApplicationError(
            _("Unknown applicant type “%(type)s”.") % {"type": unknown[0]}, field="eligible_applicant_types"
        )
    quality_threshold = Decimal(quality_threshold)
    if not ZERO <= quality_threshold <= HUNDRED:
        raise ApplicationError(_("The quality threshold must be between 0 and 100."), field="quality_threshold")
    return {
        "title_lt": title_lt,
        "budget_amount": budget_amount,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "selection_method": selection_method,
        "funding_rate": funding_rate,
        "max_grant_amount": max_grant_amount,
        "min_own_contribution_percent": min_own_contribution_percent,
        "eligible_applicant_types": [t for t in OrganisationType.values if t in types],
        "quality_threshold": quality_threshold,
    }


def call_budget_check(instrument: Instrument, budget_amount: Decimal, exclude: Call | None = None) -> None:
    """The instrument's calls stay within its allocation. The caller holds the
    instrument's row lock, so two calls saved at once cannot both fit."""
    others = instrument.calls.all()
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    committed = others.aggregate(total=Sum("budget_amount"))["total"] or ZERO
    if committed + budget_amount > instrument.allocation_amount:
        free = instrument.allocation_amount - committed
        raise ApplicationError(
            _("The calls of %(code)s would exceed its allocation of %(allocation)s: %(free)s is left for new calls.")
            % {
                "code": instrument.code,
                "allocation": format_money(instrument.allocation_amount),
                "free": format_money(free),
            },
            field="budget_amount",
            details={"allocation": str(instrument.allocation_amount), "committed": str(committed)},
        )


CALL_AUDITED_FIELDS = [
    "code",
    "title_lt",
    "title_en",
    "budget_amount",
    "opens_at",
    "closes_at",
    "selection_method",
    "funding_rate",
    "max_grant_amount",
    "min_own_contribution_percent",
    "eligible_applicant_types",
    "quality_threshold",
]


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
    funding_rate: Decimal | None = None,
    max_grant_amount: Decimal | None = None,
    min_own_contribution_percent: Decimal | None = None,
    eligible_applicant_types: list[str] | None = None,
    quality_threshold: Decimal | None = None,
    occurred_at: datetime | None = None,
) -> Call:
    """A draft call. Conditions left out take the instrument's (funding rate,
    maximum grant), no minimum own contribution, every applicant type and a
    quality threshold of 50."""
    code = (code or "").strip()
    if not code:
        raise ApplicationError(_("The code is required."), field="code")
    conditions = call_conditions_check(
        instrument=instrument,
        title_lt=title_lt,
        budget_amount=budget_amount,
        opens_at=opens_at,
        closes_at=closes_at,
        selection_method=selection_method,
        funding_rate=instrument.funding_rate if funding_rate is None else funding_rate,
        max_grant_amount=instrument.max_grant_amount if max_grant_amount is None else max_grant_amount,
        min_own_contribution_percent=ZERO if min_own_contribution_percent is None else min_own_contribution_percent,
        eligible_applicant_types=(
            list(OrganisationType.values) if eligible_applicant_types is None else eligible_applicant_types
        ),
        quality_threshold=Decimal("50.00") if quality_threshold is None else quality_threshold,
    )
    with transaction.atomic():
        instrument = Instrument.objects.select_for_update().get(pk=instrument.pk)
        if Call.objects.filter(code=code).exists():
            raise ApplicationError(_("A call with the code %(code)s already exists.") % {"code": code}, field="code")
        call_budget_check(instrument, conditions["budget_amount"])
        call = Call.objects.create(instrument=instrument, code=code, title_en=(title_en or "").strip(), **conditions)
        audit_record(
            actor=actor,
            obj=call,
            event_type=AuditEventType.CREATED,
            new=field_values(call, CALL_AUDITED_FIELDS),
            occurred_at=occurred_at,
        )
    return call


def call_transition(*, actor, call: Call, to_status: str, occurred_at: datetime | None = None) -> Call:
    return transition(actor=actor, obj=call, to_status=to_status, allowed=CALL_TRANSITIONS, occurred_at=occurred_at)
