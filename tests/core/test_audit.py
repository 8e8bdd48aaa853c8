"""The audit trail is append-only, and every state-changing service writes to it:
nothing updates, deletes, truncates or flushes it, except a test runner emptying
its own test database."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.models import AuditEvent, AuditEventType
from grants.services import project_create
from tests.factories import OrganisationFactory, UserFactory, make_instrument, make_project

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
    assert event.event_type == AuditEventType.CREATED
    assert event.new_values["grant_amount"] == "70.00"


def test_audit_event_cannot_be_updated():
    make_project(make_instrument())
    event = AuditEvent.objects.first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(event_type=AuditEventType.DELETED)
    event.refresh_from_db()
    assert event.event_type == AuditEventType.CREATED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE is refused by trigger on PostgreSQL only")
def test_audit_event_cannot_be_deleted_on_postgresql():
    make_project(make_instrument())
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == count


def test_an_unknown_event_type_is_refused():
    organisation = OrganisationFactory()
    with pytest.raises(ValueError, match="Unknown audit event type"):
        audit_record(actor=None, obj=organisation, event_type="tampered")
    assert not AuditEvent.objects.filter(object_type="clusters.organisation").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
@pytest.mark.parametrize(
    "statement",
    ["TRUNCATE core_auditevent", "TRUNCATE core_user CASCADE"],
    ids=["the audit table", "cascading from its actors"],
)
@pytest.mark.django_db(transaction=True)  # committed rows, as in a real database
def test_audit_events_cannot_be_truncated_on_postgresql(statement):
    make_project(make_instrument(), code="TRUNC-1")
    count = AuditEvent.objects.count()
    assert count
    with pytest.raises(DatabaseError, match="TRUNCATE is refused"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement)
    assert AuditEvent.objects.count() == count


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no TRUNCATE")
@pytest.mark.django_db(transaction=True)
def test_the_truncate_bypass_holds_for_its_own_transaction_only():
    make_project(make_instrument())
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT set_config('fondas.allow_audit_truncate', 'on', true)")
    with pytest.raises(DatabaseError, match="TRUNCATE is refused"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("TRUNCATE core_auditevent")
    assert AuditEvent.objects.exists()


def test_flush_is_refused_while_the_database_holds_an_audit_trail(settings):
    settings.FONDAS_FLUSH_ERASES_AUDIT_TRAIL = False
    make_project(make_instrument())
    user = UserFactory()
    count = AuditEvent.objects.count()
    with pytest.raises(CommandError, match=rf"holds {count} audit events.*would erase the audit trail"):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == count
    assert type(user).objects.filter(pk=user.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_flush_empties_a_database_without_audit_events(settings):
    settings.FONDAS_FLUSH_ERASES_AUDIT_TRAIL = False
    UserFactory()
    call_command("flush", interactive=False, verbosity=0)
    assert not UserFactory._meta.model.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_test_runner_may_flush_its_own_audit_trail():
    """Test settings let flush empty the test database (also on PostgreSQL, where
    flush truncates every table): this test's own teardown flushes it again."""
    make_project(make_instrument())
    assert AuditEvent.objects.exists()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    make_project(make_instrument())  # left for the teardown's flush
