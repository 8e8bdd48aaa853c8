"""The ranking lists of a call, one per budget pool, and the evaluators' own
assignments. The ranking costs a fixed number of queries whatever the number
of applications; the funding decision (grants.services.selection.call_decide)
walks the same lists. Rules: docs/domain.md, "Selection"."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from core.money import ZERO
from grants.models import Application, ApplicationStatus, AssignmentStatus, Call, Envelope, EvaluatorAssignment

# Applications on a ranking list: evaluated ones, and after the decision the
# decided ones.
RANKED_STATUSES = (
    ApplicationStatus.EVALUATED,
    ApplicationStatus.APPROVED,
    ApplicationStatus.RESERVE,
    ApplicationStatus.REJECTED,
)
PENDING_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ELIGIBILITY_CHECK,
    ApplicationStatus.UNDER_EVALUATION,
)
# THE tie rule: a higher score first; equal scores: the earlier submission,
# then the lower application number.
RANKING_ORDER = ("-score", "submitted_at", "number")


@dataclass
class RankingRow:
    application: Application
    rank: int
    score: Decimal
    grant: Decimal
    cumulative: Decimal  # the grants of this row and every row above it
    fits: bool  # the cumulative grant is within the pool's budget
    outcome: str  # provisional (before the decision) or decided: approved, reserve or rejected
    above_threshold: bool


@dataclass
class RankingPool:
    """One list ranked and cut on its own: an envelope with its own budget, or
    the shared pool (envelopes without a budget of their own, or a call with
    no envelopes) against the call budget the envelopes do not hold."""

    envelope: Envelope | None  # None: the shared pool
    envelopes: list[Envelope]  # the envelopes drawing on this pool (empty for a call without envelopes)
    budget: Decimal
    rows: list[RankingRow] = field(default_factory=list)
    pending: int = 0  # applications of the pool still in the eligibility check or evaluation

    @property
    def shared(self) -> bool:
        return self.envelope is None

    @property
    def key(self) -> str:
        return self.envelope.code if self.envelope is not None else "shared"

    @property
    def approved_total(self) -> Decimal:
        return sum((r.grant for r in self.rows if r.outcome == ApplicationStatus.APPROVED), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.approved_total


def ranking(call: Call) -> list[RankingPool]:
    """The call's ranking lists: envelopes with their own budget (by code),
    then the shared pool when the call has no envelopes or some envelope has
    no budget of its own. Three queries, whatever the number of applications.

    Each list is ordered by RANKING_ORDER; walking from the top, an
    application below the call's quality threshold is rejected; one whose
    grant keeps the cumulative total within the budget is approved; the
    others above the threshold are reserve (the cumulative total only grows,
    so no application further down is approved past one that did not fit)."""
    envelopes = list(Envelope.objects.filter(call=call).order_by("code"))
    own = [e for e in envelopes if e.budget_amount is not None]
    sharing = [e for e in envelopes if e.budget_amount is None]
    pools: dict[int | None, RankingPool] = {
        e.pk: RankingPool(envelope=e, envelopes=[e], budget=e.budget_amount) for e in own
    }
    shared = None
    if not envelopes or sharing:
        held = sum((e.budget_amount for e in own), ZERO)
        shared = RankingPool(envelope=None, envelopes=sharing, budget=max(call.budget_amount - held, ZERO))
    pool_of = {e.pk: pools[e.pk] for e in own}
    for e in sharing:
        pool_of[e.pk] = shared

    applications = (
        Application.objects.filter(call=call, status__in=RANKED_STATUSES)
        .select_related("applicant", "envelope")
        .only(
            "id",
            "call_id",
            "number",
            "title",
            "status",
            "score",
            "grant_requested",
            "submitted_at",
            "de_minimis_received",
            "applicant_id",
            "applicant__name",
            "applicant__legal_code",
            "applicant__organisation_type",
            "envelope_id",
            "envelope__code",
            "envelope__name_lt",
            "envelope__name_en",
            "decision_id",
            "project_id",
        )
        .order_by(*RANKING_ORDER)
    )
    threshold = call.quality_threshold
    for application in applications:
        pool = pool_of.get(application.envelope_id, shared)
        if pool is None:  # an envelope removed after the fact: rank it with the shared pool
            pool = shared = shared or RankingPool(envelope=None, envelopes=[], budget=ZERO)
        cumulative = (pool.rows[-1].cumulative if pool.rows else ZERO) + application.grant_requested
        score = application.score if application.score is not None else ZERO
        above = score >= threshold
        fits = cumulative <= pool.budget
        reserve_started = any(r.outcome == ApplicationStatus.RESERVE for r in pool.rows[-1:])
        if not above:
            outcome = ApplicationStatus.REJECTED
        elif fits and not reserve_started:
            outcome = ApplicationStatus.APPROVED
        else:
            outcome = ApplicationStatus.RESERVE
        pool.rows.append(
            RankingRow(
                application=application,
                rank=len(pool.rows) + 1,
                score=score,
                grant=application.grant_requested,
                cumulative=cumulative,
                fits=fits,
                outcome=outcome,
                above_threshold=above,
            )
        )

    pending = (
        Application.objects.filter(call=call, status__in=PENDING_STATUSES)
        .values("envelope_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in pending:
        pool = pool_of.get(row["envelope_id"], shared)
        if pool is not None:
            pool.pending += row["n"]

    result = [pools[e.pk] for e in own]
    if shared is not None:
        result.append(shared)
    return result


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
