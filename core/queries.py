"""Correlated SQL aggregates for selectors: a per-row SUM or COUNT as a
subquery, so that a list costs one query whatever the number of related rows
(and joins cannot multiply the sums)."""

from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

MONEY = DecimalField(max_digits=16, decimal_places=2)


def sum_subquery(queryset: QuerySet, outer_field: str, column: str, inner_field: str = "pk") -> Coalesce:
    """SUM(column) over `queryset` rows whose `outer_field` equals the outer row's
    `inner_field`; 0.00 when there are none."""
    summed = (
        queryset.filter(**{outer_field: OuterRef(inner_field)})
        .order_by()
        .values(outer_field)
        .annotate(total=Sum(column))
        .values("total")
    )
    return Coalesce(Subquery(summed, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY)


def count_subquery(queryset: QuerySet, outer_field: str) -> Coalesce:
    """COUNT of `queryset` rows whose `outer_field` is the outer row; 0 when none."""
    counted = (
        queryset.filter(**{outer_field: OuterRef("pk")})
        .order_by()
        .values(outer_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
