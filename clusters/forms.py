"""Forms of the account and organisation pages: django-allauth's sign-up and
new-password forms as Fondas shows them (ACCOUNT_FORMS), the organisation
profile and the request to join an organisation. They parse input; the rules
are in clusters.services and come back as field errors."""

from allauth.account.forms import ResetPasswordKeyForm, SignupForm
from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from clusters.models import OrganisationType, Region
from clusters.services import applicant_account_complete
from clusters.validators import validate_company_code
from core.errors import ApplicationError


def add_service_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's refusal by the field it names (or at the top of the form)."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _plain_password_help() -> str:
    """The password rules as one sentence per rule: _field.html puts the help in a
    paragraph that aria-describedby names, where allauth's HTML list cannot go."""
    return " ".join(str(text) for text in password_validation.password_validators_help_texts())


class FondasSignupForm(SignupForm):
    """Sign-up: names, e-mail address, password twice. The username is derived
    from the address (ACCOUNT_SIGNUP_FIELDS); the account is an applicant."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["first_name"].widget.attrs.update({"autocomplete": "given-name"})
        self.fields["last_name"].widget.attrs.update({"autocomplete": "family-name"})
        for name in ("email", "password1", "password2"):
            if name in self.fields:
                self.fields[name].widget.attrs.pop("placeholder", None)  # the label says it; a placeholder is no label
        if "password1" in self.fields:
            self.fields["password1"].help_text = _plain_password_help()
        self.order_fields(["first_name", "last_name", "email", "password1", "password2"])

    def custom_signup(self, request, user) -> None:
        """Called by allauth once the account is saved."""
        applicant_account_complete(
            actor=user,
            user=user,
            first_name=self.cleaned_data["first_name"],
            last_name=self.cleaned_data["last_name"],
        )


class FondasResetPasswordKeyForm(ResetPasswordKeyForm):
    """The new password after a reset link, with the rules as plain help text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = _plain_password_help()
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs.pop("placeholder", None)


class OrganisationForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the organisation"),
        max_length=250,
        help_text=_("As in the Register of Legal Entities, e.g. UAB „Pavyzdys“."),
    )
    legal_code = forms.CharField(
        label=_("Company code"),
        max_length=9,
        validators=[validate_company_code],
        help_text=_("9 digits, from the Register of Legal Entities."),
    )
    vat_code = forms.CharField(
        label=_("VAT code"),
        max_length=20,
        required=False,
        help_text=_("Only if the organisation is a VAT payer: LT and 9 or 12 digits."),
    )
    organisation_type = forms.ChoiceField(label=_("Organisation type"), choices=OrganisationType.choices)
    is_sme = forms.BooleanField(
        label=_("The organisation is a small or medium-sized enterprise (SME)"),
        required=False,
        help_text=_(
            "Fewer than 250 employees and an annual turnover of at most EUR 50 million or a balance sheet total "
            "of at most EUR 43 million (Commission Recommendation 2003/361/EC). A research organisation or an NGO "
            "may also be an SME; an organisation of the type “SME” always is."
        ),
    )
    region = forms.ChoiceField(label=_("Region"), choices=Region.choices)
    sector = forms.CharField(label=_("Sector"), max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocomplete": "organization"})
        self.fields["legal_code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["vat_code"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "characters"})


class JoinRequestForm(forms.Form):
    legal_code = forms.CharField(
        label=_("Company code of the organisation"),
        max_length=9,
        validators=[validate_company_code],
        help_text=_("9 digits, from the Register of Legal Entities."),
    )
    message = forms.CharField(
        label=_("Message to the organisation's administrator"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: who you are and what you will do for the organisation."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
