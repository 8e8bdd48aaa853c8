"""The login form: Django's, with the browser hints for saved passwords set on
the widgets, so that the page can render each field through _field.html
(label, errors tied to the input) and keep them."""

from django.contrib.auth.forms import AuthenticationForm


class FondasAuthenticationForm(AuthenticationForm):
    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})
        if self.is_bound:
            # After a failed attempt the error summary takes the focus (static/js/fondas.js).
            self.fields["username"].widget.attrs.pop("autofocus", None)
