"""The as-of rule shared by every read of grants figures: what the data looked
like at one moment. Pages read it at "now"; a report reads it at the moment its
run started, so that sections rendered by different workers agree.

Payments count when paid on or before the cut-off date, indicator values when
reported on or before it (and only those of a progress report or of an
approved or paid payment claim), and projects when their creation was recorded at or
before the as-of moment (rows loaded without an audit event, such as bulk
imports, count as always existing)."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from core.models import AuditEvent, AuditEventType
from grants.models import CLAIM_VERIFIED, IndicatorValue, Payment, Project

PROJECT_OBJECT_TYPE = Project._meta.label_lower


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class AsOf:
    """The moment data is read at. `moment`: records made at or before it
    count; `date`: the last business date counted (payments' paid_on,
    indicator values' reported_on); `period_start`/`period_end`: the reporting
    period, when one is asked for."""

    moment: datetime
    date: date
    period_start: date | None = None
    period_end: date | None = None
    # Read "now": nothing can have been recorded after the moment, so the
    # reads skip that test.
    live: bool = False

    @classmethod
    def at(
        cls,
        moment: datetime | None = None,
        *,
        as_of_date: date | None = None,
        period: tuple[date, date] | None = None,
    ) -> "AsOf":
        """Cut-off date = the as-of date or the period's end, never later than
        the (local) date of the moment (default: now)."""
        live = moment is None
        moment = moment or timezone.now()
        moment_date = moment.astimezone(local_zone()).date()
        start, end = period if period is not None else (None, None)
        requested = as_of_date or end or moment_date
        return cls(moment=moment, date=min(requested, moment_date), period_start=start, period_end=end, live=live)

    @property
    def has_period(self) -> bool:
        return self.period_start is not None


def created_after(moment: datetime, outer: str = "pk") -> Exists:
    """True for a project (OuterRef `outer`) whose creation was recorded after `moment`."""
    return Exists(
        AuditEvent.objects.filter(
            object_type=PROJECT_OBJECT_TYPE,
            object_id=Cast(OuterRef(outer), output_field=CharField()),
            event_type=AuditEventType.CREATED,
            occurred_at__gt=moment,
        )
    )


def projects_as_of(as_of: AsOf) -> QuerySet[Project]:
    """Projects that existed at the as-of moment."""
    projects = Project.objects.all()
    return projects if as_of.live else projects.exclude(created_after(as_of.moment))


def payments_as_of(as_of: AsOf, *, in_period: bool = False) -> QuerySet[Payment]:
    payments = Payment.objects.filter(paid_on__lte=as_of.date)
    if not as_of.live:
        payments = payments.exclude(created_after(as_of.moment, "project_id"))
    if in_period:
        payments = payments.filter(paid_on__gte=as_of.period_start)
    return payments


# Which reported indicator values count as achieved: a progress report's
# (no claim), or an approved or paid claim's. A claim's values become
# IndicatorValue rows only on approval; the test guards against any other path.
COUNTED_VALUES = Q(claim__isnull=True) | Q(claim__status__in=CLAIM_VERIFIED)


def counted_indicator_values() -> QuerySet[IndicatorValue]:
    return IndicatorValue.objects.filter(COUNTED_VALUES)


def indicator_values_as_of(as_of: AsOf) -> QuerySet[IndicatorValue]:
    values = counted_indicator_values().filter(reported_on__lte=as_of.date)
    return values if as_of.live else values.exclude(created_after(as_of.moment, "project_id"))
