"""The cluster's strategy flags and maturity live only in their dated records
(ClusterCommitment, MaturityAssessment, clusters/0005): the values still held in
the old columns become records dated the day the cluster was established (a
flag only where the cluster has no record of that kind yet, a maturity level
only where it has no assessment at all, so that a dated history already written
is kept as it is), then the columns go. Backwards, the columns are filled from
the records open today (flags) and the latest assessment (maturity)."""

from django.db import migrations, models

FLAGS = {
    "has_circular_economy_strategy": "circular_economy",
    "has_digitisation_strategy": "digitisation",
    "considers_sustainability": "sustainability",
    "in_pact_for_skills": "pact_for_skills",
}


def _immediate(schema_editor) -> None:
    # PostgreSQL: the rows inserted above must be checked now, before the same
    # transaction alters the cluster table ("pending trigger events").
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def columns_to_records(apps, schema_editor):
    Cluster = apps.get_model("clusters", "Cluster")  # noqa: N806 - a model class
    ClusterCommitment = apps.get_model("clusters", "ClusterCommitment")  # noqa: N806
    MaturityAssessment = apps.get_model("clusters", "MaturityAssessment")  # noqa: N806
    held = set(ClusterCommitment.objects.values_list("cluster_id", "kind"))
    assessed = set(MaturityAssessment.objects.values_list("cluster_id", flat=True))
    commitments, assessments = [], []
    for cluster in Cluster.objects.only("pk", "established_on", "maturity_level", *FLAGS).iterator(chunk_size=2000):
        for column, kind in FLAGS.items():
            if getattr(cluster, column) and (cluster.pk, kind) not in held:
                commitments.append(
                    ClusterCommitment(cluster_id=cluster.pk, kind=kind, started_on=cluster.established_on)
                )
        if cluster.pk not in assessed and cluster.maturity_level:
            assessments.append(
                MaturityAssessment(
                    cluster_id=cluster.pk, level=cluster.maturity_level, assessed_on=cluster.established_on
                )
            )
    ClusterCommitment.objects.bulk_create(commitments, batch_size=2000)
    MaturityAssessment.objects.bulk_create(assessments, batch_size=2000)
    _immediate(schema_editor)


def records_to_columns(apps, schema_editor):
    Cluster = apps.get_model("clusters", "Cluster")  # noqa: N806
    ClusterCommitment = apps.get_model("clusters", "ClusterCommitment")  # noqa: N806
    MaturityAssessment = apps.get_model("clusters", "MaturityAssessment")  # noqa: N806
    for column, kind in FLAGS.items():
        open_now = ClusterCommitment.objects.filter(kind=kind, ended_on__isnull=True).values("cluster_id")
        Cluster.objects.filter(pk__in=open_now).update(**{column: True})
    latest = MaturityAssessment.objects.filter(cluster=models.OuterRef("pk")).order_by("-assessed_on")
    Cluster.objects.filter(models.Exists(latest)).update(maturity_level=models.Subquery(latest.values("level")[:1]))
    _immediate(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("clusters", "0005_implementation"),
    ]

    operations = [
        migrations.RunPython(columns_to_records, records_to_columns),
        migrations.RemoveField(model_name="cluster", name="has_circular_economy_strategy"),
        migrations.RemoveField(model_name="cluster", name="has_digitisation_strategy"),
        migrations.RemoveField(model_name="cluster", name="considers_sustainability"),
        migrations.RemoveField(model_name="cluster", name="in_pact_for_skills"),
        migrations.RemoveField(model_name="cluster", name="maturity_level"),
    ]
