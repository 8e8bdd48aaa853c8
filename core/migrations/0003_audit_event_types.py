"""Audit event types as one set of choices; the time of an event may be given."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_auditevent_append_only"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="event_type",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("updated", "Updated"),
                    ("deleted", "Deleted"),
                    ("status_changed", "Status changed"),
                    ("linked", "Linked to an organisation"),
                    ("joined", "Joined"),
                    ("left", "Left"),
                    ("awarded", "Awarded"),
                    ("recorded", "Recorded"),
                    ("target_set", "Target set"),
                    ("paid", "Paid"),
                    ("reported", "Value reported"),
                    ("requested", "Requested"),
                    ("worker_lost", "Worker lost"),
                    ("downloaded", "Downloaded"),
                ],
                max_length=60,
            ),
        ),
        # The default is applied by Django, not by the database: no schema
        # change, and no table rebuild on SQLite (which would drop the
        # append-only trigger).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="occurred_at",
                    field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
            ]
        ),
    ]
