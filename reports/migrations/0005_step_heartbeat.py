"""A heartbeat per job step, so that a lost worker is noticed within minutes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_reportjob_title"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportjobstep",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
