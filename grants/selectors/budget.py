"""Budget tracking: a project's budget lines against what its payment claims
declared, what the officers verified and what was paid, and the same figures
rolled up per call, instrument or programme.

Definitions (the same on the project page, the roll-ups, the API and the reports):

- planned: a budget line's planned amount; rolled up, the eligible cost of the
  projects;
- claimed: the claimed amount (excl. recoverable VAT) of the expenditure items
  in claims that have been submitted (status in CLAIM_DECLARED);
- verified eligible (= declared eligible expenditure): the eligible amount the
  officer set on the items of approved or paid claims (CLAIM_VERIFIED);
- paid: per budget line, the verified eligible expenditure of paid claims; per
  project, call, instrument or programme, the payments made (advances included);
- remaining grant: grant − payments.

As of a cut-off (grants.selectors.asof.AsOf): a claim counts as claimed from
its submission (submitted_at), as verified from its decision (decided_at), a
payment from its paid_on date; a line's paid expenditure from its claim's
payment date. Claims are filtered by their status now: a claim rejected after
the cut-off no longer counts as claimed at that cut-off.

Every figure is summed by the database (conditional aggregates grouped by the
level's key), at a fixed number of queries whatever the number of projects,
claims or items. Sums are rounded to the cent once more in Python: SQLite adds
decimals as binary floats."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from django.db.models import Count, ExpressionWrapper, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from core.i18n import localized_value, value_language
from core.money import ZERO, percent, to_money
from core.queries import MONEY, sum_subquery
from grants.models import (
    CLAIM_DECLARED,
    CLAIM_VERIFIED,
    BudgetLine,
    Call,
    ClaimStatus,
    ExpenditureItem,
    Instrument,
    Payment,
    Programme,
    Project,
)
from grants.selectors.asof import AsOf, created_after, local_zone, payments_as_of, projects_as_of

Level = Literal["call", "instrument", "programme"]
LEVELS: tuple[str, ...] = ("call", "instrument", "programme")


def as_cutoff(cutoff: AsOf | date | datetime | None) -> AsOf:
    """An AsOf from what callers hold: None (now), a date (that day's end,
    read now) or a moment."""
    if cutoff is None or isinstance(cutoff, AsOf):
        return cutoff or AsOf.at()
    if isinstance(cutoff, datetime):
        return AsOf.at(cutoff)
    return AsOf.at(as_of_date=cutoff)


def claim_moment(cutoff: AsOf) -> datetime:
    """The last moment a claim's submission or decision counts at `cutoff`:
    the end of the cut-off date in Vilnius, never after the as-of moment."""
    day_end = datetime.combine(cutoff.date + timedelta(days=1), time.min, tzinfo=local_zone())
    return min(day_end - timedelta(microseconds=1), cutoff.moment)


def _reads_today(cutoff: AsOf) -> bool:
    """Read now for today: every step recorded so far counts (no date test to pay for)."""
    return cutoff.live and cutoff.date >= cutoff.moment.astimezone(local_zone()).date()


def _item_filters(cutoff: AsOf, prefix: str = "") -> tuple[Q, Q, Q]:
    """(claimed, verified, paid) conditions on expenditure items, `prefix`
    being the path from the queried model to the item ("" for items)."""
    claim = f"{prefix}claim__"
    claimed = Q(**{f"{claim}status__in": CLAIM_DECLARED})
    verified = Q(**{f"{claim}status__in": CLAIM_VERIFIED})
    paid = Q(**{f"{claim}status": ClaimStatus.PAID})
    if not _reads_today(cutoff):
        moment = claim_moment(cutoff)
        claimed &= Q(**{f"{claim}submitted_at__lte": moment})
        verified &= Q(**{f"{claim}decided_at__lte": moment})
        paid &= Q(**{f"{claim}payment__paid_on__lte": cutoff.date})
    return claimed, verified, paid


# --------------------------------------------------------------------------- one project


@dataclass(frozen=True)
class BudgetLineRow:
    pk: int
    category_code: str
    category_name_lt: str
    category_name_en: str
    planned: Decimal
    claimed: Decimal
    verified: Decimal
    paid: Decimal

    @property
    def category_name(self) -> str:
        return localized_value(self, "category_name")

    @property
    def category_name_lang(self) -> str:
        return value_language(self, "category_name")

    @property
    def verified_percent(self) -> Decimal | None:
        """Verified eligible expenditure as a share of the planned amount."""
        return percent(self.verified, self.planned)


@dataclass(frozen=True)
class BudgetTable:
    """A project's budget lines with their totals, payments and remaining grant."""

    rows: list[BudgetLineRow]
    planned: Decimal
    claimed: Decimal
    verified: Decimal
    paid: Decimal
    grant: Decimal
    payments_total: Decimal

    @property
    def remaining_grant(self) -> Decimal:
        return self.grant - self.payments_total

    @property
    def verified_percent(self) -> Decimal | None:
        return percent(self.verified, self.planned)


def project_budget(
    project: Project,
    *,
    cutoff: AsOf | date | datetime | None = None,
    payments_total: Decimal | None = None,
) -> BudgetTable:
    """The budget-line table of `project` (as of `cutoff`, default now): two
    queries (the lines with their sums; the payments), one when the caller
    already holds the payments' total."""
    at = as_cutoff(cutoff)
    claimed, verified, paid = _item_filters(at)
    items = ExpenditureItem.objects.all()
    lines = (
        BudgetLine.objects.filter(project=project)
        .annotate(
            claimed=sum_subquery(items.filter(claimed), "budget_line", "claimed_amount"),
            verified=sum_subquery(items.filter(verified), "budget_line", "eligible_amount"),
            paid=sum_subquery(items.filter(paid), "budget_line", "eligible_amount"),
        )
        .order_by("cost_category__code")
        .values_list(
            "pk",
            "cost_category__code",
            "cost_category__name_lt",
            "cost_category__name_en",
            "planned_amount",
            "claimed",
            "verified",
            "paid",
        )
    )
    rows = [
        BudgetLineRow(pk, code, name_lt, name_en, to_money(p), to_money(c), to_money(v), to_money(d))
        for pk, code, name_lt, name_en, p, c, v, d in lines
    ]
    if payments_total is None:
        payments = Payment.objects.all() if _reads_today(at) else payments_as_of(at)
        payments_total = payments.filter(project=project).aggregate(
            total=Coalesce(Sum("amount"), Value(ZERO), output_field=MONEY)
        )["total"]
    return BudgetTable(
        rows=rows,
        planned=sum((row.planned for row in rows), ZERO),
        claimed=sum((row.claimed for row in rows), ZERO),
        verified=sum((row.verified for row in rows), ZERO),
        paid=sum((row.paid for row in rows), ZERO),
        grant=project.grant_amount,
        payments_total=to_money(payments_total),
    )


# --------------------------------------------------------------------------- roll-ups


@dataclass
class RollupRow:
    """The figures of one call, instrument or programme. `name_lt`/`name_en` are
    the call's title or the instrument's or programme's name; `allocation` is the
    call's budget or the instrument's allocation (a programme's is the sum of
    its instruments')."""

    level: str
    pk: int
    code: str
    name_lt: str
    name_en: str
    allocation: Decimal | None
    project_count: int = 0
    planned: Decimal = ZERO
    grant: Decimal = ZERO
    claimed: Decimal = ZERO
    verified: Decimal = ZERO
    paid: Decimal = ZERO
    parent_id: int | None = None

    @property
    def name(self) -> str:
        return localized_value(self, "name")

    @property
    def name_lang(self) -> str:
        return value_language(self, "name")

    @property
    def remaining(self) -> Decimal:
        """Grant not yet paid."""
        return self.grant - self.paid

    @property
    def verified_percent(self) -> Decimal | None:
        """Declared eligible expenditure as a share of the planned eligible cost."""
        return percent(self.verified, self.planned)

    @property
    def paid_percent(self) -> Decimal | None:
        return percent(self.paid, self.grant)


# The path from a project to the level's key, and from the level's model to its parent.
_PROJECT_KEY = {"call": "call_id", "instrument": "instrument_id", "programme": "instrument__programme_id"}
_PARENT_KEY = {"call": "instrument_id", "instrument": "programme_id", "programme": None}


def _levels(level: str, ids, parent_ids) -> list[RollupRow]:
    if level == "call":
        rows = Call.objects.values_list("pk", "code", "title_lt", "title_en", "budget_amount", "instrument_id")
    elif level == "instrument":
        rows = Instrument.objects.values_list("pk", "code", "name_lt", "name_en", "allocation_amount", "programme_id")
    else:
        rows = Programme.objects.annotate(
            allocation=Coalesce(Sum("instruments__allocation_amount"), Value(ZERO), output_field=MONEY),
            parent=Value(None, output_field=IntegerField()),
        ).values_list("pk", "code", "name_lt", "name_en", "allocation", "parent")
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    if parent_ids is not None and _PARENT_KEY[level]:
        rows = rows.filter(**{f"{_PARENT_KEY[level]}__in": list(parent_ids)})
    ordering = ("instrument__code", "opens_at", "code") if level == "call" else ("code",)
    return [
        RollupRow(
            level=level,
            pk=pk,
            code=code,
            name_lt=name_lt,
            name_en=name_en or "",
            allocation=to_money(allocation) if allocation is not None else None,
            parent_id=parent,
        )
        for pk, code, name_lt, name_en, allocation, parent in rows.order_by(*ordering)
    ]


def budget_rollup(
    level: Level,
    ids=None,
    cutoff: AsOf | date | datetime | None = None,
    *,
    parent_ids=None,
) -> list[RollupRow]:
    """Planned, grant, claimed, verified eligible, paid and remaining per call,
    instrument or programme (`ids`: only those; `parent_ids`: the calls of
    these instruments, the instruments of these programmes), as of `cutoff`
    (default now). Four queries whatever the data's size: the level's rows, then
    one GROUP BY each over the projects, the expenditure items (conditional
    sums) and the payments."""
    if level not in LEVELS:
        raise ValueError(f"Unknown roll-up level {level!r}; use one of {', '.join(LEVELS)}.")
    at = as_cutoff(cutoff)
    rows = _levels(level, ids, parent_ids)
    by_key = {row.pk: row for row in rows}
    if not by_key:
        return []
    key = _PROJECT_KEY[level]
    keys = list(by_key)

    projects = (
        projects_as_of(at)
        .filter(**{f"{key}__in": keys})
        .order_by()
        .values(key)
        .annotate(n=Count("pk"), planned=Sum("eligible_cost"), grant=Sum("grant_amount"))
        .values_list(key, "n", "planned", "grant")
    )
    for pk, n, planned, grant in projects:
        row = by_key[pk]
        row.project_count, row.planned, row.grant = n, to_money(planned or 0), to_money(grant or 0)

    claimed, verified, _paid = _item_filters(at)
    items = ExpenditureItem.objects.filter(claimed | verified)
    if not at.live:
        items = items.exclude(created_after(at.moment, "claim__project_id"))
    item_key = f"claim__project__{key}"
    sums = (
        items.filter(**{f"{item_key}__in": keys})
        .order_by()
        .values(item_key)
        .annotate(
            claimed=Sum("claimed_amount", filter=claimed),
            verified=Sum("eligible_amount", filter=verified),
        )
        .values_list(item_key, "claimed", "verified")
    )
    for pk, claimed_total, verified_total in sums:
        row = by_key[pk]
        row.claimed, row.verified = to_money(claimed_total or 0), to_money(verified_total or 0)

    payment_key = f"project__{key}"
    paid = (
        payments_as_of(at)
        .filter(**{f"{payment_key}__in": keys})
        .order_by()
        .values(payment_key)
        .annotate(total=Sum("amount"))
        .values_list(payment_key, "total")
    )
    for pk, total in paid:
        by_key[pk].paid = to_money(total or 0)
    return rows


# The path to the level's row from a project, an expenditure item and a payment.
_OUTER = {
    "call": ("call", "claim__project__call", "project__call"),
    "instrument": ("instrument", "claim__project__instrument", "project__instrument"),
    "programme": ("instrument__programme", "claim__project__instrument__programme", "project__instrument__programme"),
}


def rollup_annotations(level: Level, cutoff: AsOf | date | datetime | None = None) -> dict:
    """The roll-up's figures as annotations of a queryset of the level's model
    (Call, Instrument or Programme): rollup_planned, rollup_grant,
    rollup_claimed, rollup_verified, rollup_paid, rollup_remaining — correlated
    subqueries, for a page that lists a few rows in one query it makes anyway
    (the instrument page's calls). budget_rollup (GROUP BY) is the fast one for
    many rows; both give the same figures."""
    at = as_cutoff(cutoff)
    project_path, item_path, payment_path = _OUTER[level]
    claimed, verified, _paid = _item_filters(at)
    items = ExpenditureItem.objects.all()
    if not at.live:
        items = items.exclude(created_after(at.moment, "claim__project_id"))
    projects = projects_as_of(at)
    grant = sum_subquery(projects, project_path, "grant_amount")
    paid = sum_subquery(payments_as_of(at), payment_path, "amount")
    return {
        "rollup_planned": sum_subquery(projects, project_path, "eligible_cost"),
        "rollup_grant": grant,
        "rollup_claimed": sum_subquery(items.filter(claimed), item_path, "claimed_amount"),
        "rollup_verified": sum_subquery(items.filter(verified), item_path, "eligible_amount"),
        "rollup_paid": paid,
        "rollup_remaining": ExpressionWrapper(grant - paid, output_field=MONEY),
    }


@dataclass(frozen=True)
class RollupTotal:
    """The sum of roll-up rows (exact: every row is in cents)."""

    project_count: int
    planned: Decimal
    grant: Decimal
    claimed: Decimal
    verified: Decimal
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.grant - self.paid

    @property
    def verified_percent(self) -> Decimal | None:
        return percent(self.verified, self.planned)


def rollup_total(rows: list[RollupRow]) -> RollupTotal:
    return RollupTotal(
        project_count=sum(row.project_count for row in rows),
        planned=sum((row.planned for row in rows), ZERO),
        grant=sum((row.grant for row in rows), ZERO),
        claimed=sum((row.claimed for row in rows), ZERO),
        verified=sum((row.verified for row in rows), ZERO),
        paid=sum((row.paid for row in rows), ZERO),
    )


def verified_items(cutoff: AsOf) -> QuerySet[ExpenditureItem]:
    """The items whose eligible amount counts as declared eligible expenditure
    at `cutoff` (for grants.selectors.progress)."""
    _claimed, verified, _paid = _item_filters(cutoff)
    items = ExpenditureItem.objects.filter(verified)
    return items if cutoff.live else items.exclude(created_after(cutoff.moment, "claim__project_id"))


__all__ = [
    "LEVELS",
    "BudgetLineRow",
    "BudgetTable",
    "RollupRow",
    "RollupTotal",
    "as_cutoff",
    "budget_rollup",
    "claim_moment",
    "project_budget",
    "rollup_annotations",
    "rollup_total",
    "verified_items",
]
