"""clusters/0006: the old flag and maturity columns become dated records (dated
the day the cluster was established, a history already written kept), then go;
backwards, the columns are filled again from the records."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("clusters", "0005_implementation")]
AFTER = [("clusters", "0006_dated_flags_only")]


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_the_columns_become_dated_records_and_back():
    apps = _migrate(BEFORE)
    try:
        Organisation = apps.get_model("clusters", "Organisation")  # noqa: N806
        Cluster = apps.get_model("clusters", "Cluster")  # noqa: N806
        Commitment = apps.get_model("clusters", "ClusterCommitment")  # noqa: N806
        Assessment = apps.get_model("clusters", "MaturityAssessment")  # noqa: N806
        coordinator = Organisation.objects.create(
            name="Koordinatorius", legal_code="302222222", organisation_type="sme", region="vilnius"
        )
        flagged = Cluster.objects.create(
            name="Su vėliavomis",
            coordinator=coordinator,
            established_on=date(2017, 5, 3),
            maturity_level=4,
            has_digitisation_strategy=True,
            in_pact_for_skills=True,
        )
        dated = Cluster.objects.create(
            name="Su istorija",
            coordinator=coordinator,
            established_on=date(2016, 1, 1),
            maturity_level=3,
            has_digitisation_strategy=True,
        )
        # A history already written is kept as it is.
        Commitment.objects.create(cluster=dated, kind="digitisation", started_on=date(2019, 1, 1))
        Assessment.objects.create(cluster=dated, level=2, assessed_on=date(2018, 1, 1))
        Assessment.objects.create(cluster=dated, level=3, assessed_on=date(2021, 1, 1))

        apps = _migrate(AFTER)
        Cluster = apps.get_model("clusters", "Cluster")  # noqa: N806
        Commitment = apps.get_model("clusters", "ClusterCommitment")  # noqa: N806
        Assessment = apps.get_model("clusters", "MaturityAssessment")  # noqa: N806
        field_names = {f.name for f in Cluster._meta.get_fields()}
        assert not field_names & {"maturity_level", "has_digitisation_strategy", "in_pact_for_skills"}
        assert set(Commitment.objects.filter(cluster_id=flagged.pk).values_list("kind", "started_on", "ended_on")) == {
            ("digitisation", date(2017, 5, 3), None),
            ("pact_for_skills", date(2017, 5, 3), None),
        }
        assert list(Assessment.objects.filter(cluster_id=flagged.pk).values_list("level", "assessed_on")) == [
            (4, date(2017, 5, 3))
        ]
        assert list(Commitment.objects.filter(cluster_id=dated.pk).values_list("started_on", flat=True)) == [
            date(2019, 1, 1)
        ]
        assert Assessment.objects.filter(cluster_id=dated.pk).count() == 2

        apps = _migrate(BEFORE)
        Cluster = apps.get_model("clusters", "Cluster")  # noqa: N806
        back = Cluster.objects.get(pk=flagged.pk)
        assert (back.maturity_level, back.has_digitisation_strategy, back.in_pact_for_skills) == (4, True, True)
        assert not back.has_circular_economy_strategy
        assert Cluster.objects.get(pk=dated.pk).maturity_level == 3
    finally:
        _migrate(AFTER)
