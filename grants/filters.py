"""Search, filters and sorting of the project lists: the instrument page's
(ProjectFilter) and the officers' workspace list and its API
(WorkspaceProjectFilter)."""

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.functional import lazy
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clusters.models import Organisation
from grants.models import Call, Instrument, Project, ProjectStatus

# Projects sorted by status follow the workflow (contracted first), not the alphabet.
STATUS_RANK = Case(
    *(When(status=value, then=Value(rank)) for rank, value in enumerate(ProjectStatus.values)),
    default=Value(len(ProjectStatus.values)),
    output_field=IntegerField(),
)

# Sort keys of the page (the URL's ?sort=) and the queryset fields they order by.
SORT_FIELDS = {"code": "code", "title": "title", "grant": "grant_amount", "paid": "paid_total", "status": "status_rank"}


def _descending(label) -> str:
    return gettext_now("%(label)s, descending") % {"label": label}


descending_label = lazy(_descending, str)


class ProjectOrderingFilter(django_filters.OrderingFilter):
    """Orders by one of SORT_FIELDS, then by code so that pages are stable."""

    def build_choices(self, fields, labels):
        # django-filter formats "(descending)" once, in the language active at
        # import; these labels are translated when the form is shown.
        ascending = [(param, labels.get(field, param)) for field, param in fields.items()]
        choices = []
        for param, label in ascending:
            choices += [(param, label), (f"-{param}", descending_label(label))]
        return choices

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


# The workspace list also sorts by beneficiary and end date (the URL's ?sort=).
WORKSPACE_SORT_FIELDS = {
    **SORT_FIELDS,
    "beneficiary": "beneficiary__name",
    "end": "end_date",
}
WORKSPACE_SORT_LABELS = {
    "code": _("Code"),
    "title": _("Title"),
    "beneficiary__name": _("Beneficiary"),
    "grant_amount": _("Grant"),
    "paid_total": _("Paid"),
    "status_rank": _("Status"),
    "end_date": _("End date"),
}
# Up to this many beneficiaries the filter is a list to choose from.
BENEFICIARY_SELECT_LIMIT = 300
OVERDUE_YES = "yes"
OVERDUE_NO = "no"


def _beneficiaries(request=None):
    """Organisations that are the beneficiary of a project, by name (the filter's options)."""
    return Organisation.objects.filter(pk__in=Project.objects.values("beneficiary")).order_by("name", "pk")


class WorkspaceProjectFilter(ProjectFilter):
    """Filters a queryset of grants.selectors.workspace.workspace_projects (annotated
    with paid_total, open_claim_count and has_overdue_claims): the search and
    status of the instrument page, and instrument, call, beneficiary and overdue
    claims. The page, its CSV/XLSX export and GET /api/v1/projects/ use this one
    filter, so they list the same projects in the same order."""

    instrument = django_filters.ModelChoiceFilter(
        label=_("Instrument"),
        queryset=Instrument.objects.order_by("code"),
        empty_label=_("Any instrument"),
    )
    call = django_filters.ModelChoiceFilter(
        label=_("Call for proposals"),
        queryset=Call.objects.order_by("code"),
        empty_label=_("Any call"),
    )
    # By company code (?beneficiary=300000001), which officers know and type
    # when there are too many beneficiaries for a list.
    beneficiary = django_filters.ModelChoiceFilter(
        label=_("Beneficiary"),
        queryset=_beneficiaries,
        to_field_name="legal_code",
        empty_label=_("Any beneficiary"),
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Overdue claims"),
        method="filter_overdue",
        choices=((OVERDUE_YES, _("With an overdue claim")), (OVERDUE_NO, _("Without overdue claims"))),
        empty_label=pgettext_lazy("overdue claims filter", "Any"),
        help_text=_("A claim waiting for payment (submitted, under verification or approved) after its due date."),
    )
    sort = ProjectOrderingFilter(
        label=_("Sort by"),
        fields={field: key for key, field in WORKSPACE_SORT_FIELDS.items()},
        field_labels=WORKSPACE_SORT_LABELS,
        empty_label=_("Code"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An instrument and a call are named by their code first, as officers know them.
        for name in ("instrument", "call"):
            self.form.fields[name].label_from_instance = lambda obj: f"{obj.code} {_name_of(obj)}"
        beneficiary = self.form.fields["beneficiary"]
        if _beneficiaries().count() > BENEFICIARY_SELECT_LIMIT:
            # Thousands of options would make every page heavy: the company code is typed instead.
            beneficiary.widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 9})
            beneficiary.help_text = _("The beneficiary's company code (9 digits).")
            beneficiary.error_messages["invalid_choice"] = _("No beneficiary has this company code.")

    def filter_overdue(self, queryset, name, value):
        if value == OVERDUE_YES:
            return queryset.filter(has_overdue_claims=True)
        if value == OVERDUE_NO:
            return queryset.filter(has_overdue_claims=False)
        return queryset


def _name_of(obj) -> str:
    return getattr(obj, "name", None) or getattr(obj, "title", "")


def sort_headers(columns, sort: str, default: str = "code") -> list[dict]:
    """Column headers that sort a table through links: `columns` are (sort key
    or None, label, numeric). The sorted column says so (aria-sort) and its link
    reverses the order; the others sort ascending."""
    current = (sort.split(",")[0] or default).strip()
    headers = []
    for key, label, numeric in columns:
        header = {"key": key, "label": label, "numeric": numeric, "sort_param": key, "aria_sort": "", "sort_hint": ""}
        if key is not None:
            if current == key:
                header.update(
                    aria_sort="ascending",
                    sort_param=f"-{key}",
                    sort_hint=gettext_now("sorted ascending; sort descending"),
                )
            elif current == f"-{key}":
                header.update(aria_sort="descending", sort_hint=gettext_now("sorted descending; sort ascending"))
            else:
                header["sort_hint"] = gettext_now("sort ascending")
        headers.append(header)
    return headers
