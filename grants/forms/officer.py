"""Forms of the officers' workspace: calls, envelopes, criteria, the
eligibility check, evaluator assignment and the funding decision. They parse
input only; the rules are in grants.services.selection."""

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from clusters.models import OrganisationType
from core.errors import ApplicationError
from core.forms import AmountField
from core.models import Role, User
from grants.models import ApplicationStatus, Instrument

HUNDRED = Decimal("100")


class ServiceErrorMixin:
    """Shows a service's ApplicationError next to the field it names (or above
    the form when the field is not on it)."""

    def add_application_error(self, error: ApplicationError) -> None:
        fields = (error.details or {}).get("fields") if isinstance(error.details, dict) else None
        if isinstance(fields, dict) and fields:
            for name, messages in fields.items():
                for message in messages if isinstance(messages, list | tuple) else [messages]:
                    self.add_error(name if name in self.fields else None, message)
            return
        self.add_error(error.field if error.field in self.fields else None, error.message)


class VilniusDateTimeInput(forms.DateTimeInput):
    """A date and time to the second, typed in Vilnius time (the TIME_ZONE);
    Django makes it aware when the form is cleaned."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs={"step": "1", **(attrs or {})}, format="%Y-%m-%dT%H:%M:%S")


def percent_field(label, help_text, *, minimum: Decimal = Decimal("0"), required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        required=required,
        max_digits=5,
        decimal_places=2,
        localize=True,
        validators=[MinValueValidator(minimum), MaxValueValidator(HUNDRED)],
    )


class InstrumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.code} — {obj.name}"


class CallForm(ServiceErrorMixin, forms.Form):
    instrument = InstrumentChoiceField(label=_("Instrument"), queryset=Instrument.objects.order_by("code"))
    code = forms.CharField(label=_("Code"), max_length=40)
    title_lt = forms.CharField(label=_("Title in Lithuanian"), max_length=250)
    title_en = forms.CharField(label=_("Title in English"), max_length=250, required=False)
    budget_amount = AmountField(label=_("Budget"), help_text=_("In EUR, e.g. 1 500 000,00."))
    opens_at = forms.DateTimeField(
        label=_("Opens at"), widget=VilniusDateTimeInput(), help_text=_("Vilnius time, to the second.")
    )
    closes_at = forms.DateTimeField(
        label=_("Closes at"),
        widget=VilniusDateTimeInput(),
        help_text=_("Vilnius time, to the second. Submissions are refused from this moment on."),
    )
    funding_rate = percent_field(
        _("Funding rate, %"), _("Share of the eligible costs paid by the grant."), minimum=Decimal("0.01")
    )
    max_grant_amount = AmountField(label=_("Maximum grant"), help_text=_("Per project, in EUR."))
    min_own_contribution_percent = percent_field(
        _("Minimum own contribution, %"), _("Share of the eligible costs the applicant pays itself, at least.")
    )
    eligible_applicant_types = forms.MultipleChoiceField(
        label=_("Eligible applicant types"),
        choices=OrganisationType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    quality_threshold = percent_field(
        _("Quality threshold"), _("The lowest score (out of 100) an application needs to be funded or put in reserve.")
    )
    # Optimistic locking: the call's version the edit was made from (not on a
    # new call; call_update refuses an edit without it).
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, label=_("version"))

    def clean(self):
        cleaned = super().clean()
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The call must close after it opens."))
        return cleaned

    @classmethod
    def initial_for(cls, call) -> dict:
        return {
            name: getattr(call, name) for name in cls.base_fields if name != "instrument" and hasattr(call, name)
        } | {"instrument": call.instrument_id}


class EnvelopeForm(ServiceErrorMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40)
    name_lt = forms.CharField(label=_("Name in Lithuanian"), max_length=250)
    name_en = forms.CharField(label=_("Name in English"), max_length=250, required=False)
    budget_amount = AmountField(
        label=_("Budget of its own"),
        required=False,
        help_text=_("Leave empty when the envelope competes for the part of the call's budget that no envelope holds."),
    )
    funding_rate = percent_field(
        _("Funding rate, %"),
        _("Share of the eligible costs paid by the grant. Leave empty to use the call's rate."),
        minimum=Decimal("0.01"),
        required=False,
    )
    max_grant_amount = AmountField(
        label=_("Maximum grant"),
        required=False,
        help_text=_("Per project, in EUR. Leave empty to use the call's maximum."),
    )

    @classmethod
    def initial_for(cls, envelope) -> dict:
        return {name: getattr(envelope, name) for name in cls.base_fields}


class CriterionForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    name_lt = forms.CharField(label=_("Name in Lithuanian"), max_length=250)
    name_en = forms.CharField(label=_("Name in English"), max_length=250, required=False)
    weight = forms.DecimalField(
        label=_("Weight"),
        max_digits=5,
        decimal_places=2,
        localize=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    max_score = forms.IntegerField(label=_("Maximum score"), min_value=1, max_value=1000, initial=10)


class BaseCriterionFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        codes = set()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            code = form.cleaned_data.get("code")
            if code in codes:
                form.add_error("code", _("Each criterion needs its own code."))
            codes.add(code)

    def criteria(self) -> list[dict]:
        """The criteria to keep, as criteria_set takes them."""
        return [
            {key: form.cleaned_data[key] for key in ("code", "name_lt", "name_en", "weight", "max_score")}
            for form in self.forms
            if form.has_changed() and form.cleaned_data and not self._should_delete_form(form)
        ]


CriterionFormSet = forms.formset_factory(CriterionForm, formset=BaseCriterionFormSet, extra=2, can_delete=True)


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status"))]
        + [(value, label) for value, label in ApplicationStatus.choices if value != ApplicationStatus.DRAFT],
    )


class EligibilityForm(ServiceErrorMixin, forms.Form):
    """The eligibility checklist of one application against its call's
    conditions, the verdict and (for an ineligible one) the reason."""

    CHECKS = ("applicant_type", "deadline_met", "declarations", "budget_within_maximum")

    applicant_type = forms.BooleanField(label=_("The applicant's type is eligible in this call"), required=False)
    deadline_met = forms.BooleanField(label=_("Submitted before the call's deadline"), required=False)
    declarations = forms.BooleanField(label=_("The declarations are complete"), required=False)
    budget_within_maximum = forms.BooleanField(
        label=_("The grant requested is within the maximum and the own contribution is sufficient"), required=False
    )
    eligible = forms.TypedChoiceField(
        label=_("Verdict"),
        choices=[("yes", _("Eligible: goes to evaluation")), ("no", _("Ineligible"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when the application is ineligible; the applicant receives it."),
    )

    def clean(self):
        cleaned = super().clean()
        eligible = cleaned.get("eligible")
        if eligible is False and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason why the application is ineligible."))
        if eligible is True and not all(cleaned.get(name) for name in self.CHECKS):
            self.add_error(
                "eligible", _("An application is eligible only when every condition of the checklist is met.")
            )
        return cleaned

    def checklist(self) -> dict[str, bool]:
        return {name: bool(self.cleaned_data.get(name)) for name in self.CHECKS}


class EvaluatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


class EvaluatorAssignForm(ServiceErrorMixin, forms.Form):
    evaluator = EvaluatorChoiceField(label=_("Evaluator"), queryset=User.objects.none())

    def __init__(self, *args, exclude_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = (
            User.objects.filter(role=Role.EVALUATOR, is_active=True)
            .exclude(pk__in=list(exclude_ids))
            .order_by("last_name", "first_name", "username")
        )


class DecisionForm(ServiceErrorMixin, forms.Form):
    reasons = forms.CharField(
        label=_("Reasons for the decision"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Recorded with the decision; applicants and auditors read them."),
    )
