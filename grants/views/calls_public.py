"""The calls for proposals as applicants see them: the open calls and a page
for each call (conditions, envelopes, criteria) with "Apply"."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clusters.models import OrganisationType, OrganisationUser
from core.errors import ApplicationError
from core.permissions import Access
from grants.models import Application, ApplicationStatus, Call, CallStatus, CostCategory
from grants.services.applications import application_create


def applicant_organisation(user):
    """The organisation an applicant acts for, or None (another role, or an
    applicant who has not created or joined one yet)."""
    if not Access.of(user).acts_for_organisation:
        return None
    link = OrganisationUser.objects.filter(user=user).select_related("organisation").first()
    return link.organisation if link else None


def call_accepts_applications(call: Call, now=None) -> bool:
    now = now or timezone.now()
    return call.status == CallStatus.OPEN and call.opens_at <= now < call.closes_at


@login_required
@require_GET
def call_list(request):
    """The open calls, the one closing first on top."""
    calls = (
        Call.objects.filter(status=CallStatus.OPEN)
        .select_related("instrument")
        .prefetch_related("envelopes")
        .order_by("closes_at", "code")
    )
    return render(request, "grants/calls/list.html", {"calls": calls, "now": timezone.now()})


def _call_context(request, call: Call) -> dict:
    organisation = applicant_organisation(request.user)
    drafts = []
    if organisation is not None:
        drafts = list(
            Application.objects.filter(call=call, applicant=organisation).exclude(status=ApplicationStatus.WITHDRAWN)
        )
    type_labels = dict(OrganisationType.choices)
    return {
        "call": call,
        "envelopes": list(call.envelopes.all()),
        "criteria": list(call.criteria.all()),
        "categories": list(call.instrument.eligible_cost_categories.order_by("code")),
        "applicant_types": [type_labels.get(value, value) for value in call.eligible_applicant_types],
        "organisation": organisation,
        "is_applicant": Access.of(request.user).acts_for_organisation,
        "accepts": call_accepts_applications(call),
        "own_applications": drafts,
    }


def _published_call(pk: int) -> Call:
    """A call that has been opened (draft calls are not public: 404)."""
    return get_object_or_404(
        Call.objects.select_related("instrument", "instrument__programme")
        .prefetch_related(Prefetch("instrument__eligible_cost_categories", queryset=CostCategory.objects.all()))
        .exclude(status=CallStatus.DRAFT),
        pk=pk,
    )


@login_required
@require_GET
def call_detail(request, pk: int):
    call = _published_call(pk)
    return render(request, "grants/calls/detail.html", _call_context(request, call))


@login_required
@require_POST
def call_apply(request, pk: int):
    """Start an application: a draft for the applicant's organisation, then step 1."""
    call = _published_call(pk)
    if applicant_organisation(request.user) is None:
        raise Http404(_("Only an applicant acting for an organisation can apply."))
    try:
        application = application_create(actor=request.user, call=call)
    except ApplicationError as error:
        context = _call_context(request, call)
        context["apply_error"] = error.message
        return render(request, "grants/calls/detail.html", context, status=400)
    return redirect("application-step", pk=application.pk, step=1)
