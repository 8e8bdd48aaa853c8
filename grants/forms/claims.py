"""Forms of the beneficiary's payment-claim pages (issue 9). They only parse
what a person types; the rules (periods, who may edit, double funding, the
documents a submission needs) are checked by grants.services.claims, whose
ApplicationError lands on the field it names through
grants.forms.applications.add_service_error."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.formatting import format_number
from core.forms import AmountField
from grants.forms.applications import ATTACHMENT_ACCEPT, DateInput
from grants.models import BudgetLine, ClaimKind

DOCUMENT_HELP = _("PDF, DOCX or XLSX, at most 10 MB.")


class FileInput(forms.FileInput):
    """A plain file box. Django's ClearableFileInput adds a link to the stored
    file and a "Clear" box of its own, which would sit outside the field's
    label and error ties; the current file is named in the help text instead,
    and a file is removed by replacing it."""

    def __init__(self, attrs=None, *, accept: str = ATTACHMENT_ACCEPT):
        super().__init__({"accept": accept, **(attrs or {})})
        # The id of one more element that describes the box (the import's list
        # of wrong rows), after the help text and errors that `accessible` names.
        self.also_described_by = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.also_described_by:
            widget_attrs = context["widget"]["attrs"]
            ids = [widget_attrs.get("aria-describedby", ""), self.also_described_by]
            widget_attrs["aria-describedby"] = " ".join(i for i in ids if i)
        return context


def _version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, label=_("version"))


class ClaimForm(forms.Form):
    """A claim's period and kind; with `versioned`, the version it was edited from."""

    period_start = forms.DateField(label=_("Period start"), widget=DateInput())
    period_end = forms.DateField(label=_("Period end"), widget=DateInput())
    kind = forms.ChoiceField(
        label=_("Kind of claim"),
        choices=ClaimKind.choices,
        initial=ClaimKind.INTERIM,
        help_text=_("A project has one final claim, after its last interim claim."),
    )

    def __init__(self, *args, versioned: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if versioned:
            self.fields["version"] = _version_field()


class ItemForm(forms.Form):
    """One expenditure document: the budget line it is charged to, the
    supplier, the document and its amounts, and the document's file."""

    budget_line = forms.ModelChoiceField(queryset=BudgetLine.objects.none(), label=_("Budget line"))
    supplier_name = forms.CharField(label=_("Supplier"), max_length=250)
    supplier_code = forms.CharField(
        label=_("Supplier code"),
        max_length=30,
        help_text=_("The supplier's company code or personal business certificate number."),
    )
    document_number = forms.CharField(label=_("Document number"), max_length=60)
    document_date = forms.DateField(label=_("Document date"), widget=DateInput())
    amount_excl_vat = AmountField(label=_("Amount excluding VAT"))
    vat_amount = AmountField(label=_("VAT"), required=False, help_text=_("0 if the document has no VAT."))
    vat_recoverable = forms.BooleanField(
        label=_("VAT is recoverable"),
        required=False,
        help_text=_("Recoverable VAT is not claimed: only the amount excluding VAT counts."),
    )
    document = forms.FileField(label=_("Supporting document"), required=False, widget=FileInput())
    double_funding_override_reason = forms.CharField(
        label=_("Reason for accepting a repeated document"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only when the same document is already claimed elsewhere and may be accepted again: say why. "
            "Leave empty otherwise."
        ),
    )

    def __init__(self, *args, budget_lines, may_override: bool = False, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["budget_line"]
        field.queryset = budget_lines
        field.empty_label = _("Choose a budget line")
        # The cost category's name in the page's language, read when the options are drawn.
        field.label_from_instance = lambda line: f"{line.cost_category.code} {line.cost_category.name}"
        if not may_override:
            del self.fields["double_funding_override_reason"]
        document = self.fields["document"]
        if item is not None and item.document_name:
            self.fields["version"] = _version_field()
            document.help_text = _("Current file: %(name)s. Choose another file only to replace it. %(types)s") % {
                "name": item.document_name,
                "types": DOCUMENT_HELP,
            }
        else:
            if item is not None:
                self.fields["version"] = _version_field()
            document.help_text = _("Every item needs its document before the claim is submitted. %(types)s") % {
                "types": DOCUMENT_HELP
            }

    def values(self) -> dict:
        """The service's keyword arguments (item_add / item_update), without the file."""
        data = self.cleaned_data
        values = {
            "budget_line": data["budget_line"],
            "supplier_name": data["supplier_name"],
            "supplier_code": data["supplier_code"],
            "document_number": data["document_number"],
            "document_date": data["document_date"],
            "amount_excl_vat": data["amount_excl_vat"],
            "vat_amount": data["vat_amount"] if data.get("vat_amount") is not None else 0,
            "vat_recoverable": data["vat_recoverable"],
        }
        if "double_funding_override_reason" in self.fields:
            values["double_funding_override_reason"] = data.get("double_funding_override_reason", "")
        return values


def item_data(item) -> dict:
    """An item's saved values as a form's data (the current data shown after a
    stale edit), amounts written as the active language writes them."""
    return {
        "budget_line": str(item.budget_line_id),
        "supplier_name": item.supplier_name,
        "supplier_code": item.supplier_code,
        "document_number": item.document_number,
        "document_date": item.document_date.isoformat(),
        "amount_excl_vat": format_number(item.amount_excl_vat, 2),
        "vat_amount": format_number(item.vat_amount, 2),
        "vat_recoverable": "on" if item.vat_recoverable else "",
        "double_funding_override_reason": item.double_funding_override_reason,
        "version": str(item.version),
    }


def claim_data(claim) -> dict:
    return {
        "period_start": claim.period_start.isoformat(),
        "period_end": claim.period_end.isoformat(),
        "kind": claim.kind,
        "version": str(claim.version),
    }


class IndicatorValueForm(forms.Form):
    """The value of one indicator achieved in the claim's period, with its evidence."""

    value = AmountField(label=_("Value achieved in the period"))
    evidence = forms.CharField(
        label=_("Evidence"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What shows the value: lists of participants, contracts, publications and where they are kept."),
    )
    evidence_file = forms.FileField(label=_("Evidence file"), required=False, widget=FileInput())

    def __init__(self, *args, indicator, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"].help_text = _("In %(unit)s.") % {"unit": indicator.unit_label}
        if current is not None and current.evidence_file_name:
            self.fields["evidence_file"].help_text = _(
                "Current file: %(name)s. Choose another file only to replace it. %(types)s"
            ) % {"name": current.evidence_file_name, "types": DOCUMENT_HELP}
        else:
            self.fields["evidence_file"].help_text = _("Optional. %(types)s") % {"types": DOCUMENT_HELP}


class SubmitForm(forms.Form):
    """Submission of a claim; a returned claim carries the answer to the officer's questions."""

    version = _version_field()
    response = forms.CharField(
        label=_("Your response to the questions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Answer each question and say what you changed."),
    )

    def __init__(self, *args, returned: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not returned:
            del self.fields["response"]


class VersionOnlyForm(forms.Form):
    """A confirmation (deleting an item or a draft claim) made from one version."""

    version = _version_field()


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("XLSX file"),
        help_text=_("The filled-in template, at most 10 MB and 5,000 rows."),
        widget=FileInput(accept=".xlsx"),
    )
