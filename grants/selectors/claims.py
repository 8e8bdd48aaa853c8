"""Reads of payment claims: which claims a user may see, a project's claims,
the officers' verification queue. Totals are summed by the database."""

from datetime import date

from django.db.models import Count, DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from clusters.selectors.organisations import organisation_id_for
from core.permissions import Access
from grants.models import CLAIM_OPEN_FOR_OFFICER, ExpenditureItem, PaymentClaim, Project

_MONEY = DecimalField(max_digits=14, decimal_places=2)


def project_claims(project: Project) -> QuerySet[PaymentClaim]:
    """The project's claims, newest first, with their totals (the project page's list)."""
    return claim_with_totals(PaymentClaim.objects.filter(project=project)).order_by("-number")


def claims_visible_to(user) -> QuerySet[PaymentClaim]:
    """Officers and auditors: every claim; an applicant: the claims of the
    projects its organisation is the beneficiary of; everyone else: none."""
    claims = PaymentClaim.objects.select_related("project__instrument", "project__beneficiary")
    access = Access.of(user)
    if access.sees_all_data:
        return claims
    if access.acts_for_organisation:
        organisation_id = organisation_id_for(user)
        if organisation_id is None:
            return claims.none()
        return claims.filter(project__beneficiary_id=organisation_id)
    return claims.none()


def claim_get_for(*, user, pk) -> PaymentClaim:
    """The claim if `user` may see it; Http404 otherwise."""
    try:
        return claims_visible_to(user).get(pk=int(pk))
    except (PaymentClaim.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def items_visible_to(user) -> QuerySet[ExpenditureItem]:
    return ExpenditureItem.objects.filter(claim__in=claims_visible_to(user).values("pk")).select_related(
        "claim__project", "budget_line__cost_category"
    )


def item_get_for(*, user, pk) -> ExpenditureItem:
    """The item if `user` may see its claim; Http404 otherwise."""
    try:
        return items_visible_to(user).get(pk=int(pk))
    except (ExpenditureItem.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def _item_sum(field: str):
    """One subquery per total, so that joining items never multiplies rows."""
    totals = (
        ExpenditureItem.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(total=Sum(field))
        .values("total")
    )
    return Coalesce(Subquery(totals, output_field=_MONEY), Value(0, output_field=_MONEY))


def claim_with_totals(qs: QuerySet[PaymentClaim]) -> QuerySet[PaymentClaim]:
    """Claims annotated with claimed_total, eligible_total (verified items
    only) and item_count, computed in SQL."""
    counts = (
        ExpenditureItem.objects.filter(claim=OuterRef("pk"))
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        claimed_total=_item_sum("claimed_amount"),
        eligible_total=_item_sum("eligible_amount"),
        item_count=Coalesce(Subquery(counts), Value(0)),
    )


def claims_queue(today: date | None = None) -> QuerySet[PaymentClaim]:
    """Claims the officers have to act on (submitted, under verification),
    the oldest submission first, with their totals. `today` is accepted so
    that callers can compute days left (grants.services.claims.claim_days_left)."""
    claims = PaymentClaim.objects.filter(status__in=CLAIM_OPEN_FOR_OFFICER).select_related(
        "project__instrument", "project__beneficiary"
    )
    return claim_with_totals(claims).order_by("submitted_at", "pk")
