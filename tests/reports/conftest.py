"""Fixtures shared by the report tests: one instrument with a project of the
applicant's organisation and one of another organisation."""

import pytest

from core.models import Role
from tests.factories import OrganisationFactory, UserFactory, make_instrument, make_project


@pytest.fixture
def instrument(db):
    return make_instrument(code="BCLT")


@pytest.fixture
def programme(instrument):
    return instrument.programme


@pytest.fixture
def own_project(instrument, organisation):
    return make_project(instrument, beneficiary=organisation, code="PRJ-OWN")


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="UAB Kitas")


@pytest.fixture
def other_project(instrument, other_organisation):
    return make_project(instrument, beneficiary=other_organisation, code="PRJ-OTHER")


@pytest.fixture
def other_applicant(other_organisation):
    return UserFactory(role=Role.APPLICANT, organisation=other_organisation)
