"""Amendment pages: the beneficiary's request forms (reallocation, extension,
change of partner), an amendment with the officer's decision, an agreement
version compared with the previous one, the officer's project status page and
project edit form. Whoever may not see the project gets 404; writes go
through grants.services.amendments and grants.services.projects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.concurrency import StaleEditError
from core.errors import ApplicationError
from core.permissions import Access
from grants.forms.amendments import (
    DecisionForm,
    ExtensionForm,
    PartnerChangeForm,
    ProjectEditForm,
    ProjectStatusForm,
    ReallocationForm,
    WithdrawForm,
)
from grants.models import AmendmentKind, AmendmentStatus, ProjectStatus
from grants.selectors.amendments import (
    agreement_comparison,
    agreement_version_get_for,
    agreement_version_previous,
    amendment_get_for,
    project_agreement_versions,
)
from grants.selectors.projects import project_get_for
from grants.services.amendments import (
    acts_for_beneficiary,
    amendment_decide,
    amendment_request,
    amendment_withdraw,
    reallocation_rows,
)
from grants.services.projects import PROJECT_TRANSITIONS, project_closing_problems, project_transition, project_update

KINDS = {
    "reallocation": AmendmentKind.BUDGET_REALLOCATION,
    "extension": AmendmentKind.DATE_EXTENSION,
    "partner": AmendmentKind.PARTNER_CHANGE,
}


def _beneficiary_project(request, project_pk: int):
    """The project, for a user of its beneficiary; 404 for anyone else."""
    project = project_get_for(user=request.user, pk=project_pk)
    if not acts_for_beneficiary(request.user, project):
        raise Http404(_("No such page."))
    return project


def _officer_project(request, project_pk: int):
    """The project, for a programme officer; 404 for anyone else."""
    if not Access.of(request.user).manages_programme:
        raise Http404(_("No such page."))
    return project_get_for(user=request.user, pk=project_pk)


def _request_form(kind: str, request, project):
    data = request.POST if request.method == "POST" else None
    if kind == AmendmentKind.BUDGET_REALLOCATION:
        return ReallocationForm(data, rows=reallocation_rows(project))
    if kind == AmendmentKind.DATE_EXTENSION:
        return ExtensionForm(data, initial={"new_end_date": None})
    return PartnerChangeForm(data, project=project)


def _request_arguments(kind: str, form) -> dict:
    data = form.cleaned_data
    if kind == AmendmentKind.BUDGET_REALLOCATION:
        return {"budget": form.budget()}
    if kind == AmendmentKind.DATE_EXTENSION:
        return {"new_end_date": data["new_end_date"]}
    return {"partner_added": data["partner_added"], "partner_removed": data["partner_removed"]}


@login_required
@require_http_methods(["GET", "POST"])
def amendment_create(request, project_pk: int):
    """Without ?kind=: the three kinds to choose from; with it, that kind's form."""
    project = _beneficiary_project(request, project_pk)
    kind_key = request.GET.get("kind")
    context = {"project": project, "kinds": KINDS, "kind_key": kind_key}
    if kind_key not in KINDS:
        return render(request, "grants/amendments/amendment_kind.html", context)
    kind = KINDS[kind_key]
    form = _request_form(kind, request, project)
    if request.method == "POST" and form.is_valid():
        try:
            amendment = amendment_request(
                actor=request.user,
                project=project,
                kind=kind,
                justification=form.cleaned_data["justification"],
                **_request_arguments(kind, form),
            )
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            if amendment.status == AmendmentStatus.APPLIED:
                messages.success(
                    request,
                    _("The reallocation is within the allowed share and applies at once: agreement version %(n)s.")
                    % {"n": amendment.agreement_version.number},
                )
            else:
                messages.success(request, _("Your request has been sent to the programme officer."))
            return redirect("amendments:amendment-detail", amendment.pk)
    context |= {"form": form, "kind": kind, "kind_label": AmendmentKind(kind).label}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "grants/amendments/amendment_form.html", context, status=status)


def _detail_context(request, amendment, decision_form=None, withdraw_form=None, stale=None) -> dict:
    access = Access.of(request.user)
    requested = amendment.status == AmendmentStatus.REQUESTED
    can_decide = requested and access.manages_programme
    can_withdraw = requested and acts_for_beneficiary(request.user, amendment.project)
    return {
        "amendment": amendment,
        "project": amendment.project,
        "budget_changes": list(
            amendment.budget_changes.select_related("budget_line__cost_category").order_by(
                "budget_line__cost_category__code"
            )
        ),
        "can_decide": can_decide,
        "can_withdraw": can_withdraw,
        "form": decision_form or (DecisionForm(initial={"version": amendment.version}) if can_decide else None),
        "withdraw_form": withdraw_form
        or (WithdrawForm(initial={"version": amendment.version}) if can_withdraw else None),
        "stale": stale,
    }


@login_required
@require_GET
def amendment_detail(request, pk: int):
    amendment = amendment_get_for(user=request.user, pk=pk)
    return render(request, "grants/amendments/amendment_detail.html", _detail_context(request, amendment))


@login_required
@require_POST
def amendment_decide_view(request, pk: int):
    amendment = amendment_get_for(user=request.user, pk=pk)
    if not Access.of(request.user).manages_programme:
        raise Http404(_("No such page."))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            amendment_decide(
                actor=request.user,
                amendment=amendment,
                version=form.cleaned_data["version"],
                approve=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except StaleEditError as error:
            # Someone decided (or withdrew) meanwhile: theirs stands; show it as it is now.
            amendment = amendment_get_for(user=request.user, pk=pk)
            context = _detail_context(request, amendment, stale=error.message)
            return render(request, "grants/amendments/amendment_detail.html", context, status=409)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("amendments:amendment-detail", amendment.pk)
    context = _detail_context(request, amendment, decision_form=form)
    return render(request, "grants/amendments/amendment_detail.html", context, status=400)


@login_required
@require_POST
def amendment_withdraw_view(request, pk: int):
    amendment = amendment_get_for(user=request.user, pk=pk)
    if not acts_for_beneficiary(request.user, amendment.project):
        raise Http404(_("No such page."))
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            amendment_withdraw(actor=request.user, amendment=amendment, version=form.cleaned_data["version"])
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Your request has been withdrawn."))
    else:
        messages.error(request, _("The request could not be withdrawn; reload the page and try again."))
    return redirect("amendments:amendment-detail", amendment.pk)


@login_required
@require_GET
def agreement_version_detail(request, pk: int):
    version = agreement_version_get_for(user=request.user, pk=pk)
    previous = agreement_version_previous(version)
    context = {
        "version": version,
        "project": version.project,
        "previous": previous,
        "comparison": agreement_comparison(version, previous),
        "versions": project_agreement_versions(version.project),
        "amendment": getattr(version, "amendment", None),
    }
    return render(request, "grants/amendments/agreement_version.html", context)


def _status_context(project, form=None) -> dict:
    moves = [ProjectStatus(status) for status in ProjectStatus.values if status in PROJECT_TRANSITIONS[project.status]]
    closing = ProjectStatus.CLOSED in moves
    return {
        "project": project,
        "moves": moves,
        "closing_problems": project_closing_problems(project) if closing else [],
        "form": form or ProjectStatusForm(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def project_status(request, project_pk: int):
    """The moves the transition table allows from the project's status, one
    button each; closing lists the preconditions still unmet."""
    project = _officer_project(request, project_pk)
    form = ProjectStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project_transition(actor=request.user, project=project, to_status=form.cleaned_data["to_status"])
        except ApplicationError as error:
            problems = error.details.get("problems") if isinstance(error.details, dict) else None
            for message in problems or [error.message]:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Project %(code)s is now “%(status)s”.")
                % {"code": project.code, "status": project.get_status_display()},
            )
            return redirect("project-detail", project.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "grants/amendments/project_status.html", _status_context(project, form), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request, project_pk: int):
    """An officer corrects the project's title and dates (optimistic locking)."""
    project = _officer_project(request, project_pk)
    form = ProjectEditForm(request.POST or None, initial=ProjectEditForm.initial_for(project))
    if request.method == "POST" and form.is_valid():
        try:
            project_update(actor=request.user, project=project, **form.cleaned_data)
        except StaleEditError as error:
            # Someone saved the project meanwhile: their change is kept; the
            # form shows the project as it is now, with the message above it.
            project = _officer_project(request, project_pk)
            context = {
                "project": project,
                "form": ProjectEditForm(initial=ProjectEditForm.initial_for(project)),
                "stale": error.message,
            }
            return render(request, "grants/amendments/project_form.html", context, status=409)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Project %(code)s saved.") % {"code": project.code})
            return redirect("project-detail", project.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "grants/amendments/project_form.html", {"project": project, "form": form}, status=status)
