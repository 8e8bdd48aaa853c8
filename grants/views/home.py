"""The home page after login, one per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.permissions import Access
from grants.selectors.budget import budget_rollup, rollup_total
from grants.selectors.instruments import programme_overview
from grants.selectors.projects import project_list_for_applicant


@login_required
def home(request):
    """Officers and auditors see each programme's money, expenditure and
    indicators by instrument; an applicant its organisation's projects; other roles a note."""
    user = request.user
    access = Access.of(user)
    if access.sees_all_data:
        programmes = programme_overview()
        # Expenditure by instrument (the budget roll-up: four queries for every
        # instrument) and each programme's total, beside the money table.
        by_programme: dict[int, list] = {}
        for row in budget_rollup("instrument"):
            by_programme.setdefault(row.parent_id, []).append(row)
        for overview in programmes:
            rows = by_programme.get(overview.programme.pk, [])
            overview.expenditure = rows
            overview.expenditure_total = rollup_total(rows)
        return render(request, "grants/home_oversight.html", {"programmes": programmes})
    if access.acts_for_organisation:
        return render(request, "grants/home_applicant.html", {"projects": project_list_for_applicant(user)})
    return render(request, "grants/home_other.html")
