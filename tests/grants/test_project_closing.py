# ruff: noqa: F811 - the fixtures of amendment_fixtures are imported by name
"""Closing a project (completed → closed) needs a paid final claim, a reported
value for every indicator target and no open claim; each unmet precondition
is refused with its own message, and nothing changes."""

from datetime import date

import pytest

from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType
from grants.models import ClaimKind, ClaimStatus, ProjectStatus
from grants.services import indicator_value_report, project_transition
from grants.services.projects import PROJECT_TRANSITIONS, project_closing_problems
from tests.grants.amendment_fixtures import (  # noqa: F401 - fixtures
    beneficiary,
    english,
    indicator,
    instrument,
    make_claim,
    partner,
    project,
)

pytestmark = pytest.mark.django_db

NO_FINAL = "no paid final payment claim"
UNREPORTED = "No value has been reported"
OPEN = "still open"


@pytest.fixture
def completed(project):
    project_transition(actor=None, project=project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    project_transition(actor=None, project=project, to_status=ProjectStatus.COMPLETED)
    return project


def report(project, indicator):
    indicator_value_report(actor=None, project=project, indicator=indicator, reported_on=date(2021, 12, 1), value=4)


def close(project, officer):
    return project_transition(actor=officer, project=project, to_status=ProjectStatus.CLOSED)


def refused_with(project, officer, *fragments):
    with pytest.raises(ApplicationError) as refused:
        close(project, officer)
    for fragment in fragments:
        assert fragment in refused.value.message
    assert len(refused.value.details["problems"]) == len(fragments)
    project.refresh_from_db()
    assert project.status == ProjectStatus.COMPLETED
    assert not AuditEvent.objects.filter(
        object_id=str(project.pk), event_type=AuditEventType.STATUS_CHANGED, new_values__status=ProjectStatus.CLOSED
    ).exists()


def test_the_transition_table():
    assert PROJECT_TRANSITIONS[ProjectStatus.COMPLETED] == frozenset({ProjectStatus.CLOSED})
    assert PROJECT_TRANSITIONS[ProjectStatus.CLOSED] == frozenset()
    assert PROJECT_TRANSITIONS[ProjectStatus.TERMINATED] == frozenset()


def test_nothing_done_lists_every_missing_precondition(completed, officer, indicator):
    make_claim(completed, status=ClaimStatus.DRAFT)
    refused_with(completed, officer, NO_FINAL, UNREPORTED, OPEN)
    assert indicator.code in project_closing_problems(completed)[1]
    assert f"{completed.code}-MP" in project_closing_problems(completed)[2]


def test_without_a_paid_final_claim(completed, officer, indicator):
    report(completed, indicator)
    make_claim(completed, status=ClaimStatus.PAID, kind=ClaimKind.INTERIM)
    refused_with(completed, officer, NO_FINAL)
    # An approved (not yet paid) final claim is not enough, and it is still open.
    make_claim(completed, status=ClaimStatus.APPROVED, kind=ClaimKind.FINAL)
    refused_with(completed, officer, NO_FINAL, OPEN)


def test_without_a_value_for_every_indicator_target(completed, officer):
    make_claim(completed, status=ClaimStatus.PAID, kind=ClaimKind.FINAL)
    refused_with(completed, officer, UNREPORTED)


@pytest.mark.parametrize(
    "status", [ClaimStatus.DRAFT, ClaimStatus.SUBMITTED, ClaimStatus.UNDER_VERIFICATION, ClaimStatus.RETURNED]
)
def test_with_an_open_claim(completed, officer, indicator, status):
    report(completed, indicator)
    make_claim(completed, status=ClaimStatus.PAID, kind=ClaimKind.FINAL)
    make_claim(completed, status=status)
    refused_with(completed, officer, OPEN)


def test_closes_when_every_precondition_is_met(completed, officer, indicator):
    report(completed, indicator)
    make_claim(completed, status=ClaimStatus.PAID, kind=ClaimKind.INTERIM)
    make_claim(completed, status=ClaimStatus.REJECTED)  # finished: does not hold the closing
    make_claim(completed, status=ClaimStatus.PAID, kind=ClaimKind.FINAL)
    assert project_closing_problems(completed) == []
    close(completed, officer)
    completed.refresh_from_db()
    assert completed.status == ProjectStatus.CLOSED
    event = AuditEvent.objects.filter(object_id=str(completed.pk), event_type=AuditEventType.STATUS_CHANGED).last()
    assert event.actor == officer and event.new_values["status"] == ProjectStatus.CLOSED


def test_only_a_completed_project_closes(project, officer, indicator):
    report(project, indicator)
    make_claim(project, status=ClaimStatus.PAID, kind=ClaimKind.FINAL)
    with pytest.raises(ApplicationError, match="cannot move"):
        close(project, officer)
