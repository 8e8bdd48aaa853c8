"""A small cluster registry for the registry's tests: two clusters with
members over time (one left, one left and rejoined), valid and expired labels,
a network, dated strategy flags and maturity, and projects of the coordinator
and of members (one that left) in two instruments, plus an outsider's."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from clusters.models import ActivityKind, Cluster, CommitmentKind, LabelLevel, Region
from clusters.services.registry import (
    cluster_activity_record,
    cluster_commitment_end,
    cluster_commitment_start,
    cluster_create,
    cluster_member_add,
    excellence_label_award,
    maturity_assessment_record,
    network_membership_add,
)
from grants.models import ProjectStatus
from grants.services import indicator_target_set, indicator_value_report, payment_create, project_transition
from tests.factories import IndicatorFactory, OrganisationFactory, make_instrument, make_project

# The day the tests read the registry as of.
DAY = date(2024, 6, 1)


@dataclass
class Registry:
    lasers: Cluster
    food: Cluster
    organisations: dict = field(default_factory=dict)
    projects: dict = field(default_factory=dict)


def build_registry() -> Registry:
    org = {
        "coordinator": OrganisationFactory(name="UAB Lazerių centras", region=Region.KAUNAS, legal_code="300000901"),
        "member": OrganisationFactory(name="UAB Šviesolaidis", region=Region.VILNIUS, legal_code="300000902"),
        "former": OrganisationFactory(name="UAB Buvęs narys", region=Region.VILNIUS, legal_code="300000903"),
        "rejoined": OrganisationFactory(name="UAB Sugrįžėlis", region=Region.VILNIUS, legal_code="300000904"),
        "food": OrganisationFactory(name="AB Maisto gamyba", region=Region.VILNIUS, legal_code="300000905"),
        "outsider": OrganisationFactory(name="UAB Pašalinis", region=Region.ALYTUS, legal_code="300000906"),
    }
    lasers = cluster_create(
        actor=None,
        name="Lazerių klasteris",
        coordinator=org["coordinator"],
        established_on=date(2015, 3, 1),
        sector="Photonics",
        maturity_level=2,
    )
    cluster_member_add(actor=None, cluster=lasers, organisation=org["member"], joined_on=date(2016, 1, 1))
    cluster_member_add(
        actor=None, cluster=lasers, organisation=org["former"], joined_on=date(2016, 1, 1), left_on=date(2018, 12, 31)
    )
    cluster_member_add(
        actor=None, cluster=lasers, organisation=org["rejoined"], joined_on=date(2016, 1, 1), left_on=date(2017, 12, 31)
    )
    cluster_member_add(actor=None, cluster=lasers, organisation=org["rejoined"], joined_on=date(2019, 1, 1))
    # The food company is a member of both clusters: counted once in each.
    excellence_label_award(
        actor=None, cluster=lasers, level=LabelLevel.BRONZE, awarded_on=date(2017, 1, 1), valid_until=date(2019, 1, 1)
    )
    excellence_label_award(
        actor=None, cluster=lasers, level=LabelLevel.GOLD, awarded_on=date(2021, 6, 1), valid_until=date(2025, 6, 1)
    )
    network_membership_add(actor=None, cluster=lasers, network="European Cluster Alliance", joined_on=date(2018, 1, 1))
    cluster_commitment_start(
        actor=None, cluster=lasers, kind=CommitmentKind.DIGITISATION, started_on=date(2016, 1, 1), note="Strategija"
    )
    circular = cluster_commitment_start(
        actor=None, cluster=lasers, kind=CommitmentKind.CIRCULAR_ECONOMY, started_on=date(2016, 1, 1)
    )
    cluster_commitment_end(actor=None, commitment=circular, ended_on=date(2020, 1, 1))
    maturity_assessment_record(actor=None, cluster=lasers, level=4, assessed_on=date(2022, 1, 1))
    cluster_activity_record(
        actor=None, cluster=lasers, kind=ActivityKind.TRAINING, held_on=date(2021, 3, 1), title="Mokymai apie lazerius"
    )

    food = cluster_create(
        actor=None, name="Maisto klasteris", coordinator=org["food"], established_on=date(2016, 5, 1), sector="Food"
    )
    cluster_member_add(actor=None, cluster=food, organisation=org["member"], joined_on=date(2017, 1, 1))
    excellence_label_award(
        actor=None, cluster=food, level=LabelLevel.SILVER, awarded_on=date(2016, 6, 1), valid_until=date(2018, 6, 1)
    )

    indicator = IndicatorFactory(code="RCO01", name_lt="Paremtos įmonės", name_en="Enterprises supported")
    first = make_instrument(code="INO", indicators={indicator: "10"})
    second = make_instrument(code="DIH")
    projects = {
        "coordinator": make_project(first, beneficiary=org["coordinator"], code="INO-001"),
        "former": make_project(second, beneficiary=org["former"], code="DIH-001"),
        "rejoined": make_project(first, beneficiary=org["rejoined"], code="INO-002"),
        "outsider": make_project(first, beneficiary=org["outsider"], code="INO-003"),
    }
    coordinator_project = projects["coordinator"]
    project_transition(actor=None, project=coordinator_project, to_status=ProjectStatus.IN_IMPLEMENTATION)
    payment_create(
        actor=None, project=coordinator_project, kind="advance", paid_on=date(2020, 3, 1), amount=Decimal("1000.00")
    )
    payment_create(
        actor=None, project=coordinator_project, kind="interim", paid_on=date(2021, 3, 1), amount=Decimal("500.00")
    )
    indicator_target_set(actor=None, project=coordinator_project, indicator=indicator, target_value=Decimal("10"))
    for value in ("3", "4"):
        indicator_value_report(
            actor=None,
            project=coordinator_project,
            indicator=indicator,
            reported_on=date(2021, 1, 1),
            value=Decimal(value),
        )
    return Registry(lasers=lasers, food=food, organisations=org, projects=projects)


def more_clusters(count: int, *, start: int = 0) -> None:
    """`count` more clusters, each with a member, a label, a network, a flag and an assessment."""
    for i in range(start, start + count):
        coordinator = OrganisationFactory()
        cluster = cluster_create(
            actor=None,
            name=f"Papildomas klasteris {i:03d}",
            coordinator=coordinator,
            established_on=date(2018, 1, 1),
            sector="Energy",
            maturity_level=1 + i % 4,
            commitments=[CommitmentKind.SUSTAINABILITY],
        )
        cluster_member_add(actor=None, cluster=cluster, organisation=OrganisationFactory(), joined_on=date(2019, 1, 1))
        excellence_label_award(
            actor=None,
            cluster=cluster,
            level=LabelLevel.SILVER,
            awarded_on=date(2020, 1, 1),
            valid_until=date(2030, 1, 1),
        )
        network_membership_add(actor=None, cluster=cluster, network=f"Network {i}", joined_on=date(2019, 1, 1))
