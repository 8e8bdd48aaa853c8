"""Project status moves only along the table of allowed transitions, with an audit event."""

import pytest

from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType
from grants.models import ProjectStatus
from grants.services import project_transition
from tests.factories import make_instrument, make_project

pytestmark = pytest.mark.django_db


def test_allowed_path_records_each_move():
    project = make_project(make_instrument())
    for status in (
        ProjectStatus.IN_IMPLEMENTATION,
        ProjectStatus.SUSPENDED,
        ProjectStatus.IN_IMPLEMENTATION,
        ProjectStatus.COMPLETED,
        ProjectStatus.CLOSED,
    ):
        # The table is under test here; closing's own preconditions are in test_project_closing.py.
        project_transition(actor=None, project=project, to_status=status, check_closing=False)
    project.refresh_from_db()
    assert project.status == ProjectStatus.CLOSED
    moves = list(
        AuditEvent.objects.filter(
            object_type=project._meta.label_lower,
            object_id=str(project.pk),
            event_type=AuditEventType.STATUS_CHANGED,
        ).values_list("old_values__status", "new_values__status")
    )
    assert moves == [
        (ProjectStatus.CONTRACTED, ProjectStatus.IN_IMPLEMENTATION),
        (ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.SUSPENDED),
        (ProjectStatus.SUSPENDED, ProjectStatus.IN_IMPLEMENTATION),
        (ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.COMPLETED),
        (ProjectStatus.COMPLETED, ProjectStatus.CLOSED),
    ]


@pytest.mark.parametrize(
    "path,forbidden",
    [
        ([], ProjectStatus.COMPLETED),
        ([ProjectStatus.IN_IMPLEMENTATION, ProjectStatus.COMPLETED], ProjectStatus.TERMINATED),
        ([ProjectStatus.TERMINATED], ProjectStatus.IN_IMPLEMENTATION),
    ],
)
def test_forbidden_transition_refused_and_unchanged(path, forbidden):
    project = make_project(make_instrument())
    for status in path:
        project_transition(actor=None, project=project, to_status=status)
    before = project.status
    with pytest.raises(ApplicationError, match="cannot move from"):
        project_transition(actor=None, project=project, to_status=forbidden)
    project.refresh_from_db()
    assert project.status == before
