"""The one role policy: what each role may do, and what templates see of it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from core.context_processors import access as access_context
from core.models import Role
from core.permissions import Access
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# role, is_superuser → sees_all_data, uses_reports, requests_any_report, acts_for_organisation
POLICY = [
    (Role.OFFICER, False, (True, True, True, False)),
    (Role.AUDITOR, False, (True, True, True, False)),
    (Role.APPLICANT, False, (False, True, False, True)),
    (Role.EVALUATOR, False, (False, False, False, False)),
    (Role.ADMINISTRATOR, False, (False, False, False, False)),
    (Role.ADMINISTRATOR, True, (True, False, False, False)),
]


@pytest.mark.parametrize(("role", "superuser", "expected"), POLICY)
def test_each_role_may_do_what_the_policy_says(role, superuser, expected):
    user = UserFactory(role=role, is_superuser=superuser, is_staff=superuser)
    access = Access.of(user)
    assert (
        access.sees_all_data,
        access.uses_reports,
        access.requests_any_report,
        access.acts_for_organisation,
    ) == expected
    assert access.administers is superuser
    assert access.role == role


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR, Role.APPLICANT])
def test_an_inactive_user_may_do_nothing(role):
    access = Access.of(UserFactory(role=role, is_active=False))
    assert access == Access(role=None)


def test_an_anonymous_visitor_may_do_nothing():
    assert Access.of(AnonymousUser()) == Access(role=None)
    assert Access.of(None) == Access(role=None)


def test_templates_get_the_policy_of_the_signed_in_user():
    request = RequestFactory().get("/")
    request.user = UserFactory(role=Role.AUDITOR)
    assert access_context(request)["access"].sees_all_data is True
    request.user = AnonymousUser()
    assert access_context(request)["access"].uses_reports is False


def test_the_navigation_follows_the_policy(client):
    auditor = UserFactory(role=Role.AUDITOR)
    evaluator = UserFactory(role=Role.EVALUATOR)
    client.force_login(auditor)
    assert 'href="/reports/"' in client.get("/").content.decode()
    client.force_login(evaluator)
    assert 'href="/reports/"' not in client.get("/").content.decode()
