"""Status changes of projects and calls through their public services: every
move the workflow of DESIGN.md allows succeeds and is audited with the old and
new status; every other move raises ApplicationError and changes nothing;
closed and terminated projects, and closed calls, are final."""

from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType
from grants.models import CallStatus, ProjectStatus
from grants.services import call_transition, project_transition
from tests.factories import make_call, make_instrument, make_project

pytestmark = pytest.mark.django_db

P = ProjectStatus
# The project workflow as DESIGN.md states it: contracted → in implementation ⇄
# suspended; in implementation → completed → closed; an open project may be terminated.
PROJECT_WORKFLOW = {
    (P.CONTRACTED, P.IN_IMPLEMENTATION),
    (P.IN_IMPLEMENTATION, P.SUSPENDED),
    (P.SUSPENDED, P.IN_IMPLEMENTATION),
    (P.IN_IMPLEMENTATION, P.COMPLETED),
    (P.COMPLETED, P.CLOSED),
    (P.CONTRACTED, P.TERMINATED),
    (P.IN_IMPLEMENTATION, P.TERMINATED),
    (P.SUSPENDED, P.TERMINATED),
}
# How a new project reaches each status along the workflow.
ROUTE = {
    P.CONTRACTED: [],
    P.IN_IMPLEMENTATION: [P.IN_IMPLEMENTATION],
    P.SUSPENDED: [P.IN_IMPLEMENTATION, P.SUSPENDED],
    P.COMPLETED: [P.IN_IMPLEMENTATION, P.COMPLETED],
    P.CLOSED: [P.IN_IMPLEMENTATION, P.COMPLETED, P.CLOSED],
    P.TERMINATED: [P.TERMINATED],
}
CALL_WORKFLOW = {(CallStatus.DRAFT, CallStatus.OPEN), (CallStatus.OPEN, CallStatus.CLOSED)}

# Hypothesis runs many examples in one test; each runs in a savepoint rolled back at its end.
examples = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _moves(obj):
    return list(
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk), event_type=AuditEventType.STATUS_CHANGED
        )
        .order_by("id")
        .values_list("actor", "old_values__status", "new_values__status")
    )


@pytest.fixture
def instrument():
    return make_instrument(allocation="100000000.00")


def _follow(transition, obj, field_name, targets, workflow, actor):
    """Try each target in turn and check the service against the workflow."""
    allowed = {(str(old), str(new)) for old, new in workflow}
    for target in map(str, targets):
        current = str(getattr(obj, field_name))
        before = _moves(obj)
        if (current, target) in allowed:
            transition(actor, obj, target)
            obj.refresh_from_db()
            assert getattr(obj, field_name) == target
            assert _moves(obj) == [*before, (actor.pk, current, target)]
        else:
            with pytest.raises(ApplicationError, match=f"cannot move from '{current}' to '{target}'") as info:
                transition(actor, obj, target)
            assert info.value.field == "status"
            obj.refresh_from_db()
            assert getattr(obj, field_name) == current
            assert _moves(obj) == before


@examples
@given(targets=st.lists(st.sampled_from(list(ProjectStatus)), min_size=1, max_size=8))
def test_a_project_moves_only_along_its_workflow_and_each_move_is_audited(instrument, officer, targets):
    with transaction.atomic():
        project = make_project(instrument)

        def move(actor, obj, to_status):
            # The table under test; closing's preconditions: test_project_closing.py.
            return project_transition(actor=actor, project=obj, to_status=to_status, check_closing=False)

        _follow(move, project, "status", targets, PROJECT_WORKFLOW, officer)
        transaction.set_rollback(True)


@examples
@given(targets=st.lists(st.sampled_from(list(CallStatus)), min_size=1, max_size=5))
def test_a_call_moves_only_along_its_workflow_and_each_move_is_audited(instrument, officer, targets):
    with transaction.atomic():
        call = make_call(instrument, budget="1000.00")

        def move(actor, obj, to_status):
            return call_transition(actor=actor, call=obj, to_status=to_status)

        _follow(move, call, "status", targets, CALL_WORKFLOW, officer)
        transaction.set_rollback(True)


@pytest.mark.parametrize("final", [P.CLOSED, P.TERMINATED])
def test_closed_and_terminated_projects_are_final(instrument, final):
    project = make_project(instrument)
    for status in ROUTE[final]:
        project_transition(actor=None, project=project, to_status=status, check_closing=False)
    recorded = _moves(project)
    for target in ProjectStatus:
        with pytest.raises(ApplicationError):
            project_transition(actor=None, project=project, to_status=target)
    project.refresh_from_db()
    assert project.status == final
    assert _moves(project) == recorded


@pytest.mark.parametrize("start", list(ROUTE))
def test_every_status_is_reachable_and_every_open_one_may_be_terminated(instrument, start):
    project = make_project(instrument)
    for status in ROUTE[start]:
        project_transition(actor=None, project=project, to_status=status, check_closing=False)
    assert project.status == start
    if start in (P.COMPLETED, P.CLOSED, P.TERMINATED):
        with pytest.raises(ApplicationError):
            project_transition(actor=None, project=project, to_status=P.TERMINATED)
    else:
        project_transition(actor=None, project=project, to_status=P.TERMINATED)
        assert project.status == P.TERMINATED


def test_a_refused_move_changes_no_other_field(instrument):
    project = make_project(instrument)
    project_transition(actor=None, project=project, to_status=P.TERMINATED)
    before = type(project).objects.values().get(pk=project.pk)
    with pytest.raises(ApplicationError):
        project_transition(actor=None, project=project, to_status=P.IN_IMPLEMENTATION)
    assert type(project).objects.values().get(pk=project.pk) == before


def test_a_move_of_a_stale_copy_is_checked_against_the_stored_status(instrument):
    """The service locks and reads the row: a copy loaded before another move
    cannot repeat a move the stored status no longer allows."""
    project = make_project(instrument)
    stale = type(project).objects.get(pk=project.pk)
    project_transition(actor=None, project=project, to_status=P.TERMINATED)
    with pytest.raises(ApplicationError, match="from 'terminated'"):
        project_transition(actor=None, project=stale, to_status=P.IN_IMPLEMENTATION)
    project.refresh_from_db()
    assert project.status == P.TERMINATED
    assert project.end_date == date(2021, 12, 31)
