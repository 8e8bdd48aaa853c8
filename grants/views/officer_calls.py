"""The officers' workspace for calls: the list, creating and editing a call
(draft only), its envelopes and criteria, opening and closing it, the
ranking and the funding decision. Officers and auditors read (auditors only
read); every other role gets 404, as if the pages did not exist. Writes go
through grants.services.selection."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clusters.models import OrganisationType
from core.errors import ApplicationError
from core.models import Role
from core.permissions import Access
from grants.forms.officer import CallForm, CriterionFormSet, DecisionForm, EnvelopeForm
from grants.models import ApplicationStatus, Call, CallStatus, Envelope, FundingDecision
from grants.selectors.ranking import ranking, ranking_pending_count
from grants.services.instruments import call_transition
from grants.services.selection import (
    call_create,
    call_decide,
    call_update,
    criteria_set,
    envelope_create,
    envelope_update,
)

# The statuses counted on the call list (drafts are the applicants' own business).
COUNTED_STATUSES = [status for status in ApplicationStatus if status != ApplicationStatus.DRAFT]


def require_reader(request) -> Access:
    """Officers and auditors (and superuser administrators) read the
    workspace; anyone else gets 404."""
    access = Access.of(request.user)
    if not access.sees_all_data:
        raise Http404(_("No such page."))
    return access


def require_officer(request) -> None:
    """Only programme officers write; an auditor, who may read the page, is
    refused with 403; anyone else gets 404."""
    require_reader(request)
    if request.user.role != Role.OFFICER:
        raise PermissionDenied(_("Only programme officers may change calls and applications."))


def call_get(pk: int) -> Call:
    return get_object_or_404(Call.objects.select_related("instrument__programme"), pk=pk)


def calls_with_counts():
    """Every call with its instrument and the number of its applications in
    each status, in one query."""
    counts = {
        f"n_{status.value}": Count("applications", filter=Q(applications__status=status.value))
        for status in COUNTED_STATUSES
    }
    return (
        Call.objects.select_related("instrument")
        .annotate(**counts, n_total=Count("applications", filter=~Q(applications__status=ApplicationStatus.DRAFT)))
        .order_by("-opens_at", "code")
    )


@login_required
@require_GET
def call_list(request):
    require_reader(request)
    calls = list(calls_with_counts())
    for call in calls:
        call.status_counts = [
            (status.label, getattr(call, f"n_{status.value}"))
            for status in COUNTED_STATUSES
            if getattr(call, f"n_{status.value}")
        ]
    return render(request, "grants/manage/call_list.html", {"calls": calls})


@login_required
@require_http_methods(["GET", "POST"])
def call_create_view(request):
    require_officer(request)
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = call_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Call %(code)s created as a draft.") % {"code": call.code})
            return redirect("manage:call-detail", call.pk)
    return render(request, "grants/manage/call_form.html", {"form": form, "call": None})


@login_required
@require_GET
def call_detail(request, pk: int):
    require_reader(request)
    call = call_get(pk)
    context = {
        "call": call,
        "envelopes": call.envelopes.all(),
        "criteria": call.criteria.all(),
        "decision": getattr(call, "decision", None),
        "is_draft": call.status == CallStatus.DRAFT,
        "applicant_types": [
            OrganisationType(value).label for value in call.eligible_applicant_types if value in OrganisationType.values
        ],
    }
    return render(request, "grants/manage/call_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def call_update_view(request, pk: int):
    require_officer(request)
    call = call_get(pk)
    if call.status != CallStatus.DRAFT:
        messages.error(request, _("Only a draft call can be edited."))
        return redirect("manage:call-detail", call.pk)
    form = CallForm(request.POST or None, initial=CallForm.initial_for(call))
    if request.method == "POST" and form.is_valid():
        try:
            call_update(actor=request.user, call=call, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Call %(code)s saved.") % {"code": call.code})
            return redirect("manage:call-detail", call.pk)
    return render(request, "grants/manage/call_form.html", {"form": form, "call": call})


@login_required
@require_POST
def call_status_change(request, pk: int, to_status: str):
    """Open or close a call (CALL_TRANSITIONS decides what is allowed)."""
    require_officer(request)
    call = call_get(pk)
    try:
        call_transition(actor=request.user, call=call, to_status=to_status)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if to_status == CallStatus.OPEN:
            messages.success(request, _("Call %(code)s is open.") % {"code": call.code})
        else:
            messages.success(request, _("Call %(code)s is closed.") % {"code": call.code})
    return redirect("manage:call-detail", call.pk)


@login_required
@require_http_methods(["GET", "POST"])
def envelope_edit(request, pk: int, envelope_pk: int | None = None):
    """Add an envelope to a call, or change one."""
    require_officer(request)
    call = call_get(pk)
    envelope = get_object_or_404(Envelope, call=call, pk=envelope_pk) if envelope_pk else None
    if call.status != CallStatus.DRAFT:
        messages.error(request, _("Only a draft call's envelopes can be changed."))
        return redirect("manage:call-detail", call.pk)
    initial = EnvelopeForm.initial_for(envelope) if envelope else None
    form = EnvelopeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if envelope:
                envelope_update(actor=request.user, envelope=envelope, **form.cleaned_data)
            else:
                envelope = envelope_create(actor=request.user, call=call, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("Envelope %(code)s saved.") % {"code": form.cleaned_data["code"]})
            return redirect("manage:call-detail", call.pk)
    return render(request, "grants/manage/envelope_form.html", {"form": form, "call": call, "envelope": envelope})


@login_required
@require_http_methods(["GET", "POST"])
def criteria_edit(request, pk: int):
    """The call's evaluation criteria as one formset; saving replaces them all."""
    require_officer(request)
    call = call_get(pk)
    if call.status != CallStatus.DRAFT:
        messages.error(request, _("Only a draft call's criteria can be changed."))
        return redirect("manage:call-detail", call.pk)
    initial = [
        {"code": c.code, "name_lt": c.name_lt, "name_en": c.name_en, "weight": c.weight, "max_score": c.max_score}
        for c in call.criteria.all()
    ]
    formset = CriterionFormSet(request.POST or None, initial=initial, prefix="criteria")
    service_error = None
    if request.method == "POST" and formset.is_valid():
        try:
            criteria_set(actor=request.user, call=call, criteria=formset.criteria())
        except ApplicationError as error:
            service_error = error.message
        else:
            messages.success(request, _("The criteria of %(code)s are saved.") % {"code": call.code})
            return redirect("manage:call-detail", call.pk)
    context = {"formset": formset, "call": call, "service_error": service_error}
    return render(request, "grants/manage/criteria_form.html", context)


def ranking_context(call: Call, form: DecisionForm) -> dict:
    pools = ranking(call)
    for pool in pools:
        pool.envelope_codes = ", ".join(e.code for e in pool.envelopes)
        for row in pool.rows:
            row.outcome_label = ApplicationStatus(row.outcome).label
    decision = FundingDecision.objects.filter(call=call).select_related("decided_by").first()
    return {
        "call": call,
        "pools": pools,
        "pending": ranking_pending_count(pools),
        "decision": decision,
        "form": form,
        "can_decide": decision is None and call.status == CallStatus.CLOSED,
    }


@login_required
@require_GET
def ranking_view(request, pk: int):
    require_reader(request)
    call = call_get(pk)
    return render(request, "grants/manage/ranking.html", ranking_context(call, DecisionForm()))


@login_required
@require_POST
def call_decide_view(request, pk: int):
    require_officer(request)
    call = call_get(pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            call_decide(actor=request.user, call=call, reasons=form.cleaned_data["reasons"])
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, _("The funding decision on %(code)s is recorded.") % {"code": call.code})
            return redirect("manage:ranking", call.pk)
    return render(request, "grants/manage/ranking.html", ranking_context(call, form), status=400)
