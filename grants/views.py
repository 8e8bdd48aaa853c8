"""HTML pages of the grants workspace: the home page after login, one per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.permissions import Access
from grants.selectors.progress import instrument_progress
from grants.selectors.projects import project_list_for_applicant


@login_required
def home(request):
    user = request.user
    access = Access.of(user)
    context = {"role": user.get_role_display()}
    if access.sees_all_data:
        context["instruments"] = instrument_progress()
        template = "grants/home_oversight.html"
    elif access.acts_for_organisation:
        context["projects"] = project_list_for_applicant(user)
        template = "grants/home_applicant.html"
    else:
        template = "grants/home_other.html"
    return render(request, template, context)
