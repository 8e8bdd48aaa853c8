"""The officers' verification of payment claims under /manage/claims/: the
queue of claims waiting for verification with their payment deadlines
(Regulation (EU) 2021/1060, Article 74: 80 days), and one claim's page where
the officer verifies each item, sees the payable amount, returns the claim
with questions, approves, rejects or pays it, and asks for the verification
record (a PDF report). Officers write, auditors read, anyone else gets 404.
Every rule is in grants.services.claims; the reads in grants.selectors.claims."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.concurrency import StaleEditError
from core.errors import ApplicationError
from core.permissions import Access
from grants.forms.verification import (
    ClaimApproveForm,
    ClaimPayForm,
    ClaimRejectForm,
    ClaimReturnForm,
    ItemVerifyForm,
)
from grants.models import (
    ClaimIndicatorValue,
    ClaimRound,
    ClaimStatus,
    ExpenditureItem,
    PaymentClaim,
)
from grants.models.claims import PAYMENT_DEADLINE_DAYS
from grants.selectors.claims import claim_get_for, claim_with_totals, claims_queue, claims_visible_to, item_get_for
from grants.services import claims as claim_services

# Rows of each table of the queue on one page.
QUEUE_PER_PAGE = 50
# The report kind of the verification record (reports/kinds/claim_verification.py).
RECORD_KIND = "claim_verification"


def require_reader(request) -> Access:
    """Officers and auditors read the verification pages; anyone else gets
    404, as if the pages did not exist."""
    access = Access.of(request.user)
    if not access.sees_all_data:
        raise Http404(_("No such page."))
    return access


def require_officer(request) -> None:
    """Only programme officers verify; an auditor, who may read the page, is
    refused with 403; anyone else gets 404."""
    if not require_reader(request).manages_programme:
        raise PermissionDenied(_("Only programme officers may verify payment claims."))


# --------------------------------------------------------------------------- the queue


@dataclass
class QueueRow:
    claim: PaymentClaim
    days_left: int | None
    overdue: bool

    @property
    def days_late(self) -> int:
        return -self.days_left if self.overdue and self.days_left is not None and self.days_left < 0 else 0


def _rows(page, today) -> list[QueueRow]:
    return [
        QueueRow(
            claim=claim,
            days_left=claim_services.claim_days_left(claim, today),
            overdue=claim_services.claim_is_overdue(claim, today),
        )
        for claim in page.object_list
    ]


def approved_unpaid(user):
    """Approved claims not paid yet: the payment deadline still runs for
    them. The most urgent first."""
    claims = claims_visible_to(user).filter(status=ClaimStatus.APPROVED)
    return claim_with_totals(claims).order_by("payment_due_on", "submitted_at", "pk")


@login_required
@require_GET
def queue(request):
    """Claims waiting for verification, the oldest submission first, and the
    approved claims waiting for payment; a fixed number of queries whatever
    the page size (two tables: a count and a page each)."""
    require_reader(request)
    today = timezone.localdate()
    waiting = claims_queue(today).select_related("project__beneficiary")
    approved = approved_unpaid(request.user).select_related("project__beneficiary")
    page = Paginator(waiting, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    approved_page = Paginator(approved, QUEUE_PER_PAGE).get_page(request.GET.get("approved_page"))
    context = {
        "today": today,
        "page": page,
        "rows": _rows(page, today),
        "approved_page": approved_page,
        "approved_rows": _rows(approved_page, today),
        "deadline_days": PAYMENT_DEADLINE_DAYS,
    }
    return render(request, "grants/verification/queue.html", context)


# --------------------------------------------------------------------------- one claim


def claim_get(request, pk: int) -> PaymentClaim:
    """A claim the beneficiary has submitted at least once, with what its
    page shows; a draft is the beneficiary's own business (404)."""
    claim = claim_get_for(user=request.user, pk=pk)
    if claim.status == ClaimStatus.DRAFT:
        raise Http404(_("No such payment claim."))
    return (
        claim_with_totals(PaymentClaim.objects.filter(pk=claim.pk))
        .select_related("project__beneficiary", "project__instrument", "decided_by")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=ExpenditureItem.objects.select_related("budget_line__cost_category", "verified_by").order_by(
                    "pk"
                ),
            ),
            Prefetch("rounds", queryset=ClaimRound.objects.select_related("submitted_by", "returned_by")),
            Prefetch("indicator_values", queryset=ClaimIndicatorValue.objects.select_related("indicator")),
        )
        .get()
    )


def _payment_of(claim: PaymentClaim):
    try:
        return claim.payment
    except PaymentClaim.payment.RelatedObjectDoesNotExist:
        return None


def claim_context(request, claim: PaymentClaim, *, item_forms=None, forms=None, stale_message: str = "") -> dict:
    """The claim page: its facts, items (each with its form while the claim
    is under verification), the payable amount, the actions' forms and the
    rounds. `item_forms`/`forms` replace the blank forms with the ones the
    person just submitted (to show their errors)."""
    access = Access.of(request.user)
    today = timezone.localdate()
    items = list(claim.items.all())
    for item in items:
        item.ineligible_amount = None if item.eligible_amount is None else item.claimed_amount - item.eligible_amount
    verifying = claim.status == ClaimStatus.UNDER_VERIFICATION
    can_write = access.manages_programme
    item_forms = item_forms or {}
    entries = [{"item": item, "form": item_forms.get(item.pk) or ItemVerifyForm.for_item(item)} for item in items]
    blank = {
        "return": ClaimReturnForm(prefix="return", initial={"version": claim.version}),
        "approve": ClaimApproveForm(prefix="approve", initial={"version": claim.version}),
        "reject": ClaimRejectForm(prefix="reject", initial={"version": claim.version}),
        "pay": ClaimPayForm(prefix="pay"),
    }
    blank.update(forms or {})
    if claim.payable_amount is None and claim.status != ClaimStatus.REJECTED:
        payable = claim_services.claim_payable_compute(claim)
    else:
        payable = None  # decided: the stored amounts are shown
    deadline = QueueRow(
        claim=claim,
        days_left=claim_services.claim_days_left(claim, today),
        overdue=claim_services.claim_is_overdue(claim, today),
    )
    return {
        "claim": claim,
        "project": claim.project,
        "items": items,
        "entries": entries,
        "rounds": list(claim.rounds.all()),
        "indicator_values": list(claim.indicator_values.all()),
        "payment": _payment_of(claim),
        "payable": payable,
        "today": today,
        "days_left": deadline.days_left,
        "overdue": deadline.overdue,
        "days_late": deadline.days_late,
        "can_write": can_write,
        "verifying": verifying,
        "all_verified": all(item.eligible_amount is not None for item in items),
        "forms": blank,
        "stale_message": stale_message,
        "deadline_days": PAYMENT_DEADLINE_DAYS,
    }


def _render_claim(request, claim: PaymentClaim, *, status: int = 200, **extra):
    return render(request, "grants/verification/claim.html", claim_context(request, claim, **extra), status=status)


@login_required
@require_GET
def claim_verify(request, pk: int):
    require_reader(request)
    return _render_claim(request, claim_get(request, pk))


def _back(claim: PaymentClaim, anchor: str = ""):
    url = reverse("verification:claim-verify", args=[claim.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


@login_required
@require_POST
def claim_start(request, pk: int):
    """Submitted → under verification."""
    require_officer(request)
    claim = claim_get(request, pk)
    try:
        claim_services.claim_verification_start(actor=request.user, claim=claim)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The verification of %(claim)s has started.") % {"claim": claim.reference})
    return _back(claim)


@login_required
@require_POST
def item_verify(request, pk: int):
    """One item's eligible amount, with the reason and explanation of the
    ineligible part."""
    require_officer(request)
    item = item_get_for(user=request.user, pk=pk)
    claim = claim_get(request, item.claim_id)
    form = ItemVerifyForm.for_item(item, request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            claim_services.item_verify(
                actor=request.user,
                item=item,
                version=data["version"],
                eligible_amount=data["eligible_amount"],
                ineligibility_reason=data["ineligibility_reason"],
                ineligibility_note=data["ineligibility_note"].strip(),
            )
        except StaleEditError as error:
            # Someone else verified the item meanwhile: show what is saved now.
            claim = claim_get(request, claim.pk)
            status = 409
            if claim.status != ClaimStatus.UNDER_VERIFICATION:
                return _render_claim(request, claim, status=status, stale_message=error.message)
            current = next(i for i in claim.items.all() if i.pk == item.pk)
            form = ItemVerifyForm.for_item(current)
            form.show_stale(error.message)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(
                request,
                _("Item %(document)s of %(supplier)s is verified.")
                % {"document": item.document_number, "supplier": item.supplier_name},
            )
            return _back(claim, f"item-{item.pk}")
    return _render_claim(request, claim, status=status, item_forms={item.pk: form})


# The claim's decisions: (form class, the service's keyword arguments from the
# form's data, the message on success).
ACTIONS = {
    "return": (
        ClaimReturnForm,
        lambda data: {"version": data["version"], "reason": data["reason"].strip()},
        lambda: _("%(claim)s is returned to the beneficiary with your questions."),
    ),
    "approve": (
        ClaimApproveForm,
        lambda data: {"version": data["version"], "note": data["note"].strip()},
        lambda: _("%(claim)s is approved."),
    ),
    "reject": (
        ClaimRejectForm,
        lambda data: {"version": data["version"], "note": data["note"].strip()},
        lambda: _("%(claim)s is rejected."),
    ),
    "pay": (
        ClaimPayForm,
        lambda data: {"paid_on": data["paid_on"]},
        lambda: _("The payment of %(claim)s is recorded."),
    ),
}


# The status in which each decision's form is on the page.
SHOWN_IN = {
    "return": ClaimStatus.UNDER_VERIFICATION,
    "approve": ClaimStatus.UNDER_VERIFICATION,
    "reject": ClaimStatus.UNDER_VERIFICATION,
    "pay": ClaimStatus.APPROVED,
}


def _action_service(action: str):
    return {
        "return": claim_services.claim_return,
        "approve": claim_services.claim_approve,
        "reject": claim_services.claim_reject,
        "pay": claim_services.claim_pay,
    }[action]


@login_required
@require_POST
def claim_action(request, pk: int, action: str):
    """Return, approve, reject or pay the claim."""
    require_officer(request)
    claim = claim_get(request, pk)
    form_class, arguments, success = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    status = 400
    if form.is_valid():
        try:
            _action_service(action)(actor=request.user, claim=claim, **arguments(form.cleaned_data))
        except StaleEditError as error:
            claim = claim_get(request, claim.pk)
            status = 409
            if claim.status != SHOWN_IN[action]:
                # The form is gone with the status the other person set: say so at the top.
                return _render_claim(request, claim, status=status, stale_message=error.message)
            form = form_class(prefix=action, initial={"version": claim.version} if action != "pay" else None)
            form.show_stale(error.message)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, success() % {"claim": claim.reference})
            return _back(claim)
    return _render_claim(request, claim, status=status, forms={action: form})


@login_required
@require_http_methods(["GET", "POST"])
def claim_record(request, pk: int):
    """The claim's verification record (a PDF report): the report request
    form, filled in for this claim. The claim page itself posts the request
    straight to the reports (reports:job-create), which answers with the
    reports list; grants cannot call the reports app (it sits above). Whoever
    may see the claim gets here; the report kind decides who may have it
    (officers, auditors, the beneficiary of its own claim)."""
    claim = claim_get_for(user=request.user, pk=pk)
    query = urlencode({"kind": RECORD_KIND, "claim_id": claim.pk})
    response = HttpResponseRedirect(f"{reverse('reports:job-create')}?{query}")
    response.status_code = 303  # See Other: after a POST too, the browser GETs the form
    return response
