"""The evaluators' pages: "My evaluations", and per assignment first the
conflict-of-interest declaration (the application's title and applicant
only), then, once no conflict is declared, the application and the scoring
form. An assignment that is not the evaluator's own, or on which they
declared a conflict, answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.errors import ApplicationError
from core.models import Role
from grants.forms.evaluations import ConflictForm, ScoringForm
from grants.models import AssignmentStatus, CriterionScore, EvaluatorAssignment
from grants.selectors.applications import application_detail
from grants.selectors.ranking import assignments_for
from grants.services.selection import conflict_declare, scores_submit


def require_evaluator(request) -> None:
    if request.user.role != Role.EVALUATOR:
        raise Http404(_("No such page."))


def assignment_get(request, pk: int) -> EvaluatorAssignment:
    """The signed-in evaluator's own assignment, unless they declared a
    conflict on it; else 404."""
    require_evaluator(request)
    assignment = (
        EvaluatorAssignment.objects.select_related("application__call__instrument", "application__applicant")
        .prefetch_related(
            Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion").order_by("criterion__code"))
        )
        .filter(pk=pk, evaluator=request.user)
        .exclude(status=AssignmentStatus.CONFLICT)
        .first()
    )
    if assignment is None:
        raise Http404(_("No such evaluation."))
    return assignment


@login_required
@require_GET
def evaluation_list(request):
    require_evaluator(request)
    assignments = assignments_for(request.user)
    return render(request, "grants/evaluations/evaluation_list.html", {"assignments": assignments})


def evaluation_context(assignment: EvaluatorAssignment, *, conflict_form=None, scoring_form=None) -> dict:
    application = assignment.application
    context = {"assignment": assignment, "application": application, "call": application.call}
    if assignment.status == AssignmentStatus.ASSIGNED:
        context["conflict_form"] = conflict_form or ConflictForm()
        return context
    # No conflict declared: the evaluator sees the application.
    context.update(application_detail(application))
    if assignment.status == AssignmentStatus.SCORING:
        criteria = application.call.criteria.all()
        context["scoring_form"] = scoring_form or ScoringForm(criteria=criteria)
    return context


@login_required
@require_GET
def evaluation_detail(request, pk: int):
    assignment = assignment_get(request, pk)
    return render(request, "grants/evaluations/evaluation_detail.html", evaluation_context(assignment))


@login_required
@require_POST
def conflict_declare_view(request, pk: int):
    assignment = assignment_get(request, pk)
    form = ConflictForm(request.POST)
    if form.is_valid():
        has_conflict = form.cleaned_data["has_conflict"]
        try:
            conflict_declare(actor=request.user, assignment=assignment, has_conflict=has_conflict)
        except ApplicationError as error:
            form.add_error("has_conflict" if error.field in (None, "has_conflict") else None, error.message)
        else:
            if has_conflict:
                messages.success(request, _("Conflict of interest declared: you are removed from this application."))
                return redirect("manage:evaluation-list")
            messages.success(
                request, _("No conflict of interest declared. You may now read and score the application.")
            )
            return redirect("manage:evaluation-detail", assignment.pk)
    context = evaluation_context(assignment, conflict_form=form)
    return render(request, "grants/evaluations/evaluation_detail.html", context, status=400)


@login_required
@require_http_methods(["POST"])
def scores_submit_view(request, pk: int):
    assignment = assignment_get(request, pk)
    if assignment.status != AssignmentStatus.SCORING:
        messages.error(request, _("This evaluation cannot be scored now."))
        return redirect("manage:evaluation-detail", assignment.pk)
    form = ScoringForm(request.POST, criteria=assignment.application.call.criteria.all())
    if form.is_valid():
        try:
            scores_submit(actor=request.user, assignment=assignment, scores=form.scores())
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request, _("Your scores for %(number)s are submitted.") % {"number": assignment.application.number}
            )
            return redirect("manage:evaluation-list")
    context = evaluation_context(assignment, scoring_form=form)
    return render(request, "grants/evaluations/evaluation_detail.html", context, status=400)
