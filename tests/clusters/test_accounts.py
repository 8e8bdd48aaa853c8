"""Accounts through django-allauth: sign-up with an e-mail confirmation link,
the new applicant's landing on "create or join an organisation", logging in by
username or e-mail address on Fondas's own login page, and password reset."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse

from clusters.models import OrganisationUser
from core.models import AuditEvent, AuditEventType, Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Saugus-Slaptazodis-2024"


@pytest.fixture
def english(client):
    """Pages in English (the switcher's cookie), so the texts checked below are their English wording."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _link(message, pattern: str) -> str:
    match = re.search(pattern, message.body)
    assert match, message.body
    return match.group(0)


def _sign_up(client, email="ona.petraitiene@example.lt"):
    return client.post(
        reverse("account_signup"),
        {
            "first_name": "Ona",
            "last_name": "Petraitienė",
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_login_page_links_to_sign_up_and_password_reset(english):
    page = english.get(reverse("login")).content.decode()
    assert f'href="{reverse("account_signup")}"' in page
    assert f'href="{reverse("account_reset_password")}"' in page
    assert "Create an account" in page and "Forgot your password?" in page
    # Fondas's own login view answers at /accounts/login/, allauth's name points there too.
    assert reverse("account_login") == reverse("login")


def test_sign_up_confirm_link_logs_in_and_lands_on_create_or_join(english, mailoutbox):
    page = english.get(reverse("account_signup")).content.decode()
    for name in ("first_name", "last_name", "email", "password1", "password2"):
        assert f'name="{name}"' in page
    assert 'aria-describedby="id_password1-help"' in page  # the password rules, tied to the field

    response = _sign_up(english)
    assert response.status_code == 302
    user = User.objects.get(email="ona.petraitiene@example.lt")
    assert user.role == Role.APPLICANT
    assert (user.first_name, user.last_name) == ("Ona", "Petraitienė")
    assert user.language == "en"  # signed up on the English pages: its e-mails come in English
    assert not OrganisationUser.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(
        object_type="core.user", object_id=str(user.pk), event_type=AuditEventType.CREATED
    ).exists()
    # Not signed in until the address is confirmed.
    assert english.get(response["Location"]).status_code == 200
    assert "_auth_user_id" not in english.session

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ona.petraitiene@example.lt"]
    url = _link(mailoutbox[0], r"https?://[^\s]+/accounts/confirm-email/[^\s]+/")
    path_only = re.sub(r"^https?://[^/]+", "", url)

    page = english.get(path_only)  # opening the link shows a button: mail scanners confirm nothing
    assert page.status_code == 200
    assert not EmailAddress.objects.get(user=user).verified
    confirmed = english.post(path_only)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert english.session["_auth_user_id"] == str(user.pk)
    assert confirmed["Location"] == reverse("clusters:organisation-start")

    start = english.get(confirmed["Location"])
    assert start.status_code == 200
    text = start.content.decode()
    assert reverse("clusters:organisation-create") in text
    assert reverse("clusters:join-request-create") in text


def test_unconfirmed_account_cannot_register_an_organisation_and_may_ask_for_a_new_link(english, mailoutbox):
    _sign_up(english)
    user = User.objects.get(email="ona.petraitiene@example.lt")
    english.force_login(user)  # however it got in, its address is still unconfirmed

    assert english.get(reverse("clusters:organisation-create"))["Location"] == reverse("clusters:organisation-start")
    assert english.get(reverse("clusters:join-request-create"))["Location"] == reverse("clusters:organisation-start")
    start = english.get(reverse("clusters:organisation-start")).content.decode()
    assert "Confirm your e-mail address first" in start

    mailoutbox.clear()
    english.post(reverse("clusters:confirmation-resend"))
    assert len(mailoutbox) == 1 and "/accounts/confirm-email/" in mailoutbox[0].body


def test_signing_up_again_with_a_registered_address_creates_no_account(english, mailoutbox):
    UserFactory(email="jonas@example.lt", role=Role.APPLICANT)
    before = User.objects.count()
    response = _sign_up(english, email="jonas@example.lt")
    assert response.status_code == 302  # the same answer as for a new address
    assert User.objects.count() == before
    assert len(mailoutbox) == 1  # the owner of the address is told


def test_login_by_username_or_by_email_address(client):
    user = UserFactory(username="jonas", email="jonas@example.lt", role=Role.APPLICANT)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for login in ("jonas", "jonas@example.lt"):
        response = client.post(reverse("login"), {"username": login, "password": "fondas-test-password"})
        assert response.status_code == 302, login
        assert client.session["_auth_user_id"] == str(user.pk)
        client.post(reverse("logout"))


def test_an_unconfirmed_account_cannot_log_in_and_gets_a_new_link(english, mailoutbox):
    user = UserFactory(username="jonas", email="jonas@example.lt", role=Role.APPLICANT)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    response = english.post(reverse("login"), {"username": "jonas", "password": "fondas-test-password"})
    assert response.status_code == 200
    assert "_auth_user_id" not in english.session
    assert "not confirmed yet" in response.content.decode()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["jonas@example.lt"]
    EmailAddress.objects.filter(user=user).update(verified=True)
    response = english.post(reverse("login"), {"username": "jonas", "password": "fondas-test-password"})
    assert response.status_code == 302


def test_wrong_passwords_still_lock_the_account_out(client):
    UserFactory(username="jonas", email="jonas@example.lt")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "jonas@example.lt", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "jonas", "password": "fondas-test-password"})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (403, 429)


def test_password_reset_by_e_mail(english, mailoutbox):
    user = UserFactory(username="jonas", email="jonas@example.lt", role=Role.APPLICANT)
    page = english.get(reverse("account_reset_password")).content.decode()
    assert 'name="email"' in page

    response = english.post(reverse("account_reset_password"), {"email": "jonas@example.lt"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["jonas@example.lt"]
    url = _link(mailoutbox[0], r"https?://[^\s]+/accounts/password/reset/key/[^\s]+/")
    key_page = english.get(re.sub(r"^https?://[^/]+", "", url), follow=True)
    assert key_page.status_code == 200
    form_url = key_page.redirect_chain[-1][0] if key_page.redirect_chain else re.sub(r"^https?://[^/]+", "", url)
    text = key_page.content.decode()
    assert 'name="password1"' in text and 'aria-describedby="id_password1-help"' in text

    new_password = "Naujas-Slaptazodis-2025"
    mismatch = english.post(form_url, {"password1": new_password, "password2": "kitas"})
    assert mismatch.status_code == 200 and "error-summary" in mismatch.content.decode()
    done = english.post(form_url, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_password_reset_of_an_unknown_address_says_the_same_and_sends_nothing_useful(english, mailoutbox):
    response = english.post(reverse("account_reset_password"), {"email": "niekas@example.lt"})
    assert response.status_code == 302
    assert all("/accounts/password/reset/key/" not in m.body for m in mailoutbox)
