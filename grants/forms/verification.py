"""Forms of the officers' verification of payment claims: an item's eligible
amount, the return with questions, approval, rejection and payment. They parse
input only; the rules (what an ineligible part needs, which status allows
what) are in grants.services.claims, whose errors land on these fields."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedForm
from core.forms import AmountField
from grants.forms.applications import DateInput
from grants.forms.officer import ServiceErrorMixin
from grants.models import IneligibilityReason

NOTE_MAX_LENGTH = 4000


class StaleMessageMixin:
    def show_stale(self, message: str) -> None:
        """Put a stale-edit message above this (unbound, current-data) form:
        the person sees the other change and makes theirs again."""
        self.full_clean()  # an unbound form: sets an empty error list
        self.cleaned_data = {}
        self.add_error(None, message)


class VerificationForm(StaleMessageMixin, ServiceErrorMixin, VersionedForm):
    """A form that states the version of the claim (or item) it was made from."""


class ItemVerifyForm(VerificationForm):
    eligible_amount = AmountField(
        label=_("Eligible amount"),
        help_text=_("In EUR. At most the claimed amount; 0 when nothing is eligible."),
    )
    ineligibility_reason = forms.ChoiceField(
        label=_("Reason for the ineligible part"),
        choices=[("", "—"), *IneligibilityReason.choices],
        required=False,
        help_text=_("Required when the eligible amount is less than the claimed amount."),
    )
    ineligibility_note = forms.CharField(
        label=_("Explanation of the ineligible part"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Required with a reason: what exactly is not eligible and why."),
    )

    @classmethod
    def for_item(cls, item, data=None):
        """The form of one item, prefixed by its id so that every item on the
        page has its own field ids; it starts from the verified amount, or
        from the claimed amount when the item is not verified yet."""
        initial = {
            "version": item.version,
            "eligible_amount": item.claimed_amount if item.eligible_amount is None else item.eligible_amount,
            "ineligibility_reason": item.ineligibility_reason,
            "ineligibility_note": item.ineligibility_note,
        }
        return cls(data, prefix=f"item-{item.pk}", initial=initial)


class ClaimReturnForm(VerificationForm):
    reason = forms.CharField(
        label=_("Questions for the beneficiary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX_LENGTH,
        help_text=_("What the beneficiary must explain or correct before submitting the claim again."),
    )


class ClaimApproveForm(VerificationForm):
    note = forms.CharField(
        label=_("Note on the approval"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
    )


class ClaimRejectForm(VerificationForm):
    note = forms.CharField(
        label=_("Reasons for the rejection"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_MAX_LENGTH,
        help_text=_("The beneficiary reads them; the whole claim is refused."),
    )


class ClaimPayForm(StaleMessageMixin, ServiceErrorMixin, forms.Form):
    """No version: an approved claim can only be paid, and the service pays
    it exactly once (a second officer is told it is already paid)."""

    paid_on = forms.DateField(
        label=_("Paid on"),
        widget=DateInput(),
        help_text=_("The date the payment order was executed."),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate
