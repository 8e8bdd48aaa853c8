"""Shared fixtures."""

import os

import pytest
from django.test import override_settings
from django.utils import translation

from core.models import Role
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture(scope="session", autouse=True)
def _media_root(tmp_path_factory):
    """Stored files go to a fresh temporary folder per test run, made here
    rather than when the settings are imported."""
    if os.environ.get("MEDIA_ROOT"):
        yield
        return
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Every test starts in English, whatever an earlier test's request left
    active in the thread: code called outside a request (services, selectors,
    renderers) speaks the language its caller activates, and a test that wants
    Lithuanian says so (translation.override("lt"), or a page request, whose
    language the middleware chooses)."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def officer(db):
    return UserFactory(role=Role.OFFICER)


@pytest.fixture
def auditor(db):
    return UserFactory(role=Role.AUDITOR)


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def applicant(db, organisation):
    return UserFactory(role=Role.APPLICANT, organisation=organisation)
