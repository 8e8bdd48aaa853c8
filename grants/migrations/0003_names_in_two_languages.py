"""Names of programmes, instruments, indicators and cost categories, and call
titles, in Lithuanian (the existing column, renamed) and English (new, optional)."""

from django.db import migrations, models


def _name_fields(model_name: str) -> list:
    return [
        migrations.RenameField(model_name=model_name, old_name="name", new_name="name_lt"),
        migrations.AlterField(
            model_name=model_name,
            name="name_lt",
            field=models.CharField(max_length=250, verbose_name="name in Lithuanian"),
        ),
        migrations.AddField(
            model_name=model_name,
            name="name_en",
            field=models.CharField(blank=True, max_length=250, verbose_name="name in English"),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("grants", "0002_project_financing_band")]

    operations = [
        *_name_fields("programme"),
        *_name_fields("costcategory"),
        *_name_fields("instrument"),
        *_name_fields("indicator"),
        migrations.RenameField(model_name="call", old_name="title", new_name="title_lt"),
        migrations.AddField(model_name="call", name="title_en", field=models.CharField(blank=True, max_length=250)),
    ]
