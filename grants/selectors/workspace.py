"""The officers' project list (/manage/projects/ and GET /api/v1/projects/):
every project with what has been paid, its open claims and whether a claim is
overdue for payment, all computed by the database in the one query of a page."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from core.queries import count_subquery, sum_subquery
from grants.models import CLAIM_OPEN, ClaimStatus, Payment, PaymentClaim, Project

# A claim waits for its payment from its submission until it is paid, except
# while it is back with the beneficiary (Regulation (EU) 2021/1060, Article
# 74(2): those days do not count, and the service moves payment_due_on on).
CLAIM_AWAITING_PAYMENT = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_VERIFICATION, ClaimStatus.APPROVED)


def vilnius_today(now: datetime | None = None) -> date:
    """Today (or the day of `now`) in the programme's time zone: a claim is
    overdue from the day after its due date there, whatever the server's zone."""
    return timezone.localdate(now, timezone=ZoneInfo(settings.TIME_ZONE))


def overdue_claims(today: date) -> QuerySet[PaymentClaim]:
    """Claims waiting for payment whose due date has passed."""
    return PaymentClaim.objects.filter(status__in=CLAIM_AWAITING_PAYMENT, payment_due_on__lt=today)


def workspace_projects(today: date | None = None) -> QuerySet[Project]:
    """Every project with its instrument, call and beneficiary, annotated with
    `paid_total` (its payments), `open_claim_count` (claims not yet finished,
    CLAIM_OPEN) and `has_overdue_claims` — correlated subqueries, so a page of
    any size is one query and joins cannot multiply the sums. Ordered by code;
    grants.filters.WorkspaceProjectFilter filters and sorts it."""
    today = today or vilnius_today()
    return (
        Project.objects.select_related("instrument", "call", "beneficiary")
        .annotate(
            paid_total=sum_subquery(Payment.objects.all(), "project", "amount"),
            open_claim_count=count_subquery(PaymentClaim.objects.filter(status__in=CLAIM_OPEN), "project"),
            has_overdue_claims=Exists(overdue_claims(today).filter(project=OuterRef("pk"))),
        )
        .order_by("code")
    )
