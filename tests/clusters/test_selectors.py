"""Reads of the cluster registry: the landscape on a day against the national
targets, which come from clusters/data/national_targets.json."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterCommitment,
    ClusterMember,
    CommitmentKind,
    ExcellenceLabel,
    LabelLevel,
    MaturityAssessment,
    MaturityLevel,
    NetworkMembership,
)
from clusters.selectors import cluster_landscape, national_targets
from grants.demo import load_seed_facts
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages and labels checked below are their English wording."""
    with translation.override("en"):
        yield


def test_national_targets_are_the_published_ones():
    """The policy's targets as data: the same list as the published facts the demo reproduces."""
    published = load_seed_facts()["national_targets"]
    assert [(t.id, t.text, t.comparison, t.value, t.unit) for t in national_targets()] == [
        (t["id"], t["text"], t["comparison"], Decimal(str(t["value"])), t["unit"]) for t in published
    ]


def test_targets_are_read_from_the_data_file(tmp_path, monkeypatch):
    """A target added to the data appears in the landscape, without a code change."""
    path = tmp_path / "targets.json"
    extra = {"id": "exports", "text": "Clusters that export", "comparison": ">", "value": 10, "unit": "% of clusters"}
    path.write_text(json.dumps({"national_targets": [extra]}), encoding="utf-8")
    monkeypatch.setattr("clusters.selectors.landscape.NATIONAL_TARGETS_PATH", path)
    national_targets.cache_clear()
    try:
        (row,) = cluster_landscape(date(2021, 12, 31)).targets
    finally:
        national_targets.cache_clear()
    assert (row.text, row.target, row.actual, row.met) == ("Clusters that export", Decimal(10), None, None)


def test_landscape_counts_the_registry_at_the_cutoff_date_against_the_targets():
    day = date(2021, 12, 31)
    coordinator = OrganisationFactory()
    clusters = [
        Cluster.objects.create(
            name=f"Klasteris {i}",
            coordinator=coordinator,
            established_on=date(2015, 1, 1),
            is_new_initiative=i < 2,
        )
        for i in range(5)
    ]
    # Strategy flags and maturity are dated records (held since the cluster was established).
    for i, cluster in enumerate(clusters):
        kinds = [CommitmentKind.DIGITISATION]
        kinds += [CommitmentKind.SUSTAINABILITY, CommitmentKind.PACT_FOR_SKILLS] if i == 0 else []
        kinds += [CommitmentKind.CIRCULAR_ECONOMY] if i % 2 == 0 else []
        for kind in kinds:
            ClusterCommitment.objects.create(cluster=cluster, kind=kind, started_on=cluster.established_on)
        level = MaturityLevel.SELF_SUFFICIENT if i < 3 else MaturityLevel.DEVELOPING
        MaturityAssessment.objects.create(cluster=cluster, level=level, assessed_on=cluster.established_on)
    Cluster.objects.create(name="Not yet founded", coordinator=coordinator, established_on=date(2023, 1, 1))
    for cluster in clusters[:4]:
        NetworkMembership.objects.create(cluster=cluster, network="ECCP", joined_on=date(2019, 1, 1))
    NetworkMembership.objects.create(
        cluster=clusters[3], network="Vanguard", joined_on=date(2019, 1, 1), left_on=date(2020, 1, 1)
    )
    ExcellenceLabel.objects.create(
        cluster=clusters[0], level=LabelLevel.GOLD, awarded_on=date(2021, 1, 1), valid_until=date(2023, 1, 1)
    )
    ExcellenceLabel.objects.create(
        cluster=clusters[1], level=LabelLevel.SILVER, awarded_on=date(2018, 1, 1), valid_until=date(2020, 1, 1)
    )
    for i, member in enumerate(OrganisationFactory.create_batch(3)):
        ClusterMember.objects.create(cluster=clusters[0], organisation=member, joined_on=date(2016, 1, 1))
        ClusterMember.objects.create(cluster=clusters[1], organisation=member, joined_on=date(2016, 1, 1))
        if i == 0:
            ClusterMember.objects.create(
                cluster=clusters[2], organisation=member, joined_on=date(2016, 2, 1), left_on=date(2017, 1, 1)
            )
    ClusterActivity.objects.create(cluster=clusters[0], kind=ActivityKind.TRAINING, held_on=date(2021, 5, 1), title="a")
    ClusterActivity.objects.create(cluster=clusters[0], kind=ActivityKind.TRAINING, held_on=date(2021, 6, 1), title="b")
    ClusterActivity.objects.create(cluster=clusters[0], kind=ActivityKind.TRAINING, held_on=date(2022, 6, 1), title="c")

    landscape = cluster_landscape(day)
    assert landscape.cluster_count == 5
    assert landscape.network_clusters == 4 and landscape.network_memberships == 4
    assert landscape.network_share == Decimal("80.00")
    assert landscape.member_organisations == 3
    assert landscape.labelled_clusters == 1
    assert {label.level: label.clusters for label in landscape.labels} == {"bronze": 0, "silver": 0, "gold": 1}
    assert landscape.activities["Training"] == 2
    targets = {t.text: t for t in landscape.targets}
    networks = targets["Clusters participating in international networks"]
    assert (networks.actual, networks.met) == (Decimal("80.00"), False)  # "> 80 %" is not met by 80 %
    gold = targets["Clusters with a Gold Label of Excellence"]
    assert (gold.actual, gold.met) == (Decimal(1), True)  # ">= 1"
    assert targets["Clusters working with a digitisation strategy or projects"].met is True
    assert targets["Clusters working with a circular economy strategy or projects"].actual == Decimal("60.00")
    sustainability = targets["New cluster initiatives that take sustainability and going green into account"]
    assert (sustainability.actual, sustainability.met) == (Decimal("50.00"), True)
    assert targets["Clusters that are mature and self-sufficient"].actual == Decimal("60.00")
    assert targets["Training initiatives aimed at skills improvement for clusters"].met is True
    assert targets["Clusters participating in the Pact for Skills"].met is False  # 1 is not > 1
