"""The officers' and auditors' project list (/manage/projects/): search,
filters, sorting by column, pages, and the same list as CSV or XLSX
(?format=csv|xlsx: every matching project, not only the page)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.permissions import Access
from grants.exports import EXPORT_FORMATS, PROJECT_COLUMNS, export_response
from grants.filters import WorkspaceProjectFilter, sort_headers
from grants.selectors.workspace import workspace_projects

PROJECTS_PER_PAGE = 25

# The table's columns: sort key (?sort=, see grants.filters.WORKSPACE_SORT_FIELDS), label, numeric.
COLUMNS = (
    ("code", gettext_lazy("Code"), False),
    ("title", gettext_lazy("Title"), False),
    ("beneficiary", gettext_lazy("Beneficiary"), False),
    (None, gettext_lazy("Instrument"), False),
    ("status", gettext_lazy("Status"), False),
    ("end", gettext_lazy("End date"), False),
    ("grant", gettext_lazy("Grant"), True),
    ("paid", gettext_lazy("Paid"), True),
    (None, gettext_lazy("Open claims"), True),
    (None, gettext_lazy("Overdue"), False),
)


def _require_reader(request) -> None:
    """Every organisation's projects and payments: officers and auditors only;
    anyone else is told there is no such page (deny by default)."""
    if not Access.of(request.user).sees_all_data:
        raise Http404(_("No such page."))


@login_required
@require_GET
def project_list(request):
    _require_reader(request)
    projects = WorkspaceProjectFilter(request.GET or None, queryset=workspace_projects())
    fmt = request.GET.get("format", "")
    if fmt in EXPORT_FORMATS:
        return export_response(
            fmt, queryset=projects.qs, columns=PROJECT_COLUMNS, stem="projects", sheet_title=_("Projects")
        )
    page = Paginator(projects.qs, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    sort = request.GET.get("sort", "") if projects.is_bound and "sort" not in projects.errors else ""
    filtered = any(request.GET.get(name) for name in projects.form.fields if name != "sort")
    context = {
        "filter": projects,
        "page": page,
        "columns": sort_headers(COLUMNS, sort),
        "filtered": filtered,
    }
    return render(request, "grants/workspace/project_list.html", context)
