"""The verification record of a payment claim: the claim, each expenditure
item with its claimed and eligible amounts and the reason for any ineligible
part, the totals, the payable computation, the indicator values, the rounds of
clarification, and who verified and decided when. Officers and auditors may
ask for any claim's record; a beneficiary's user for its own organisation's
claims. Data: grants.selectors.claims (and the payable preview of
grants.services.claims while the claim is not decided)."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clusters.selectors import organisation_id_for
from core.permissions import Access
from grants.models import ClaimIndicatorValue, ClaimRound, ClaimStatus, ExpenditureItem, PaymentClaim
from grants.selectors.claims import claim_with_totals, claims_visible_to
from grants.services.claims import claim_payable_compute
from reports.kinds import params as p
from reports.kinds import register
from reports.kinds.base import ReportKindBase, slug

NOT_OWN = _("You may request verification records of your organisation's claims only.")
# Above this many claims the request form takes the claim's number (its id) instead of a list.
CLAIM_SELECT_LIMIT = 300


def _reference(claim_id) -> str | None:
    row = PaymentClaim.objects.filter(pk=claim_id).values_list("project__code", "number").first()
    return f"{row[0]}-MP{row[1]}" if row else None


@register
class ClaimVerificationReport(ReportKindBase):
    code = "claim_verification"
    label = _("Verification record of a payment claim")
    short_name = _("claim verification record")
    fields = ("claim_id",)
    for_applicants = True
    order = 35

    def require_may_request(self, actor, params: dict) -> None:
        """Officers and auditors: any claim. An applicant: a claim of a project
        whose beneficiary is its organisation. Checked on the raw parameters
        first, so that an applicant learns nothing about other organisations'
        claims."""
        access = Access.of(actor)
        if access.requests_any_report:
            return
        if not access.uses_reports:
            raise PermissionDenied(gettext("Your role does not allow requesting this report."))
        organisation_id = organisation_id_for(actor)
        if organisation_id is None:
            raise PermissionDenied(str(NOT_OWN))
        raw = params.get("claim_id") if isinstance(params, dict) else None
        try:
            claim_id = int(str(raw).strip())
        except ValueError:
            return  # missing or not a number: validation names the field, and this runs again on its result
        if not PaymentClaim.objects.filter(pk=claim_id, project__beneficiary_id=organisation_id).exists():
            raise PermissionDenied(str(NOT_OWN))

    def form_fields(self, user):
        claims = claims_visible_to(user).select_related("project").order_by("project__code", "number")
        field = forms.ModelChoiceField(label=_("Payment claim"), queryset=claims, required=False, empty_label="—")
        field.label_from_instance = lambda claim: f"{claim.reference} — {claim.get_status_display()}"
        if claims.count() > CLAIM_SELECT_LIMIT:
            field.widget = forms.TextInput(attrs={"inputmode": "numeric"})
            field.help_text = _("The claim's number in Fondas (in its page's address).")
        return {"claim_id": field}

    def clean(self, params: dict) -> dict:
        params = p.require_object(params)
        p.reject_unknown(params, set(self.fields))
        return {"claim_id": p.clean_existing(params, "claim_id", PaymentClaim, noun="claim")}

    def subject(self, params: dict) -> str:
        claim = PaymentClaim.objects.select_related("project").filter(pk=params.get("claim_id")).first()
        if claim is None:
            return gettext("claim %(id)s") % {"id": params.get("claim_id")}
        return f"{claim.reference} {claim.project.title}"

    def running_title(self, params: dict) -> str:
        return f"{self.label} — {_reference(params.get('claim_id')) or params.get('claim_id')}"

    def file_stem(self, params: dict) -> str:
        return f"claim-verification-{slug(_reference(params.get('claim_id')) or params.get('claim_id'))}"

    def context(self, params, as_of, index):
        claim = (
            claim_with_totals(PaymentClaim.objects.filter(pk=params["claim_id"]))
            .select_related("project__beneficiary", "project__instrument", "created_by", "decided_by")
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=ExpenditureItem.objects.select_related(
                        "budget_line__cost_category", "verified_by"
                    ).order_by("pk"),
                ),
                Prefetch("rounds", queryset=ClaimRound.objects.select_related("submitted_by", "returned_by")),
                Prefetch("indicator_values", queryset=ClaimIndicatorValue.objects.select_related("indicator")),
            )
            .get()
        )
        items = list(claim.items.all())
        for item in items:
            item.ineligible_amount = (
                None if item.eligible_amount is None else item.claimed_amount - item.eligible_amount
            )
        decided = claim.payable_amount is not None
        # While the claim is not decided the record shows what approval would pay now.
        payable = None if decided or claim.status == ClaimStatus.REJECTED else claim_payable_compute(claim)
        payment = getattr(claim, "payment", None)  # the reverse one-to-one: None when not paid
        return {
            "claim": claim,
            "project": claim.project,
            "items": items,
            "rounds": list(claim.rounds.all()),
            "indicator_values": list(claim.indicator_values.all()),
            "payable": payable,
            "decided": decided,
            "payment": payment,
        }, False
