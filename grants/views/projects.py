"""The project page: beneficiary and partners, dates, status history, budget
lines with claimed, verified and paid expenditure, claims, payments,
indicators, amendments and its reports."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from grants.selectors.amendments import project_agreement_versions, project_amendments
from grants.selectors.budget import project_budget
from grants.selectors.claims import project_claims
from grants.selectors.projects import (
    project_get_for,
    project_indicators,
    project_payments,
    project_status_history,
)


@login_required
@require_GET
def project_detail(request, pk: int):
    """Read-only page of one project. Officers and auditors open every project;
    an applicant only its organisation's (as beneficiary or partner); anyone
    else, and an applicant asking for another organisation's project, gets 404
    (grants.selectors.projects.projects_visible_to draws the line)."""
    project = project_get_for(user=request.user, pk=pk)
    context = {
        "project": project,
        "partners": project.partners.order_by("name"),
        "history": project_status_history(project),
        # The budget lines against claimed, verified eligible and paid
        # expenditure; the payments' total is the one the page states already.
        "budget": project_budget(project, payments_total=project.paid_total),
        "payments": project_payments(project),
        "indicators": project_indicators(project),
        "claims": project_claims(project),
        "amendments": project_amendments(project),
        "agreement_versions": project_agreement_versions(project),
    }
    return render(request, "grants/project_detail.html", context)
