"""Template tags through which pages of lower apps show their reports: grants
may not import reports (core ← clusters ← grants ← reports), so a grants
template loads these tags instead."""

from django import template

from reports.models import ReportKind
from reports.selectors import report_jobs_visible_to

register = template.Library()

# The project page lists the latest statements; older ones are on the reports page.
PROJECT_REPORTS_SHOWN = 10


@register.simple_tag(takes_context=True)
def project_reports(context, project) -> list:
    """The project statements of `project` that the signed-in user may see,
    newest first, with their files: one query.
    Usage: {% project_reports project as statements %}"""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    jobs = (
        report_jobs_visible_to(user)
        .filter(kind=ReportKind.PROJECT, params__project_id=project.pk)
        .select_related("output")
        .order_by("-queued_at", "-pk")
    )
    return list(jobs[:PROJECT_REPORTS_SHOWN])
