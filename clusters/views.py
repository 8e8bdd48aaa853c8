"""Pages of an applicant's organisation: after sign-up, create the
organisation's profile or ask to join a registered one; the profile; and the
requests to join that an organisation's administrator or a programme officer
approves or rejects. A request the user may not see answers 404."""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clusters.forms import JoinRequestForm, OrganisationForm, add_service_error
from clusters.models import JoinRequestStatus, OrganisationJoinRequest, OrganisationUser
from clusters.selectors import join_requests_decidable_by
from clusters.services import join_request_cancel, join_request_create, join_request_decide, organisation_register
from core.errors import ApplicationError
from core.models import Role
from core.permissions import Access


def _applicant_or_404(request) -> None:
    if not Access.of(request.user).acts_for_organisation:
        raise Http404


def _email_unconfirmed(user) -> bool:
    """Signed up but not yet confirmed the address (accounts made before sign-up
    existed have no address records and count as confirmed)."""
    addresses = EmailAddress.objects.filter(user=user).values_list("verified", flat=True)
    return bool(addresses) and not any(addresses)


def _link_of(user) -> OrganisationUser | None:
    return OrganisationUser.objects.select_related("organisation").filter(user=user).first()


@login_required
def organisation_start(request):
    """Where a new account lands: create the organisation or ask to join it."""
    _applicant_or_404(request)
    if (link := _link_of(request.user)) is not None:
        return redirect("clusters:organisation-detail")
    pending = (
        OrganisationJoinRequest.objects.select_related("organisation")
        .filter(user=request.user, status=JoinRequestStatus.PENDING)
        .first()
    )
    decided = (
        OrganisationJoinRequest.objects.select_related("organisation")
        .filter(user=request.user, status=JoinRequestStatus.REJECTED)
        .order_by("-decided_at")
        .first()
    )
    return render(
        request,
        "clusters/organisation_start.html",
        {
            "link": link,
            "pending": pending,
            "rejected": decided,
            "email_unconfirmed": _email_unconfirmed(request.user),
        },
    )


@login_required
@require_POST
def confirmation_resend(request):
    """A new confirmation link for an account whose address is not confirmed yet."""
    address = EmailAddress.objects.filter(user=request.user, verified=False).order_by("-primary").first()
    if address is None or not _email_unconfirmed(request.user):
        raise Http404
    address.send_confirmation(request)
    messages.success(request, _("A new confirmation link is sent to %(email)s.") % {"email": address.email})
    return redirect("clusters:organisation-start")


@login_required
def organisation_create(request):
    _applicant_or_404(request)
    if _link_of(request.user) is not None:
        return redirect("clusters:organisation-detail")
    if _email_unconfirmed(request.user):
        return redirect("clusters:organisation-start")
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = organisation_register(
                actor=request.user,
                name=data["name"],
                legal_code=data["legal_code"],
                vat_code=data["vat_code"],
                organisation_type=data["organisation_type"],
                is_sme=data["is_sme"],
                region=data["region"],
                sector=data["sector"],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("%(organisation)s is registered; you are its administrator.") % {"organisation": organisation},
            )
            return redirect("clusters:organisation-detail")
    return render(request, "clusters/organisation_form.html", {"form": form})


@login_required
def join_request_new(request):
    _applicant_or_404(request)
    if _link_of(request.user) is not None:
        return redirect("clusters:organisation-detail")
    if _email_unconfirmed(request.user):
        return redirect("clusters:organisation-start")
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            join_request = join_request_create(
                actor=request.user, legal_code=form.cleaned_data["legal_code"], message=form.cleaned_data["message"]
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your request to join %(organisation)s is sent. "
                    "Its administrator or a programme officer will decide on it."
                )
                % {"organisation": join_request.organisation},
            )
            return redirect("clusters:organisation-start")
    return render(request, "clusters/join_request_form.html", {"form": form})


@login_required
@require_POST
def join_request_withdraw(request, pk: int):
    join_request = get_object_or_404(
        OrganisationJoinRequest, pk=pk, user=request.user, status=JoinRequestStatus.PENDING
    )
    try:
        join_request_cancel(actor=request.user, join_request=join_request)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your request is cancelled."))
    return redirect("clusters:organisation-start")


@login_required
def organisation_detail(request):
    """The profile of the organisation the user acts for, with its people."""
    link = _link_of(request.user)
    if link is None:
        _applicant_or_404(request)
        return redirect("clusters:organisation-start")
    organisation = link.organisation
    people = (
        OrganisationUser.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-is_admin", "user__last_name", "user__first_name", "user__username")
    )
    pending_count = (
        OrganisationJoinRequest.objects.filter(organisation=organisation, status=JoinRequestStatus.PENDING).count()
        if link.is_admin
        else 0
    )
    return render(
        request,
        "clusters/organisation_detail.html",
        {"organisation": organisation, "link": link, "people": people, "pending_count": pending_count},
    )


@login_required
def join_request_list(request):
    """The pending requests the user may decide."""
    user = request.user
    is_officer = user.role == Role.OFFICER
    if not is_officer and not OrganisationUser.objects.filter(user=user, is_admin=True).exists():
        raise Http404
    pending = join_requests_decidable_by(user).filter(status=JoinRequestStatus.PENDING).order_by("created_at", "id")
    return render(
        request,
        "clusters/join_request_list.html",
        {"requests": pending, "show_organisation": is_officer},
    )


@login_required
@require_POST
def join_request_decision(request, pk: int):
    join_request = get_object_or_404(join_requests_decidable_by(request.user), pk=pk)
    decision = request.POST.get("decision")
    if decision not in {"approve", "reject"}:
        messages.error(request, _("Choose to approve or to reject the request."))
        return redirect("clusters:join-request-list")
    try:
        join_request = join_request_decide(actor=request.user, join_request=join_request, approve=decision == "approve")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        person = join_request.user.get_full_name() or join_request.user.username
        if join_request.status == JoinRequestStatus.APPROVED:
            text = _("%(person)s now acts for %(organisation)s.")
        else:
            text = _("The request of %(person)s to join %(organisation)s is rejected.")
        messages.success(request, text % {"person": person, "organisation": join_request.organisation})
    return redirect("clusters:join-request-list")
