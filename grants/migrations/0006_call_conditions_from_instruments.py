"""Existing calls take their conditions from their instrument: its funding rate
and maximum grant, an own contribution of the rest, every applicant type."""

from decimal import Decimal

from django.db import migrations

from core.money import MoneyField, RateField

ALL_TYPES = ["sme", "large", "research", "public", "ngo"]


def fill(apps, schema_editor):
    Call = apps.get_model("grants", "Call")
    for call in Call.objects.select_related("instrument"):
        call.funding_rate = call.instrument.funding_rate
        call.max_grant_amount = call.instrument.max_grant_amount
        call.min_own_contribution_percent = Decimal("100.00") - call.instrument.funding_rate
        call.eligible_applicant_types = ALL_TYPES
        call.save(
            update_fields=[
                "funding_rate",
                "max_grant_amount",
                "min_own_contribution_percent",
                "eligible_applicant_types",
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("grants", "0005_selection")]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="call",
            name="funding_rate",
            field=RateField("funding rate", help_text="Share of the eligible costs paid by the grant, in %."),
        ),
        migrations.AlterField(
            model_name="call",
            name="max_grant_amount",
            field=MoneyField("maximum grant", help_text="Maximum grant per project."),
        ),
    ]
