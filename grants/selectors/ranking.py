"""The ranking lists of a call, one per budget pool, and the evaluators' own
assignments. Rules: docs/domain.md, "Selection".

The ranking is computed by the database, in one query with window functions:
per budget pool (an envelope with a budget of its own, or the shared pool of
the envelopes without one), ROW_NUMBER() and a running SUM() of the grants
requested, both ordered by THE tie rule (score descending, then the earlier
submission, then the lower number), and the outcome from them: below the
call's quality threshold → rejected; the cumulative grant within the pool's
budget → approved; otherwise reserve. The cumulative total only grows down
the list, so this is the walk "from the top while the budget lasts, no
skipping". Once decided, an application's outcome is its decided status.
Grants are summed and compared in whole cents (integers) and scores in
hundredths, so the cut-off is exact on SQLite as on PostgreSQL.

- `ranking(call)`: every row of every pool (the API, the report kind, the
  funding decision), in three queries.
- `ranking_page(call, pages=...)`: each pool's summary (counts by outcome,
  the approved total, the cut-off) and one page of its rows (the officers'
  ranking page), in three queries, without reading every row into Python:
  the ranking is computed once (a CTE) for both the summary and the page."""

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    QuerySet,
    Sum,
)
from django.http import Http404
from django.utils.translation import gettext as _

from clusters.models import Organisation
from core.money import ZERO
from grants.models import Application, ApplicationStatus, AssignmentStatus, Call, Envelope, EvaluatorAssignment

# Applications on a ranking list: evaluated ones, and after the decision the
# decided ones.
DECIDED_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.RESERVE, ApplicationStatus.REJECTED)
RANKED_STATUSES = (ApplicationStatus.EVALUATED, *DECIDED_STATUSES)
PENDING_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ELIGIBILITY_CHECK,
    ApplicationStatus.UNDER_EVALUATION,
)
# THE tie rule: a higher score first; equal scores: the earlier submission,
# then the lower application number (the ranking query's _ORDER_SQL).
RANKING_ORDER = ("-score", "submitted_at", "number")
# The key of the shared pool in the ranking query (others: the envelope's pk).
SHARED = 0
PER_PAGE = 50

# The ranking query. {base}: the ORM's compiled SQL of the call's ranked
# applications (_ranked); over it the pool (an envelope with a budget of its
# own, else SHARED), the pool's budget, the grant in cents and the score in
# hundredths; over those the window functions; over them the outcome. Only
# quoted identifiers (_names) and placeholders are put into the text; every
# value is a parameter.
_ORDER_SQL = "c.{score_hundredths} DESC, c.{submitted_at} ASC, c.{number} ASC"
_RANKED_SQL = (
    "SELECT w.*, CASE WHEN w.{status} IN (%s, %s, %s) THEN w.{status} "
    "WHEN w.{score_hundredths} < %s THEN %s "
    "WHEN w.{cumulative_cents} <= w.{budget_cents} THEN %s ELSE %s END AS {outcome} "
    "FROM (SELECT c.*, "
    "ROW_NUMBER() OVER (PARTITION BY c.{pool_key} ORDER BY {order}) AS {rank_no}, "
    "SUM(c.{grant_cents}) OVER (PARTITION BY c.{pool_key} ORDER BY {order} "
    "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS {cumulative_cents} "
    "FROM (SELECT b.{id}, b.{number}, b.{status}, b.{submitted_at}, b.{envelope_id}, b.{applicant_id}, "
    "{pool_sql} AS {pool_key}, {budget_sql} AS {budget_cents}, "
    "CAST(ROUND(b.{grant_requested} * 100) AS BIGINT) AS {grant_cents}, "
    "CAST(ROUND(COALESCE(b.{score}, 0) * 100) AS INTEGER) AS {score_hundredths} "
    "FROM ({base}) b) c) w"
)
# Every row of every list (ranking()).
_ALL_SQL = (
    "SELECT r.{id}, r.{pool_key}, r.{rank_no}, r.{score_hundredths}, r.{grant_cents}, r.{cumulative_cents}, "
    "r.{outcome}, r.{number} FROM ({ranked}) r ORDER BY r.{pool_key}, r.{rank_no}"
)
# The ranking page's one query: the ranking computed once (a CTE), each
# pool's counts and grants by outcome (part 0) and the rows of the pages
# asked for (part 1), with the applicant's name.
_PAGE_SQL = (
    "WITH ranked AS ({ranked}) "
    "SELECT 0, r.{pool_key}, r.{outcome}, COUNT(*), SUM(r.{grant_cents}), MIN(r.{rank_no}), "
    "NULL, NULL, NULL, NULL, NULL, NULL "
    "FROM ranked r GROUP BY r.{pool_key}, r.{outcome} "
    "UNION ALL "
    "SELECT 1, r.{pool_key}, r.{outcome}, r.{rank_no}, r.{score_hundredths}, r.{grant_cents}, "
    "r.{cumulative_cents}, r.{id}, r.{number}, r.{envelope_id}, o.{org_id}, o.{name} "
    "FROM ranked r JOIN {organisation} o ON o.{org_id} = r.{applicant_id} WHERE {where} "
    "ORDER BY 1, 2, 4"
)
_PAGE_RANGE_SQL = "(r.{pool_key} = %s AND r.{rank_no} BETWEEN %s AND %s)"
_COLUMNS = (
    "id",
    "grant_requested",
    "score",
    "number",
    "status",
    "submitted_at",
    "envelope_id",
    "applicant_id",
    "name",
    "pool_key",
    "budget_cents",
    "rank_no",
    "score_hundredths",
    "grant_cents",
    "cumulative_cents",
    "outcome",
)


def _names() -> dict[str, str]:
    q = connection.ops.quote_name
    names = {c: q(c) for c in _COLUMNS}
    names["organisation"] = q(Organisation._meta.db_table)
    names["org_id"] = q(Organisation._meta.pk.column)
    names["order"] = _ORDER_SQL.format(**names)
    return names


def _cents(value: Decimal) -> int:
    return int(Decimal(value) * 100)


def _from_cents(value) -> Decimal:
    """Whole cents (or hundredths) from the database as an exact Decimal."""
    return Decimal(int(value)).scaleb(-2)


@dataclass(slots=True)
class RankedApplicant:
    pk: int
    name: str
    legal_code: str = ""

    @property
    def id(self) -> int:
        return self.pk

    def __str__(self) -> str:
        return self.name


@dataclass(slots=True)
class RankedApplication:
    """The application's values a ranking list shows (read from the ranking
    query itself: no model instance per row). Attributes as on Application."""

    pk: int
    number: str
    applicant: RankedApplicant
    title: str = ""
    status: str = ""
    score: Decimal | None = None
    grant_requested: Decimal = ZERO
    submitted_at: datetime | None = None
    de_minimis_received: Decimal | None = None
    envelope: Envelope | None = None
    decision_id: int | None = None
    project_id: int | None = None

    @property
    def id(self) -> int:
        return self.pk

    @property
    def applicant_id(self) -> int:
        return self.applicant.pk

    @property
    def envelope_id(self) -> int | None:
        return self.envelope.pk if self.envelope is not None else None

    def __str__(self) -> str:
        return f"{self.number or f'#{self.pk}'} {self.title}"


@dataclass
class RankingRow:
    application: RankedApplication
    rank: int
    score: Decimal
    grant: Decimal
    cumulative: Decimal  # the grants of this row and every row above it
    fits: bool  # the cumulative grant is within the pool's budget
    outcome: str  # provisional (before the decision) or decided: approved, reserve or rejected
    above_threshold: bool
    cut_off: bool = False  # the first row beyond the budget (the first on the reserve list)


@dataclass
class RankingPool:
    """One list ranked and cut on its own: an envelope with its own budget, or
    the shared pool (envelopes without a budget of their own, or a call with
    no envelopes) against the call budget the envelopes do not hold.

    `rows` holds every row (ranking()) or one page of them (ranking_page());
    the summary (size, counts, approved total, cut-off) covers the whole list
    either way."""

    envelope: Envelope | None  # None: the shared pool
    envelopes: list[Envelope]  # the envelopes drawing on this pool (empty for a call without envelopes)
    budget: Decimal
    rows: list[RankingRow] = field(default_factory=list)
    pending: int = 0  # applications of the pool still in the eligibility check or evaluation
    size: int = 0  # applications on the list
    counts: dict[str, int] = field(default_factory=dict)  # by outcome: approved, reserve, rejected
    approved_total: Decimal = ZERO
    cutoff_rank: int | None = None  # rank of the first application beyond the budget
    page: int = 1
    pages: int = 1
    per_page: int = 0  # 0: every row

    @property
    def shared(self) -> bool:
        return self.envelope is None

    @property
    def key(self) -> str:
        return self.envelope.code if self.envelope is not None else "shared"

    @property
    def pool_id(self) -> int:
        return self.envelope.pk if self.envelope is not None else SHARED

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.approved_total

    @property
    def approved(self) -> int:
        return self.counts.get(ApplicationStatus.APPROVED, 0)

    @property
    def reserve(self) -> int:
        return self.counts.get(ApplicationStatus.RESERVE, 0)

    @property
    def rejected(self) -> int:
        return self.counts.get(ApplicationStatus.REJECTED, 0)

    @property
    def first_rank(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.per_page else 1

    @property
    def last_rank(self) -> int:
        return min(self.page * self.per_page, self.size) if self.per_page else self.size

    @property
    def cutoff_page(self) -> int | None:
        if self.cutoff_rank is None:
            return None
        return (self.cutoff_rank - 1) // self.per_page + 1 if self.per_page else 1


@dataclass
class _Layout:
    """The call's budget pools, in display order (envelopes with their own
    budget by code, then the shared pool), keyed as in the ranking query."""

    call: Call
    pools: list[RankingPool]
    by_id: dict[int, RankingPool]
    own_cents: dict[int, int]  # envelope pk → its budget in cents
    shared_cents: int
    envelopes: dict[int, Envelope]

    def pool(self, pool_id: int) -> RankingPool:
        """The pool of a ranking-query key; applications of no known pool
        (no envelope in a call that has only envelopes with own budgets)
        are ranked in a shared pool without budget."""
        pool = self.by_id.get(int(pool_id))
        if pool is None:
            pool = self.by_id[SHARED] = RankingPool(envelope=None, envelopes=[], budget=ZERO)
            self.pools.append(pool)
        return pool


def _layout(call: Call) -> _Layout:
    envelopes = list(Envelope.objects.filter(call=call).order_by("code"))
    own = [e for e in envelopes if e.budget_amount is not None]
    sharing = [e for e in envelopes if e.budget_amount is None]
    pools = [RankingPool(envelope=e, envelopes=[e], budget=e.budget_amount) for e in own]
    by_id = {pool.envelope.pk: pool for pool in pools}
    shared_budget = ZERO
    if not envelopes or sharing:
        held = sum((e.budget_amount for e in own), ZERO)
        shared_budget = max(call.budget_amount - held, ZERO)
        by_id[SHARED] = RankingPool(envelope=None, envelopes=sharing, budget=shared_budget)
        pools.append(by_id[SHARED])
    return _Layout(
        call=call,
        pools=pools,
        by_id=by_id,
        own_cents={e.pk: _cents(e.budget_amount) for e in own},
        shared_cents=_cents(shared_budget),
        envelopes={e.pk: e for e in envelopes},
    )


def _ranked(layout: _Layout) -> tuple[str, list]:
    """The ranking query (SQL and parameters): the call's ranked applications
    with their pool, the pool's budget in cents, rank, grant and cumulative
    grant in cents, score in hundredths and outcome, computed by the
    database. Its columns: _COLUMNS but `name`, `grant_requested`, `score`."""
    call = layout.call
    names = _names()
    envelope = f"b.{names['envelope_id']}"
    own = list(layout.own_cents.items())
    if own:
        marks = ", ".join(["%s"] * len(own))
        pool_sql = f"CASE WHEN {envelope} IN ({marks}) THEN {envelope} ELSE %s END"
        pool_params = [*(pk for pk, _cents in own), SHARED]
        budget_sql = f"CASE {envelope} {' '.join(['WHEN %s THEN %s'] * len(own))} ELSE %s END"
        budget_params = [*(value for pair in own for value in pair), layout.shared_cents]
    else:
        pool_sql, pool_params = "%s", [SHARED]
        budget_sql, budget_params = "%s", [layout.shared_cents]
    base = (
        Application.objects.filter(call=call, status__in=RANKED_STATUSES)
        .values("id", "number", "status", "submitted_at", "envelope_id", "applicant_id", "grant_requested", "score")
        .order_by()
    )
    base_sql, base_params = base.query.sql_with_params()
    threshold = math.ceil(Decimal(call.quality_threshold) * 100)
    outcome_params = [
        *(status.value for status in DECIDED_STATUSES),
        threshold,
        ApplicationStatus.REJECTED.value,
        ApplicationStatus.APPROVED.value,
        ApplicationStatus.RESERVE.value,
    ]
    sql = _RANKED_SQL.format(base=base_sql, pool_sql=pool_sql, budget_sql=budget_sql, **names)
    return sql, [*outcome_params, *pool_params, *budget_params, *base_params]


def _fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _row(pool: RankingPool, threshold, application: RankedApplication, rank, score_h, grant_c, cumulative_c, outcome):
    score = _from_cents(score_h)
    return RankingRow(
        application=application,
        rank=int(rank),
        score=score,
        grant=_from_cents(grant_c),
        cumulative=_from_cents(cumulative_c),
        fits=int(cumulative_c) <= _cents(pool.budget),
        outcome=outcome,
        above_threshold=score >= threshold,
        cut_off=int(rank) == pool.cutoff_rank,
    )


def _add_pending(layout: _Layout, pending: dict[int | None, int]) -> None:
    """Count the applications still in the eligibility check or evaluation
    (by envelope) in their pools."""
    for envelope_id, n in pending.items():
        pool = layout.by_id.get(envelope_id if envelope_id in layout.own_cents else SHARED)
        if pool is not None:
            pool.pending += n


def ranking(call: Call) -> list[RankingPool]:
    """The call's ranking lists with every row: envelopes with their own
    budget (by code), then the shared pool when the call has no envelopes or
    some envelope has no budget of its own. Three queries whatever the number
    of applications (the envelopes, the applications' values, the ranking);
    no model instance per row."""
    layout = _layout(call)
    details = {}
    pending: dict[int | None, int] = {}
    for pk, title, status, submitted_at, de_minimis, envelope_id, decision_id, project_id, *applicant in (
        Application.objects.filter(call=call, status__in=[*RANKED_STATUSES, *PENDING_STATUSES])
        .values_list(
            "pk",
            "title",
            "status",
            "submitted_at",
            "de_minimis_received",
            "envelope_id",
            "decision_id",
            "project_id",
            "applicant_id",
            "applicant__name",
            "applicant__legal_code",
        )
        .order_by()
    ):
        if status in PENDING_STATUSES:
            pending[envelope_id] = pending.get(envelope_id, 0) + 1
        else:
            details[pk] = (title, status, submitted_at, de_minimis, envelope_id, decision_id, project_id, applicant)
    ranked_sql, params = _ranked(layout)
    applicants: dict[int, RankedApplicant] = {}
    envelopes = layout.envelopes
    threshold = call.quality_threshold
    for pk, pool_id, rank, score_h, grant_c, cumulative_c, outcome, number in _fetch(
        _ALL_SQL.format(ranked=ranked_sql, **_names()), params
    ):
        title, status, submitted_at, de_minimis, envelope_id, decision_id, project_id, applicant = details[pk]
        applicant_id, applicant_name, legal_code = applicant
        if applicant_id not in applicants:
            applicants[applicant_id] = RankedApplicant(applicant_id, applicant_name, legal_code)
        application = RankedApplication(
            pk=pk,
            number=number,
            applicant=applicants[applicant_id],
            title=title,
            status=status,
            score=_from_cents(score_h),
            grant_requested=_from_cents(grant_c),
            submitted_at=submitted_at,
            de_minimis_received=de_minimis,
            envelope=envelopes.get(envelope_id),
            decision_id=decision_id,
            project_id=project_id,
        )
        pool = layout.pool(pool_id)
        if outcome == ApplicationStatus.RESERVE and pool.cutoff_rank is None:
            pool.cutoff_rank = int(rank)
        row = _row(pool, threshold, application, rank, score_h, grant_c, cumulative_c, outcome)
        pool.rows.append(row)
        pool.counts[outcome] = pool.counts.get(outcome, 0) + 1
        if outcome == ApplicationStatus.APPROVED:
            pool.approved_total += row.grant
    for pool in layout.pools:
        pool.size = len(pool.rows)
    _add_pending(layout, pending)
    return layout.pools


def ranking_page(
    call: Call, *, pages: dict[str, int | str] | None = None, per_page: int = PER_PAGE
) -> list[RankingPool]:
    """The call's ranking lists for the ranking page: each pool's summary
    over the whole list (counts by outcome, approved total, cut-off) and the
    rows of one page of it (`pages`: pool key → page number, default 1; out
    of range: the nearest page). Three queries whatever the number of
    applications (the envelopes, the ranking with the summary and the pages'
    rows, the pending counts); a page out of range costs one more."""
    layout = _layout(call)
    wanted = {}
    for pool in layout.pools:
        try:
            wanted[pool.pool_id] = max(int((pages or {}).get(pool.key, 1)), 1)
        except (TypeError, ValueError):
            wanted[pool.pool_id] = 1
    ranked_sql, params = _ranked(layout)
    names = _names()

    def run(page_of: dict[int, int]) -> list[tuple]:
        ranges = [(pool_id, (page - 1) * per_page + 1, page * per_page) for pool_id, page in page_of.items()]
        where = " OR ".join(_PAGE_RANGE_SQL.format(**names) for _range in ranges) or "1 = 0"
        sql = _PAGE_SQL.format(ranked=ranked_sql, where=where, **names)
        return _fetch(sql, [*params, *(value for triple in ranges for value in triple)])

    result = run(wanted)
    summary = [row for row in result if not row[0]]
    for _part, pool_id, outcome, n, grant_c, first_rank, *_rest in summary:
        pool = layout.pool(pool_id)
        pool.counts[outcome] = int(n)
        pool.size += int(n)
        if outcome == ApplicationStatus.APPROVED:
            pool.approved_total = _from_cents(grant_c)
        elif outcome == ApplicationStatus.RESERVE:
            pool.cutoff_rank = int(first_rank)
    for pool in layout.pools:
        pool.per_page = per_page
        pool.pages = max(1, math.ceil(pool.size / per_page))
        pool.page = min(wanted.get(pool.pool_id, 1), pool.pages)
    if any(pool.page != wanted.get(pool.pool_id) for pool in layout.pools):
        result = run({pool.pool_id: pool.page for pool in layout.pools})
    threshold = call.quality_threshold
    for row in result:
        if not row[0]:
            continue
        _part, pool_id, outcome, rank, score_h, grant_c, cumulative_c, pk, number, envelope_id, *applicant = row
        application = RankedApplication(
            pk=pk,
            number=number,
            applicant=RankedApplicant(*applicant),
            envelope=layout.envelopes.get(envelope_id),
        )
        pool = layout.pool(pool_id)
        pool.rows.append(_row(pool, threshold, application, rank, score_h, grant_c, cumulative_c, outcome))
    pending = (
        Application.objects.filter(call=call, status__in=PENDING_STATUSES)
        .values("envelope_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    _add_pending(layout, {row["envelope_id"]: row["n"] for row in pending})
    return layout.pools


def ranking_pending_count(pools: list[RankingPool]) -> int:
    """Applications the decision still waits for."""
    return sum(pool.pending for pool in pools)


def assignments_for(evaluator) -> QuerySet[EvaluatorAssignment]:
    """An evaluator's own assignments (a conflict included, so they see it is
    recorded), with the application's call and applicant; one query."""
    return (
        EvaluatorAssignment.objects.filter(evaluator=evaluator)
        .select_related("application__call", "application__applicant", "application__envelope")
        .order_by("application__call__closes_at", "assigned_at", "pk")
    )


def assignment_get_for(*, user, pk: int, content: bool = True) -> EvaluatorAssignment:
    """The user's own assignment, or Http404 (someone else's looks like none).
    With `content`, also 404 unless the evaluator has declared no conflict:
    the application's content is shown only then."""
    assignments = assignments_for(user).filter(pk=pk)
    if content:
        assignments = assignments.filter(status__in=[AssignmentStatus.SCORING, AssignmentStatus.COMPLETED])
    else:
        assignments = assignments.exclude(status=AssignmentStatus.CONFLICT)
    assignment = assignments.first()
    if assignment is None:
        raise Http404(_("No such evaluation."))
    return assignment


def evaluation_summary(application: Application) -> dict:
    """Counts of an application's assignments by status and the completed
    scores' total, in one query (for officer pages)."""
    rows = (
        EvaluatorAssignment.objects.filter(application=application)
        .values("status")
        .annotate(n=Count("pk"), total=Sum("score"))
        .order_by()
    )
    return {row["status"]: {"count": row["n"], "total": row["total"]} for row in rows}
