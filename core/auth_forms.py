"""The login form: Django's, with the browser hints for saved passwords set on
the widgets, so that the page can render each field through _field.html
(label, errors tied to the input) and keep them. An account that signed up
but has not confirmed its e-mail address cannot log in; it gets a new link."""

from allauth.account.models import EmailAddress
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class FondasAuthenticationForm(AuthenticationForm):
    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        if self.is_bound:
            # After a failed attempt the error summary takes the focus (static/js/fondas.js).
            self.fields["username"].widget.attrs.pop("autofocus", None)

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        addresses = list(EmailAddress.objects.filter(user=user))
        # Accounts made by administrators (before sign-up existed) have no address records.
        if addresses and not any(address.verified for address in addresses):
            primary = next((address for address in addresses if address.primary), addresses[-1])
            primary.send_confirmation(self.request)
            raise ValidationError(
                _(
                    "Your e-mail address is not confirmed yet. We have sent you a new confirmation link: "
                    "open it, then log in."
                ),
                code="email_unconfirmed",
            )
