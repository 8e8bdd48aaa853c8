"""The login page: each field with its label through _field.html, the browser
hints for saved passwords kept, and a failed login reported in the error
summary (role=alert, focused on load) in the page's language."""

import re

import pytest
from django.conf import settings

from core.auth_forms import FondasAuthenticationForm
from core.models import Role
from tests.factories import UserFactory

LOGIN = "/accounts/login/"


def _input(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, page
    return match.group(0)


@pytest.mark.django_db
def test_the_login_page_labels_its_fields_and_keeps_the_autocomplete_hints(client):
    page = client.get(LOGIN).content.decode()
    assert '<html lang="lt">' in page
    assert 'autocomplete="username"' in _input(page, "username")
    assert 'autocomplete="current-password"' in _input(page, "password")
    assert re.search(r'<label for="id_username">', page)
    assert re.search(r'<label for="id_password">', page)
    assert "data-error-summary" not in page


@pytest.mark.django_db
def test_a_failed_login_is_reported_in_the_error_summary(client):
    user = UserFactory(username="ruta", role=Role.OFFICER)
    user.set_password("right-password")
    user.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(LOGIN, {"username": "ruta", "password": "wrong"}).content.decode()
    summary = re.search(r'<div class="error-summary"[^>]*role="alert"[^>]*data-error-summary.*?</div>', page, re.S)
    assert summary, page
    assert "Please enter a correct username and password" in summary.group(0)


@pytest.mark.django_db
def test_the_login_view_uses_the_fondas_form(client):
    """config/urls.py: LoginView.as_view(authentication_form=FondasAuthenticationForm),
    so that after a failed login the username box does not take the focus from the summary."""
    response = client.post(LOGIN, {"username": "nobody", "password": "wrong"})
    assert isinstance(response.context["form"], FondasAuthenticationForm)
    assert "autofocus" not in _input(response.content.decode(), "username")


def test_the_form_sets_the_hints_itself():
    form = FondasAuthenticationForm()
    assert form.fields["username"].widget.attrs["autocomplete"] == "username"
    assert form.fields["password"].widget.attrs["autocomplete"] == "current-password"
    assert (
        "autofocus"
        not in FondasAuthenticationForm(data={"username": "x", "password": "y"}).fields["username"].widget.attrs
    )
