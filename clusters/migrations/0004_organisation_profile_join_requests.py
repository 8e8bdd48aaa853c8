"""Organisation profiles for sign-up (issue 8): VAT code, SME status apart from
the type, the organisation's administrator, and requests to join. Existing
organisations of type "sme" get SME status; the first account linked to each
organisation becomes its administrator."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import clusters.validators


def forwards(apps, schema_editor):
    Organisation = apps.get_model("clusters", "Organisation")
    OrganisationUser = apps.get_model("clusters", "OrganisationUser")
    Organisation.objects.filter(organisation_type="sme").update(is_sme=True)
    first_links = OrganisationUser.objects.order_by("organisation_id", "id").values_list("organisation_id", "id")
    admins, seen = [], set()
    for organisation_id, link_id in first_links:
        if organisation_id not in seen:
            seen.add(organisation_id)
            admins.append(link_id)
    OrganisationUser.objects.filter(id__in=admins).update(is_admin=True)


class Migration(migrations.Migration):
    dependencies = [
        ("clusters", "0003_verbose_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OrganisationJoinRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("message", models.TextField(blank=True, verbose_name="message to the administrator")),
                (
                    "status",
                    models.CharField(
                        choices=[("pending", "Pending"), ("approved", "Approved"), ("rejected", "Rejected")],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="requested at")),
                ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided at")),
            ],
            options={
                "verbose_name": "request to join an organisation",
                "verbose_name_plural": "requests to join an organisation",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.AddField(
            model_name="organisation",
            name="is_sme",
            field=models.BooleanField(default=False, verbose_name="SME status"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="vat_code",
            field=models.CharField(
                blank=True,
                default="",
                max_length=14,
                validators=[clusters.validators.validate_vat_code],
                verbose_name="VAT code",
            ),
        ),
        migrations.AddField(
            model_name="organisationuser",
            name="is_admin",
            field=models.BooleanField(default=False, verbose_name="organisation administrator"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.CheckConstraint(
                condition=models.Q(("is_sme", True), ("organisation_type", "large"), _negated=True),
                name="organisation_large_not_sme",
            ),
        ),
        migrations.AddField(
            model_name="organisationjoinrequest",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decided by",
            ),
        ),
        migrations.AddField(
            model_name="organisationjoinrequest",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="join_requests",
                to="clusters.organisation",
                verbose_name="organisation",
            ),
        ),
        migrations.AddField(
            model_name="organisationjoinrequest",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="join_requests",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AddConstraint(
            model_name="organisationjoinrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["pending", "approved", "rejected"])),
                name="join_request_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="organisationjoinrequest",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "pending")), fields=("user",), name="join_request_one_pending_per_user"
            ),
        ),
        migrations.AddConstraint(
            model_name="organisationjoinrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("decided_at__isnull", True), ("status", "pending")),
                    models.Q(models.Q(("status", "pending"), _negated=True), ("decided_at__isnull", False)),
                    _connector="OR",
                ),
                name="join_request_decided_when_closed",
            ),
        ),
    ]
