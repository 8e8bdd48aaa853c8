"""The home page after login, one per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.permissions import Access
from grants.selectors.instruments import programme_overview
from grants.selectors.projects import project_list_for_applicant


@login_required
def home(request):
    """Officers and auditors see each programme's money and indicators by
    instrument; an applicant its organisation's projects; other roles a note."""
    user = request.user
    access = Access.of(user)
    if access.sees_all_data:
        return render(request, "grants/home_oversight.html", {"programmes": programme_overview()})
    if access.acts_for_organisation:
        return render(request, "grants/home_applicant.html", {"projects": project_list_for_applicant(user)})
    return render(request, "grants/home_other.html")
