"""Shared fixtures."""

import os

import pytest
from django.test import override_settings

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
