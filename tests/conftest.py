"""Shared fixtures."""

import pytest

from core.models import Role
from tests.factories import OrganisationFactory, UserFactory


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
