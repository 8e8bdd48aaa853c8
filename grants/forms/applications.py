"""Forms of the application's six steps (issue 8). They only parse what the
applicant types; the rules (dates, caps, financing, declarations) are checked
by grants.services.applications, whose ApplicationError lands on the field it
names through `add_service_error`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clusters.models import Organisation
from core.errors import ApplicationError
from core.formatting import format_percent
from core.forms import AmountField, AmountInput
from grants.models import Application
from grants.services.applications import indicator_field
from grants.services.financing import budget_field

# What the upload box offers; the service checks the type by content.
ATTACHMENT_ACCEPT = ".pdf,.docx,.xlsx"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ProjectForm(forms.Form):
    """Step 1: the project, and the envelope when the call has envelopes."""

    title = forms.CharField(label=_("Project title"), max_length=400)
    summary = forms.CharField(
        label=_("Summary"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("What the project will do and for whom, in a few paragraphs."),
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput(), required=False)
    end_date = forms.DateField(label=_("End date"), widget=DateInput(), required=False)
    envelope = forms.ModelChoiceField(queryset=None, label=_("Envelope"), required=False)

    def __init__(self, *args, application: Application, envelopes, **kwargs):
        super().__init__(*args, **kwargs)
        if envelopes:
            field = self.fields["envelope"]
            field.queryset = application.call.envelopes.all()
            field.required = True
            field.empty_label = _("Choose an envelope")
            field.label_from_instance = lambda envelope: f"{envelope.code} {envelope.name}"
        else:
            del self.fields["envelope"]


class PartnersForm(forms.Form):
    """Step 2: partners among the members of the applicant's clusters."""

    partners = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Partners"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Member organisations of your cluster that take part in the project. Partners are optional."),
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = candidates


class BudgetForm(forms.Form):
    """Step 3: one amount per eligible cost category of the instrument, with
    the category's cap in its help text."""

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = list(categories)
        for category in self.categories:
            help_text = ""
            if category.max_share_percent is not None:
                help_text = _("At most %(cap)s of the eligible costs.") % {
                    "cap": format_percent(category.max_share_percent)
                }
            self.fields[budget_field(category)] = AmountField(
                label=category.name,
                required=False,
                help_text=help_text,
                widget=AmountInput(
                    attrs={
                        "data-line": "",
                        "data-cap": "" if category.max_share_percent is None else str(category.max_share_percent),
                        "data-category": category.code,
                    }
                ),
            )

    def lines(self) -> dict:
        """{cost category: amount} of the lines typed; empty lines are left out."""
        return {
            category: self.cleaned_data[budget_field(category)]
            for category in self.categories
            if self.cleaned_data.get(budget_field(category)) is not None
        }


class IndicatorsForm(forms.Form):
    """Step 4: a target for each of the instrument's indicators."""

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        for indicator in self.indicators:
            self.fields[indicator_field(indicator)] = AmountField(
                label=f"{indicator.code} {indicator.name}",
                required=False,
                help_text=_("Target, in %(unit)s.") % {"unit": indicator.unit_label},
            )

    def targets(self) -> dict:
        return {
            indicator: self.cleaned_data[indicator_field(indicator)]
            for indicator in self.indicators
            if self.cleaned_data.get(indicator_field(indicator)) is not None
        }


class AttachmentForm(forms.Form):
    """Step 5: one file at a time."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, DOCX or XLSX, at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ATTACHMENT_ACCEPT}),
    )


class DeclarationsForm(forms.Form):
    """Step 6: the applicant's declarations."""

    de_minimis_received = AmountField(
        label=_("De minimis aid received in the last three years"),
        required=False,
        help_text=_("All de minimis aid your undertaking received in the last three years, in euro; 0 if none."),
    )
    declares_no_double_funding = forms.BooleanField(
        label=_("The costs of this project are not funded from other sources."), required=False
    )
    declares_data_accurate = forms.BooleanField(label=_("The data in this application are accurate."), required=False)


def add_service_error(form: forms.Form, error: ApplicationError, field_map: dict | None = None) -> None:
    """Put a service's refusal on the field it names (through `field_map`
    when the service's name differs from the form's), or at the top of the
    form. details["fields"] (every problem found at once) is spread the same way."""
    field_map = field_map or {}

    def put(field, message):
        name = field_map.get(field, field)
        form.add_error(name if name in form.fields else None, message)

    fields = (error.details or {}).get("fields")
    if fields:
        for field, messages in fields.items():
            for message in messages if isinstance(messages, list | tuple) else [messages]:
                put(field, message)
        return
    put(error.field, error.message)
