"""The audit trail is append-only, and every state-changing service writes to it."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from core.models import AuditEvent
from grants.services import project_create
from tests.factories import OrganisationFactory, make_instrument, make_project

pytestmark = pytest.mark.django_db


def test_project_creation_is_audited_with_new_values(officer):
    instrument = make_instrument()
    category = instrument.eligible_cost_categories.first()
    project = project_create(
        actor=officer,
        instrument=instrument,
        code="AUD-1",
        title="Audited",
        beneficiary=OrganisationFactory(),
        start_date=date(2020, 1, 1),
        end_date=date(2020, 12, 31),
        budget={category: Decimal("100.00")},
    )
    event = AuditEvent.objects.get(object_type="grants.project", object_id=str(project.pk))
    assert event.actor == officer
    assert event.event_type == "created"
    assert event.new_values["grant_amount"] == "70.00"


def test_audit_event_cannot_be_updated():
    make_project(make_instrument())
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(event_type="tampered")
    event.refresh_from_db()
    assert event.event_type != "tampered"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE is refused by trigger on PostgreSQL only")
def test_audit_event_cannot_be_deleted_on_postgresql():
    make_project(make_instrument())
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == count
