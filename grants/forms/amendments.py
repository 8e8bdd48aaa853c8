"""Forms of amendments and project changes. They parse input only; the rules
are in grants.services.amendments and grants.services.projects."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clusters.models import Organisation
from core.concurrency import VersionedForm
from core.errors import ApplicationError
from core.formatting import format_money
from core.forms import AmountField
from grants.models import ProjectStatus

JUSTIFICATION_HELP = _("Why the agreement should change; the officer reads it with the request.")


class ServiceErrorMixin:
    """A service's ApplicationError by the field it names, else above the form."""

    field_map: dict = {}

    def add_application_error(self, error: ApplicationError) -> None:
        name = self.field_map.get(error.field, error.field)
        self.add_error(name if name in self.fields else None, error.message)


def justification_field():
    return forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 5}), help_text=JUSTIFICATION_HELP
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ReallocationForm(ServiceErrorMixin, forms.Form):
    """One amount per budget line (`line_<id>`), with the current amount as
    initial value and the change allowed without approval as help."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            name = f"line_{row.line.pk}"
            self.fields[name] = AmountField(
                label=row.line.cost_category.name,
                help_text=_(
                    "Now %(current)s. Without an officer's approval: from %(low)s to %(high)s (%(original)s in the "
                    "agreement as signed). Verified so far: %(verified)s."
                )
                % {
                    "current": format_money(row.line.planned_amount),
                    "low": format_money(row.low),
                    "high": format_money(row.high),
                    "original": format_money(row.original),
                    "verified": format_money(row.verified),
                },
            )
            self.initial.setdefault(name, row.line.planned_amount)
        self.fields["justification"] = justification_field()

    def budget(self) -> dict:
        return {row.line: self.cleaned_data[f"line_{row.line.pk}"] for row in self.rows}

    def line_fields(self):
        return [self[f"line_{row.line.pk}"] for row in self.rows]


class ExtensionForm(ServiceErrorMixin, forms.Form):
    new_end_date = forms.DateField(label=_("New end date"), widget=DateInput())
    justification = justification_field()


class OrganisationCodeField(forms.CharField):
    """An organisation picked by its 9-digit company code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9 ]*"})

    def clean(self, value):
        value = super().clean(value)
        code = "".join(value.split()) if value else ""
        if not code:
            return None
        organisation = Organisation.objects.filter(legal_code=code).first()
        if organisation is None:
            raise forms.ValidationError(
                _("No organisation with the company code %(code)s is registered in Fondas."), params={"code": code}
            )
        return organisation


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.legal_code})"


class PartnerChangeForm(ServiceErrorMixin, forms.Form):
    partner_removed = PartnerChoiceField(
        label=_("Partner leaving"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("No partner leaves"),
    )
    partner_added = OrganisationCodeField(
        label=_("Company code of the partner joining"),
        required=False,
        help_text=_("9 digits, e.g. 302123456. Leave empty when no partner joins."),
    )
    justification = justification_field()

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_removed"].queryset = project.partners.order_by("name")


class DecisionForm(ServiceErrorMixin, VersionedForm):
    decision = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve: the change applies")), ("reject", _("Reject"))],
        coerce=lambda value: value == "approve",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you reject; the beneficiary reads it."),
    )
    field_map = {"approve": "decision"}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") is False and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Give the reason for the rejection."))
        return cleaned


class WithdrawForm(VersionedForm):
    pass


class ProjectEditForm(ServiceErrorMixin, VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=400)
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    end_date = forms.DateField(label=_("End date"), widget=DateInput())

    @classmethod
    def initial_for(cls, project) -> dict:
        return {
            "title": project.title,
            "start_date": project.start_date,
            "end_date": project.end_date,
            "version": project.version,
        }


class ProjectStatusForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"), choices=ProjectStatus.choices)
