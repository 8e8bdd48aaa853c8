"""The national scorecard: every target computed from the dated registry records
as of a day, its trend as of 31 December of each year, the clusters behind each
figure, the empty registry, and a fixed number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

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
from clusters.selectors.scorecard import clusters_behind, eu_benchmarks, scorecard, trend_days
from grants import demo
from tests.clusters.scorecard_fixtures import demo_registry  # noqa: F401 (a fixture)
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

DAY = date(2024, 6, 30)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _cluster(name: str, established_on: date, **kwargs) -> Cluster:
    return Cluster.objects.create(name=name, coordinator=OrganisationFactory(), established_on=established_on, **kwargs)


def _commit(cluster: Cluster, kind: str, started_on: date, ended_on: date | None = None) -> None:
    ClusterCommitment.objects.create(cluster=cluster, kind=kind, started_on=started_on, ended_on=ended_on)


@pytest.fixture
def registry() -> dict[str, Cluster]:
    """Five clusters that count on DAY, one created mid-year 2022, one dissolved,
    one not yet established, with records that start, end and expire."""
    a = _cluster("Alfa", date(2016, 1, 1))
    b = _cluster("Beta", date(2017, 3, 15))
    c = _cluster("Gama", date(2022, 7, 1), is_new_initiative=True)  # created mid-year
    d = _cluster("Delta", date(2018, 1, 1), is_new_initiative=True)
    e = _cluster("Epsilon", date(2016, 5, 1))
    gone = _cluster("Dissolved", date(2016, 1, 1), dissolved_on=date(2023, 1, 1))
    _cluster("Future", date(2025, 1, 1))

    # Networks: a, b, c in a network on DAY; e left one before DAY; the dissolved one never counts after 2023.
    for cluster in (a, b, c, gone):
        NetworkMembership.objects.create(
            cluster=cluster, network="ECCP", joined_on=max(cluster.established_on, date(2019, 1, 1))
        )
    NetworkMembership.objects.create(cluster=e, network="ECA", joined_on=date(2019, 1, 1), left_on=date(2024, 1, 1))
    # A second network of a: counted once.
    NetworkMembership.objects.create(cluster=a, network="BSR", joined_on=date(2020, 1, 1))

    # Labels: a valid Gold on b; an expired Gold on a (valid_until before DAY).
    ExcellenceLabel.objects.create(
        cluster=b, level=LabelLevel.GOLD, awarded_on=date(2023, 1, 1), valid_until=date(2025, 1, 1)
    )
    ExcellenceLabel.objects.create(
        cluster=a, level=LabelLevel.GOLD, awarded_on=date(2020, 1, 1), valid_until=date(2021, 6, 30)
    )
    ExcellenceLabel.objects.create(
        cluster=gone, level=LabelLevel.GOLD, awarded_on=date(2022, 1, 1), valid_until=date(2025, 1, 1)
    )

    # Strategies: digitisation a, b, c, d (e ended it); circular a, b, e; sustainability c (new); pact a, b.
    for cluster in (a, b, c, d):
        _commit(cluster, CommitmentKind.DIGITISATION, max(cluster.established_on, date(2019, 1, 1)))
    _commit(e, CommitmentKind.DIGITISATION, date(2019, 1, 1), date(2024, 6, 30))  # ends on DAY: no longer holds
    for cluster in (a, b, e):
        _commit(cluster, CommitmentKind.CIRCULAR_ECONOMY, date(2021, 5, 1))
    _commit(c, CommitmentKind.SUSTAINABILITY, date(2022, 7, 1))
    _commit(a, CommitmentKind.SUSTAINABILITY, date(2022, 7, 1))  # not a new initiative: not in that target
    for cluster in (a, b, gone):
        _commit(cluster, CommitmentKind.PACT_FOR_SKILLS, date(2021, 1, 1))

    # Maturity: a and b self-sufficient on DAY; e was, then assessed lower; d will be, after DAY.
    for cluster, level, day in (
        (a, MaturityLevel.DEVELOPING, date(2017, 1, 1)),
        (a, MaturityLevel.SELF_SUFFICIENT, date(2021, 1, 1)),
        (b, MaturityLevel.SELF_SUFFICIENT, date(2023, 12, 31)),
        (e, MaturityLevel.SELF_SUFFICIENT, date(2020, 1, 1)),
        (e, MaturityLevel.MATURE, date(2023, 5, 1)),
        (d, MaturityLevel.SELF_SUFFICIENT, date(2024, 7, 1)),
    ):
        MaturityAssessment.objects.create(cluster=cluster, level=level, assessed_on=day)

    # Trainings: two in the 12 months up to DAY (one exactly a year before does not count).
    for cluster, day in (
        (a, date(2023, 9, 1)),
        (b, date(2024, 6, 30)),
        (a, date(2023, 6, 30)),
        (gone, date(2023, 9, 1)),
    ):
        ClusterActivity.objects.create(cluster=cluster, kind=ActivityKind.TRAINING, held_on=day, title="Mokymai")
    ClusterActivity.objects.create(cluster=a, kind=ActivityKind.CONSULTATION, held_on=date(2024, 1, 1), title="K")

    # A member that left does not matter to the targets, but it exists in the registry.
    member = OrganisationFactory()
    ClusterMember.objects.create(cluster=a, organisation=member, joined_on=date(2017, 1, 1), left_on=date(2020, 1, 1))
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "gone": gone}


def test_each_target_on_the_day(registry):
    card = scorecard(DAY)
    assert card.cluster_count == 5  # the dissolved and the future cluster do not count
    assert card.new_initiatives == 2
    t = {target.id: target for target in card.targets}

    assert (t["networks"].value, t["networks"].part, t["networks"].whole) == (Decimal("60.00"), 3, 5)
    assert t["networks"].met is False  # "> 80 %"
    assert (t["gold_label"].value, t["gold_label"].met) == (
        Decimal(1),
        True,
    )  # the expired one and the dissolved one don't count
    assert (t["circular"].value, t["circular"].met) == (Decimal("60.00"), True)
    assert (t["digital"].value, t["digital"].met) == (Decimal("80.00"), False)  # e's strategy ended on DAY
    assert (t["sustainability"].value, t["sustainability"].part, t["sustainability"].whole) == (Decimal("50.00"), 1, 2)
    assert t["sustainability"].met is True
    assert (t["pact_for_skills"].value, t["pact_for_skills"].met) == (Decimal(2), True)  # "> 1"
    assert (t["training"].value, t["training"].clusters, t["training"].met) == (Decimal(2), 2, True)
    assert (t["mature"].value, t["mature"].part, t["mature"].met) == (Decimal("40.00"), 2, False)
    assert t["networks"].basis == "3 of 5 clusters"


def test_the_clusters_behind_each_target(registry):
    names = {
        target: set(clusters_behind(target, DAY).values_list("name", flat=True))
        for target in (
            "networks",
            "gold_label",
            "circular",
            "digital",
            "sustainability",
            "pact_for_skills",
            "training",
            "mature",
        )
    }
    assert names == {
        "networks": {"Alfa", "Beta", "Gama"},
        "gold_label": {"Beta"},
        "circular": {"Alfa", "Beta", "Epsilon"},
        "digital": {"Alfa", "Beta", "Gama", "Delta"},
        "sustainability": {"Gama"},
        "pact_for_skills": {"Alfa", "Beta"},
        "training": {"Alfa", "Beta"},
        "mature": {"Alfa", "Beta"},
    }
    card = scorecard(DAY)
    for target in card.targets:
        assert target.clusters == len(names[target.id]), target.id
    with pytest.raises(ValueError):
        clusters_behind("nonsense", DAY)


def test_the_trend_is_the_value_as_of_31_december_of_each_year_plus_the_day(registry):
    card = scorecard(DAY)
    assert card.trend_days == [date(year, 12, 31) for year in range(2016, 2024)] + [DAY]
    networks = card.target("networks")
    by_label = {point.label: point.value for point in networks.trend}
    # 2016: Alfa, Epsilon, Dissolved exist, no network yet.
    assert by_label["2016"] == Decimal("0.00")
    # 2019: Alfa, Beta, Delta, Epsilon, Dissolved; in networks: Alfa, Beta, Epsilon, Dissolved.
    assert by_label["2019"] == Decimal("80.00")
    # 2022: Gama created mid-year counts by 31 December; 6 clusters, 5 in networks.
    assert by_label["2022"] == Decimal("83.33")
    # 2023: the dissolved one no longer counts (dissolved 1 January 2023); Epsilon leaves on 1 January 2024.
    assert by_label["2023"] == Decimal("80.00")
    assert by_label[DAY.isoformat()] == Decimal("60.00")
    mature = {point.label: point.value for point in card.target("mature").trend}
    assert mature["2020"] == Decimal("20.00")  # Epsilon, of 5
    assert mature["2023"] == Decimal("40.00")  # Alfa and Beta (assessed on 31 December); Epsilon reassessed lower
    gold = {point.label: point.value for point in card.target("gold_label").trend}
    assert (gold["2020"], gold["2021"], gold["2022"], gold["2023"]) == (1, 0, 1, 1)
    training = {point.label: point.value for point in card.target("training").trend}
    assert training["2023"] == 2  # Alfa's two; the dissolved cluster's does not count after it was dissolved
    assert card.target("sustainability").trend[0].value is None  # no new initiative in 2016


def test_zero_clusters_is_an_empty_scorecard():
    card = scorecard(DAY)
    assert card.is_empty and card.cluster_count == 0
    assert card.trend_days == []
    for target in card.targets:
        assert target.value is None and target.met is None and target.trend == []


def test_a_fixed_number_of_queries_whatever_the_clusters_and_years():
    def build(n: int, first_year: int) -> None:
        Cluster.objects.all().delete()
        for i in range(n):
            cluster = _cluster(f"K{n}-{i}", date(first_year + i % 5, 3, 1))
            _commit(cluster, CommitmentKind.DIGITISATION, date(2021, 1, 1))
            MaturityAssessment.objects.create(cluster=cluster, level=4, assessed_on=date(2022, 1, 1))

    counts = []
    for n, first_year in ((3, 2020), (30, 2010)):
        build(n, first_year)
        with CaptureQueriesContext(connection) as queries:
            card = scorecard(DAY)
        assert card.cluster_count == n
        counts.append(len(queries))
    assert counts[0] == counts[1] == 2


def test_trend_days_and_eu_benchmarks():
    assert trend_days(None, DAY) == [DAY]
    assert trend_days(2023, date(2024, 12, 31)) == [date(2023, 12, 31), date(2024, 12, 31)]
    eu = eu_benchmarks()
    assert eu.total == 2950
    assert [(s.clusters, s.share) for s in eu.shares] == [
        (198, Decimal("6.71")),
        (898, Decimal("30.44")),
        (1854, Decimal("62.85")),
    ]
    assert {p.key: p.percent for p in eu.premiums}["high"] == Decimal(140)


@pytest.mark.usefixtures("demo_registry")
def test_the_demo_registry_has_a_dated_history_ending_in_the_published_landscape():
    facts = demo.load_seed_facts()
    published = facts["cluster_landscape_now"]
    today = timezone.localdate()
    card = scorecard(today)
    assert card.cluster_count == facts["demo_assumptions"]["clusters"]["count"]
    valid_labels = ExcellenceLabel.objects.filter(awarded_on__lte=today, valid_until__gt=today)
    assert valid_labels.values("cluster").distinct().count() == published["clusters_with_label_of_excellence"]
    assert card.target("gold_label").value == 0
    assert card.target("networks").value > demo.published_share(
        published["share_of_clusters_in_international_networks"]
    )
    assert card.target("digital").value > demo.published_share(published["digitisation_strategy_planned_2020"])
    assert card.target("training").value > 1
    # A history: the values moved over the years; flags dropped, networks left, labels expired.
    assert len({point.value for point in card.target("digital").trend}) > 3
    assert len({point.value for point in card.target("mature").trend}) > 2
    assert ClusterCommitment.objects.filter(ended_on__isnull=False).exists()
    assert NetworkMembership.objects.filter(left_on__isnull=False).exists()
    assert ExcellenceLabel.objects.filter(valid_until__lte=date(2020, 1, 1)).exists()
    assert ClusterMember.objects.filter(left_on__isnull=False).exists()
    assert MaturityAssessment.objects.count() > card.cluster_count
