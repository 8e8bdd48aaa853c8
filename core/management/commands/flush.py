"""`flush`, refused while the database holds an audit trail: emptying the
database must not erase the record of who changed what. Test settings set
FONDAS_FLUSH_ERASES_AUDIT_TRAIL, since test runners flush their own database
between transactional tests; nothing else does."""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import connections, transaction

from core.db import TRUNCATE_BYPASS
from core.models import AuditEvent

AUDIT_TABLE = AuditEvent._meta.db_table


class Command(DjangoFlushCommand):
    help = DjangoFlushCommand.help + " Refused while the database holds audit events."

    def handle(self, **options):
        database = options["database"]
        connection = connections[database]
        erases_audit_trail = getattr(settings, "FONDAS_FLUSH_ERASES_AUDIT_TRAIL", False)
        if AUDIT_TABLE not in connection.introspection.table_names():
            return super().handle(**options)
        with transaction.atomic(using=database):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Hold new events back until the flush is done, so the count
                    # below stays true while TRUNCATE runs.
                    cursor.execute(f"LOCK TABLE {connection.ops.quote_name(AUDIT_TABLE)} IN SHARE ROW EXCLUSIVE MODE")
            events = AuditEvent.objects.using(database).count()
            if events and not erases_audit_trail:
                raise CommandError(
                    f"Refused: database '{database}' holds {events} audit events, and flush would erase "
                    "the audit trail. The audit trail is append-only; back up and restore a database "
                    "instead of flushing it."
                )
            if connection.vendor == "postgresql":
                # The trigger of migration core 0004 lets this transaction's TRUNCATE through.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'on', true)", [TRUNCATE_BYPASS])
            return super().handle(**options)
