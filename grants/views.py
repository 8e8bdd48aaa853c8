"""HTML pages of the grants workspace: the home page after login, one per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.models import Role
from grants.selectors import instrument_progress, project_list_for_applicant


@login_required
def home(request):
    user = request.user
    context = {"role": user.get_role_display()}
    if user.sees_everything:
        context["instruments"] = instrument_progress()
        template = "grants/home_oversight.html"
    elif user.role == Role.APPLICANT:
        context["projects"] = project_list_for_applicant(user)
        template = "grants/home_applicant.html"
    else:
        template = "grants/home_other.html"
    return render(request, template, context)
