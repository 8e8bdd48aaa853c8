"""The audit trail is append-only: the database itself refuses to change a row."""

from django.db import migrations

from core.db import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [refuse_changes("core_auditevent", "audit events are append-only")]
