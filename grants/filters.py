"""Search, status filter and sorting of the project list on the instrument page."""

import django_filters
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from grants.models import ProjectStatus

# Projects sorted by status follow the workflow (contracted first), not the alphabet.
STATUS_RANK = Case(
    *(When(status=value, then=Value(rank)) for rank, value in enumerate(ProjectStatus.values)),
    default=Value(len(ProjectStatus.values)),
    output_field=IntegerField(),
)

# Sort keys of the page (the URL's ?sort=) and the queryset fields they order by.
SORT_FIELDS = {"code": "code", "title": "title", "grant": "grant_amount", "paid": "paid_total", "status": "status_rank"}


class ProjectOrderingFilter(django_filters.OrderingFilter):
    """Orders by one of SORT_FIELDS, then by code so that pages are stable."""

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param]
        if any(field.lstrip("-") == "status_rank" for field in ordering):
            qs = qs.annotate(status_rank=STATUS_RANK)
        return qs.order_by(*ordering, "code")


class ProjectFilter(django_filters.FilterSet):
    """Filters a queryset of projects annotated with `paid_total`."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Part of a project's code or title, or of its beneficiary's name or company code."),
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ProjectStatus.choices, empty_label=_("Any status"))
    sort = ProjectOrderingFilter(
        label=_("Sort by"),
        fields={field: key for key, field in SORT_FIELDS.items()},
        field_labels={
            "code": _("Code"),
            "title": _("Title"),
            "grant_amount": _("Grant"),
            "paid_total": _("Paid"),
            "status_rank": _("Status"),
        },
        empty_label=_("Code"),
    )

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(title__icontains=value)
            | Q(beneficiary__name__icontains=value)
            | Q(beneficiary__legal_code__icontains=value)
        )
