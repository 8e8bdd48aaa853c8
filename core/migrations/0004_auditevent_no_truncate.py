"""The audit trail cannot be emptied with TRUNCATE either (PostgreSQL)."""

from django.db import migrations

from core.db import refuse_truncate


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_event_types")]

    operations = [refuse_truncate("core_auditevent", "audit events are append-only: TRUNCATE is refused")]
