"""The officers' pages of a call's applications: the list, one application
with everything the applicant entered, its evaluators and history, the
eligibility check and the assignment of evaluators. Officers write, auditors
read, anyone else gets 404 (grants.views.officer_calls.require_reader)."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clusters.models import OrganisationType
from core.audit import object_type_of
from core.errors import ApplicationError
from core.formatting import format_money, format_percent
from core.models import AuditEvent, AuditEventType, Role
from grants.forms.officer import ApplicationFilterForm, EligibilityForm, EvaluatorAssignForm
from grants.models import (
    Application,
    ApplicationStatus,
    AssignmentStatus,
    CriterionScore,
    EvaluatorAssignment,
)
from grants.selectors.applications import (
    application_detail,
    application_list,
    applications_visible_to,
    attachment_get_for,
)
from grants.services.selection import eligibility_decide, eligibility_start, evaluator_assign
from grants.views.officer_calls import call_get, require_officer, require_reader

APPLICATIONS_PER_PAGE = 50


@login_required
@require_GET
def application_list_view(request, pk: int):
    """A call's submitted applications, filtered by status; a fixed number of
    queries whatever the number of rows (the count and one page)."""
    require_reader(request)
    call = call_get(pk)
    form = ApplicationFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    applications = (
        application_list(request.user, call=call, status=status or None)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("applicant", "envelope")
        .order_by("number", "pk")
    )
    page = Paginator(applications, APPLICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"call": call, "form": form, "page": page, "status": status}
    return render(request, "grants/manage/application_list.html", context)


def application_get(request, pk: int) -> Application:
    """One submitted application with its call, envelope and applicant (drafts
    are the applicant's own: 404)."""
    application = (
        applications_visible_to(request.user)
        .select_related("call__instrument", "envelope", "applicant", "decision", "project")
        .exclude(status=ApplicationStatus.DRAFT)
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise Http404(_("No such application."))
    return application


@dataclass
class HistoryEntry:
    occurred_at: object
    actor: object
    label: str
    change: str


def _status_label(value, choices) -> str:
    return choices(value).label if value in choices.values else str(value or "—")


def application_history(application: Application, assignments: list[EvaluatorAssignment]) -> list[HistoryEntry]:
    """The audit trail of the application and of its evaluator assignments,
    oldest first, in one query."""
    assignment_type = object_type_of(EvaluatorAssignment())
    events = (
        AuditEvent.objects.filter(
            Q(object_type=object_type_of(application), object_id=str(application.pk))
            | Q(object_type=assignment_type, object_id__in=[str(a.pk) for a in assignments])
        )
        .select_related("actor")
        .order_by("occurred_at", "id")
    )
    entries = []
    for event in events:
        choices = ApplicationStatus if event.object_type != assignment_type else AssignmentStatus
        change = ""
        if event.event_type == AuditEventType.STATUS_CHANGED:
            old = _status_label(event.old_values.get("status"), choices)
            change = f"{old} → {_status_label(event.new_values.get('status'), choices)}"
        if event.object_type == assignment_type:
            change = " ".join(filter(None, [_("Evaluator assignment:"), event.object_repr.split(" — ")[-1], change]))
        entries.append(
            HistoryEntry(
                occurred_at=event.occurred_at,
                actor=event.actor,
                label=AuditEventType(event.event_type).label
                if event.event_type in AuditEventType.values
                else event.event_type,
                change=change,
            )
        )
    return entries


def application_assignments(application: Application) -> list[EvaluatorAssignment]:
    return list(
        EvaluatorAssignment.objects.filter(application=application)
        .select_related("evaluator")
        .prefetch_related(
            Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion").order_by("criterion__code"))
        )
        .order_by("assigned_at", "pk")
    )


def detail_context(request, application: Application, **extra) -> dict:
    assignments = application_assignments(application)
    assigned_ids = [a.evaluator_id for a in assignments]
    context = {
        "application": application,
        "call": application.call,
        **application_detail(application),
        "assignments": assignments,
        "history": application_history(application, assignments),
        "can_write": request.user.role == Role.OFFICER,
        "can_assign": application.status == ApplicationStatus.UNDER_EVALUATION,
        "assign_form": EvaluatorAssignForm(exclude_ids=assigned_ids),
    }
    context.update(extra)
    return context


@login_required
@require_GET
def application_detail_view(request, pk: int):
    require_reader(request)
    application = application_get(request, pk)
    return render(request, "grants/manage/application_detail.html", detail_context(request, application))


@login_required
@require_POST
def eligibility_start_view(request, pk: int):
    require_officer(request)
    application = application_get(request, pk)
    try:
        eligibility_start(actor=request.user, application=application)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("manage:application-detail", application.pk)
    messages.success(request, _("The eligibility check of %(number)s has started.") % {"number": application.number})
    return redirect("manage:eligibility", application.pk)


@dataclass
class Condition:
    name: str
    label: str
    met: bool
    facts: str


def eligibility_conditions(application: Application) -> list[Condition]:
    """The call's conditions with what the application shows, so the officer
    can tick each one on the checklist."""
    call = application.call
    envelope = application.envelope
    max_grant = envelope.max_grant_amount if envelope else call.max_grant_amount
    types = call.eligible_applicant_types or []
    applicant_type = application.applicant.organisation_type
    type_labels = ", ".join(str(OrganisationType(t).label) for t in types if t in OrganisationType.values) or "—"
    submitted = application.submitted_at
    eligible_cost = application.eligible_cost
    own_ok = application.own_contribution * 100 >= call.min_own_contribution_percent * eligible_cost
    declared = (
        application.declares_no_double_funding
        and application.declares_data_accurate
        and application.de_minimis_received is not None
    )

    def moment(value):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "—"

    return [
        Condition(
            "applicant_type",
            _("Applicant type"),
            applicant_type in types,
            _("The applicant is: %(type)s. The call accepts: %(types)s.")
            % {"type": application.applicant.get_organisation_type_display(), "types": type_labels},
        ),
        Condition(
            "deadline_met",
            _("Deadline"),
            bool(submitted and call.opens_at <= submitted < call.closes_at),
            _("Submitted at %(submitted)s; the call closed at %(closes)s.")
            % {"submitted": moment(submitted), "closes": moment(call.closes_at)},
        ),
        Condition(
            "declarations",
            _("Declarations"),
            bool(declared),
            _("No double funding: %(double)s. Data accurate: %(accurate)s. De minimis aid received: %(de_minimis)s.")
            % {
                "double": _("yes") if application.declares_no_double_funding else _("no"),
                "accurate": _("yes") if application.declares_data_accurate else _("no"),
                "de_minimis": format_money(application.de_minimis_received),
            },
        ),
        Condition(
            "budget_within_maximum",
            _("Budget"),
            application.grant_requested <= max_grant and own_ok,
            _(
                "Grant requested %(grant)s of at most %(max)s; own contribution %(own)s "
                "(at least %(min)s of the eligible costs %(eligible)s)."
            )
            % {
                "grant": format_money(application.grant_requested),
                "max": format_money(max_grant),
                "own": format_money(application.own_contribution),
                "min": format_percent(call.min_own_contribution_percent),
                "eligible": format_money(eligible_cost),
            },
        ),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def eligibility_view(request, pk: int):
    """The eligibility checklist and verdict of an application in the
    eligibility check."""
    require_reader(request)
    application = application_get(request, pk)
    conditions = eligibility_conditions(application)
    if request.method == "POST":
        require_officer(request)
        form = EligibilityForm(request.POST)
        if form.is_valid():
            try:
                eligibility_decide(
                    actor=request.user,
                    application=application,
                    eligible=form.cleaned_data["eligible"],
                    reason=form.cleaned_data["reason"].strip(),
                    checklist=form.checklist(),
                )
            except ApplicationError as error:
                form.add_application_error(error)
            else:
                if form.cleaned_data["eligible"]:
                    text = _("%(number)s is eligible and goes to evaluation.")
                else:
                    text = _("%(number)s is ineligible.")
                messages.success(request, text % {"number": application.number})
                return redirect("manage:application-detail", application.pk)
    else:
        form = EligibilityForm(initial={c.name: c.met for c in conditions})
    context = {
        "application": application,
        "call": application.call,
        "conditions": conditions,
        "form": form,
        "can_decide": application.status == ApplicationStatus.ELIGIBILITY_CHECK and request.user.role == Role.OFFICER,
    }
    return render(request, "grants/manage/eligibility.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def evaluator_assign_view(request, pk: int):
    require_officer(request)
    application = application_get(request, pk)
    assigned_ids = list(application.assignments.values_list("evaluator_id", flat=True))
    form = EvaluatorAssignForm(request.POST, exclude_ids=assigned_ids)
    if form.is_valid():
        evaluator = form.cleaned_data["evaluator"]
        try:
            evaluator_assign(actor=request.user, application=application, evaluator=evaluator)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                _("%(evaluator)s is assigned to %(number)s.")
                % {"evaluator": evaluator.get_full_name() or evaluator.username, "number": application.number},
            )
            return redirect("manage:application-detail", application.pk)
    context = detail_context(request, application, assign_form=form)
    return render(request, "grants/manage/application_detail.html", context, status=400)


@login_required
@require_GET
def attachment_download(request, pk: int, attachment_pk: int):
    """An application's attachment, for officers and auditors and for an
    evaluator who declared no conflict; anyone else gets 404."""
    attachment = attachment_get_for(user=request.user, pk=attachment_pk)
    if attachment.application_id != pk or attachment.application.status == ApplicationStatus.DRAFT:
        raise Http404(_("No such attachment."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404(_("No such attachment.")) from missing
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name)
