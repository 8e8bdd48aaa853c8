"""The instrument page: its figures, calls, indicators and projects."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.permissions import Access
from grants.filters import ProjectFilter
from grants.selectors.budget import rollup_annotations
from grants.selectors.instruments import instrument_calls, instrument_figures, instrument_get, instrument_projects

PROJECTS_PER_PAGE = 25

# The project table's columns: sort key (the URL's ?sort=, see grants.filters), label, numeric.
PROJECT_COLUMNS = (
    ("code", gettext_lazy("Code"), False),
    ("title", gettext_lazy("Title"), False),
    (None, gettext_lazy("Beneficiary"), False),
    ("status", gettext_lazy("Status"), False),
    ("grant", gettext_lazy("Grant"), True),
    ("paid", gettext_lazy("Paid"), True),
)


def project_columns(sort: str) -> list[dict]:
    """Column headers that sort the table: the sorted column says so
    (aria-sort), and its link reverses the order. No sort means by code."""
    current = (sort.split(",")[0] or "code").strip()
    columns = []
    for key, label, numeric in PROJECT_COLUMNS:
        column = {"label": label, "numeric": numeric, "sort_param": key, "aria_sort": "", "sort_hint": ""}
        if key is None:
            columns.append(column)
            continue
        if current == key:
            column.update(aria_sort="ascending", sort_param=f"-{key}", sort_hint=_("sorted ascending; sort descending"))
        elif current == f"-{key}":
            column.update(aria_sort="descending", sort_hint=_("sorted descending; sort ascending"))
        else:
            column["sort_hint"] = _("sort ascending")
        columns.append(column)
    return columns


@login_required
@require_GET
def instrument_detail(request, pk: int):
    """Read-only page of one instrument, for the roles that see all data
    (officers and auditors). An instrument page lists every organisation's
    projects and grants, so applicants, evaluators and administrators who are
    not superusers get 404, as if the page did not exist (deny by default;
    applicants reach their own projects from their home page)."""
    if not Access.of(request.user).sees_all_data:
        raise Http404(_("No such instrument."))
    instrument = instrument_get(pk)
    projects = ProjectFilter(request.GET or None, queryset=instrument_projects(instrument))
    page = Paginator(projects.qs, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    sort = request.GET.get("sort", "") if projects.is_bound and "sort" not in projects.errors else ""
    context = {
        "instrument": instrument,
        "figures": instrument_figures(instrument),
        # Each call with its roll-up (planned, claimed, verified eligible, paid,
        # remaining) in the one query the call table costs.
        "calls": instrument_calls(instrument).annotate(**rollup_annotations("call")),
        "filter": projects,
        "page": page,
        "columns": project_columns(sort),
    }
    return render(request, "grants/instrument_detail.html", context)
