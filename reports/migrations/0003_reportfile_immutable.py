"""A stored report never changes: the database refuses to change a report
file's row. Regenerating a report is a new job with its own file."""

from django.db import migrations

from core.db import refuse_changes


class Migration(migrations.Migration):
    dependencies = [("reports", "0002_pipeline")]

    operations = [refuse_changes("reports_reportfile", "stored report files are immutable")]
