"""The cluster registry's services and selectors (issue 10): memberships never
overlap and an organisation is counted once, a member may leave and rejoin,
an expired or withdrawn label no longer counts, dated flags and maturity are
read as of a day, a stale edit is refused; every write is audited, and a refused
one writes nothing."""

from contextlib import contextmanager
from datetime import date

import pytest
from django.utils import translation

from clusters.models import (
    Cluster,
    ClusterCommitment,
    ClusterMember,
    CommitmentKind,
    ExcellenceLabel,
    LabelLevel,
    MaturityAssessment,
    NetworkMembership,
)
from clusters.selectors.registry import cluster_detail, cluster_projects, clusters_filtered
from clusters.services.registry import (
    cluster_commitment_end,
    cluster_commitment_start,
    cluster_create,
    cluster_member_add,
    cluster_member_leave,
    cluster_update,
    excellence_label_award,
    excellence_label_withdraw,
    maturity_assessment_record,
    network_membership_add,
    network_membership_end,
)
from core.concurrency import StaleEditError
from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType
from tests.clusters.registry_fixtures import DAY, build_registry
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ROWS = (Cluster, ClusterMember, ExcellenceLabel, NetworkMembership, ClusterCommitment, MaturityAssessment, AuditEvent)


@contextmanager
def _refused(match: str, field: str, error=ApplicationError):
    before = [m.objects.count() for m in ROWS]
    with pytest.raises(error, match=match) as info:
        yield info
    assert info.value.field == field
    assert [m.objects.count() for m in ROWS] == before


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world():
    return build_registry()


@pytest.fixture
def cluster():
    return cluster_create(
        actor=None, name="Vandenilio klasteris", coordinator=OrganisationFactory(), established_on=date(2015, 1, 1)
    )


def _events(obj) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by(
            "occurred_at", "pk"
        )
    )


# -- cluster_create writes dated rows --------------------------------------------------


def test_cluster_create_records_flags_and_maturity_as_dated_rows(officer):
    cluster = cluster_create(
        actor=officer,
        name="Mediena",
        coordinator=OrganisationFactory(),
        established_on=date(2016, 1, 10),
        maturity_level=3,
        commitments=[CommitmentKind.PACT_FOR_SKILLS],
        has_digitisation_strategy=True,
        has_circular_economy_strategy=False,
    )
    assert set(cluster.commitments.values_list("kind", "started_on", "ended_on")) == {
        (CommitmentKind.PACT_FOR_SKILLS, date(2016, 1, 10), None),
        (CommitmentKind.DIGITISATION, date(2016, 1, 10), None),
    }
    [assessment] = cluster.maturity_assessments.all()
    assert (assessment.level, assessment.assessed_on) == (3, date(2016, 1, 10))
    assert _events(assessment)[0].event_type == AuditEventType.RECORDED
    with _refused("Unknown strategy flag", "commitments"):
        cluster_create(
            actor=None,
            name="Kita",
            coordinator=OrganisationFactory(),
            established_on=date(2016, 1, 1),
            commitments=["x"],
        )


# -- memberships ----------------------------------------------------------------------


def test_an_overlapping_membership_is_refused(cluster):
    organisation = OrganisationFactory()
    cluster_member_add(
        actor=None, cluster=cluster, organisation=organisation, joined_on=date(2016, 1, 1), left_on=date(2018, 1, 1)
    )
    with _refused("until 2018-01-01", "joined_on"):
        cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=date(2017, 6, 1))
    # A past period that would end inside the other one overlaps too.
    with _refused("until 2018-01-01", "joined_on"):
        cluster_member_add(
            actor=None, cluster=cluster, organisation=organisation, joined_on=date(2015, 6, 1), left_on=date(2016, 6, 1)
        )
    cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=date(2019, 1, 1))
    with _refused("already a member", "organisation"):
        cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=date(2020, 1, 1))


def test_a_member_leaves_and_rejoins_and_is_counted_once(cluster, officer):
    organisation = OrganisationFactory()
    member = cluster_member_add(actor=officer, cluster=cluster, organisation=organisation, joined_on=date(2016, 1, 1))
    left = cluster_member_leave(actor=officer, member=member, left_on=date(2017, 1, 1))
    assert [e.event_type for e in _events(left)] == [AuditEventType.JOINED, AuditEventType.LEFT]
    again = cluster_member_add(actor=officer, cluster=cluster, organisation=organisation, joined_on=date(2018, 1, 1))
    assert again.pk != member.pk
    # In another cluster at the same time: allowed, and counted in each.
    other = cluster_create(actor=None, name="Kitas", coordinator=OrganisationFactory(), established_on=date(2015, 1, 1))
    cluster_member_add(actor=None, cluster=other, organisation=organisation, joined_on=date(2018, 1, 1))
    counts = {c.name: c.member_count for c in clusters_filtered({}, date(2019, 1, 1))}
    assert counts == {cluster.name: 2, other.name: 2}  # the coordinator and the organisation, once
    assert {c.name: c.member_count for c in clusters_filtered({}, date(2017, 6, 1))}[cluster.name] == 1
    assert cluster_detail(cluster.pk, date(2019, 1, 1)).member_count == 2


def test_no_one_joins_a_dissolved_cluster(cluster):
    cluster_update(
        actor=None,
        cluster=cluster,
        version=1,
        name=cluster.name,
        coordinator=cluster.coordinator,
        established_on=cluster.established_on,
        dissolved_on=date(2020, 1, 1),
    )
    with _refused("was dissolved on 2020-01-01", "joined_on"):
        cluster_member_add(actor=None, cluster=cluster, organisation=OrganisationFactory(), joined_on=date(2020, 1, 1))


# -- labels -----------------------------------------------------------------------------


def test_an_expired_label_does_not_count(cluster):
    excellence_label_award(
        actor=None, cluster=cluster, level=LabelLevel.GOLD, awarded_on=date(2017, 1, 1), valid_until=date(2019, 1, 1)
    )
    assert clusters_filtered({"label": "any"}, date(2018, 12, 31)).count() == 1
    assert clusters_filtered({"label": "gold"}, date(2018, 12, 31)).count() == 1
    # On valid_until it no longer counts.
    assert clusters_filtered({"label": "any"}, date(2019, 1, 1)).count() == 0
    assert clusters_filtered({"label": "none"}, date(2019, 1, 1)).count() == 1
    [row] = clusters_filtered({}, date(2019, 1, 1))
    assert row.label_level is None
    [label_row] = cluster_detail(cluster.pk, date(2019, 1, 1)).labels
    assert (label_row.status, label_row.is_valid) == ("expired", False)


def test_a_withdrawn_label_stops_counting_and_is_audited(cluster, officer):
    label = excellence_label_award(
        actor=None, cluster=cluster, level=LabelLevel.SILVER, awarded_on=date(2020, 1, 1), valid_until=date(2024, 1, 1)
    )
    with _refused("only after the day it was awarded", "withdrawn_on"):
        excellence_label_withdraw(actor=None, label=label, withdrawn_on=date(2020, 1, 1))
    with _refused("valid only until", "withdrawn_on"):
        excellence_label_withdraw(actor=None, label=label, withdrawn_on=date(2024, 1, 1))
    excellence_label_withdraw(actor=officer, label=label, withdrawn_on=date(2021, 1, 1))
    assert clusters_filtered({"label": "silver"}, date(2021, 1, 1)).count() == 0
    assert clusters_filtered({"label": "silver"}, date(2020, 12, 31)).count() == 1
    event = _events(label)[-1]
    assert (event.event_type, event.old_values, event.new_values) == (
        AuditEventType.UPDATED,
        {"valid_until": "2024-01-01"},
        {"valid_until": "2021-01-01"},
    )


def test_the_highest_valid_label_is_the_clusters_label(cluster):
    for level, awarded in ((LabelLevel.GOLD, date(2019, 1, 1)), (LabelLevel.BRONZE, date(2020, 1, 1))):
        excellence_label_award(
            actor=None, cluster=cluster, level=level, awarded_on=awarded, valid_until=date(2030, 1, 1)
        )
    [row] = clusters_filtered({}, date(2021, 1, 1))
    assert row.label_level == LabelLevel.GOLD
    assert cluster_detail(cluster.pk, date(2021, 1, 1)).valid_label.level == LabelLevel.GOLD


# -- networks, flags, maturity ----------------------------------------------------------


def test_networks_end_and_never_overlap(cluster, officer):
    membership = network_membership_add(actor=officer, cluster=cluster, network="ECCP", joined_on=date(2017, 1, 1))
    with _refused("already a member of ECCP", "network"):
        network_membership_add(actor=None, cluster=cluster, network="ECCP", joined_on=date(2018, 1, 1))
    network_membership_end(actor=officer, membership=membership, left_on=date(2019, 1, 1))
    with _refused("already left", "left_on"):
        network_membership_end(actor=None, membership=membership, left_on=date(2020, 1, 1))
    with _refused("until 2019-01-01", "joined_on"):
        network_membership_add(actor=None, cluster=cluster, network="ECCP", joined_on=date(2018, 6, 1))
    assert clusters_filtered({"network": "yes"}, date(2018, 1, 1)).count() == 1
    assert clusters_filtered({"network": "no"}, date(2019, 1, 1)).count() == 1
    assert [e.event_type for e in _events(membership)] == [AuditEventType.JOINED, AuditEventType.LEFT]


def test_strategy_flags_hold_between_their_dates(cluster, officer):
    flag = cluster_commitment_start(
        actor=officer, cluster=cluster, kind=CommitmentKind.DIGITISATION, started_on=date(2018, 1, 1)
    )
    with _refused("already holds", "kind"):
        cluster_commitment_start(
            actor=None, cluster=cluster, kind=CommitmentKind.DIGITISATION, started_on=date(2019, 1, 1)
        )
    with _refused("before", "started_on"):
        cluster_commitment_start(
            actor=None, cluster=cluster, kind=CommitmentKind.PACT_FOR_SKILLS, started_on=date(2014, 1, 1)
        )
    with _refused("cannot end before", "ended_on"):
        cluster_commitment_end(actor=None, commitment=flag, ended_on=date(2017, 1, 1))
    cluster_commitment_end(actor=officer, commitment=flag, ended_on=date(2020, 1, 1))
    digital = {"commitments": [CommitmentKind.DIGITISATION]}
    assert clusters_filtered(digital, date(2017, 12, 31)).count() == 0
    assert clusters_filtered(digital, date(2019, 12, 31)).count() == 1
    assert clusters_filtered(digital, date(2020, 1, 1)).count() == 0
    assert [e.event_type for e in _events(flag)] == [AuditEventType.CREATED, AuditEventType.UPDATED]


def test_maturity_is_the_latest_assessment_on_or_before_the_day(cluster):
    maturity_assessment_record(actor=None, cluster=cluster, level=1, assessed_on=date(2016, 1, 1))
    maturity_assessment_record(actor=None, cluster=cluster, level=3, assessed_on=date(2020, 1, 1))
    with _refused("already assessed", "assessed_on"):
        maturity_assessment_record(actor=None, cluster=cluster, level=2, assessed_on=date(2020, 1, 1))
    with _refused("Choose a maturity level", "level"):
        maturity_assessment_record(actor=None, cluster=cluster, level=9, assessed_on=date(2021, 1, 1))
    assert clusters_filtered({"maturity": "1"}, date(2019, 12, 31)).count() == 1
    assert clusters_filtered({"maturity": "3"}, date(2020, 1, 1)).count() == 1
    assert clusters_filtered({"maturity": "none"}, date(2015, 6, 1)).count() == 1
    assert cluster_detail(cluster.pk, date(2019, 1, 1)).maturity_on_day.level == 1


# -- editing a cluster ------------------------------------------------------------------


def _update(cluster, version, **changes):
    data = {
        "name": cluster.name,
        "coordinator": cluster.coordinator,
        "established_on": cluster.established_on,
        "sector": cluster.sector,
        **changes,
    }
    return cluster_update(actor=None, cluster=cluster, version=version, **data)


def test_a_stale_edit_is_refused_and_the_other_change_kept(cluster, officer):
    saved = cluster_update(
        actor=officer,
        cluster=cluster,
        version=1,
        name="Vandenilis LT",
        coordinator=cluster.coordinator,
        established_on=cluster.established_on,
        sector="Energy",
    )
    assert (saved.version, saved.sector) == (2, "Energy")
    event = _events(saved)[-1]
    assert event.event_type == AuditEventType.UPDATED
    assert event.old_values == {"name": "Vandenilio klasteris", "sector": ""}
    with _refused("Someone else changed", "version", StaleEditError):
        _update(cluster, 1, sector="Food")
    cluster.refresh_from_db()
    assert (cluster.name, cluster.sector, cluster.version) == ("Vandenilis LT", "Energy", 2)


@pytest.mark.parametrize(
    "changes,match,field",
    [
        ({"name": " "}, "needs a name", "name"),
        ({"name": "Kitas"}, "already registered", "name"),
        ({"dissolved_on": date(2014, 1, 1)}, "before it was established", "dissolved_on"),
        ({"established_on": date(2015, 6, 1)}, "joined on 2015-01-01", "established_on"),
        ({"dissolved_on": date(2016, 1, 1)}, "joined on 2016-01-01", "dissolved_on"),
    ],
)
def test_an_edit_breaking_a_rule_is_refused_by_its_field(cluster, changes, match, field):
    cluster_create(actor=None, name="Kitas", coordinator=OrganisationFactory(), established_on=date(2015, 1, 1))
    cluster_member_add(actor=None, cluster=cluster, organisation=OrganisationFactory(), joined_on=date(2016, 1, 1))
    with _refused(match, field):
        _update(cluster, 1, **changes)


def test_a_new_coordinator_must_be_a_member(cluster):
    outsider = OrganisationFactory()
    with _refused("add it as a member first", "coordinator"):
        _update(cluster, 1, coordinator=outsider)
    cluster_member_add(actor=None, cluster=cluster, organisation=outsider, joined_on=date(2016, 1, 1))
    assert _update(cluster, 1, coordinator=outsider).coordinator == outsider


# -- the registry's selectors over the shared fixture ------------------------------------


def test_list_annotations_on_a_day(world):
    rows = {c.name: c for c in clusters_filtered({}, DAY)}
    lasers = rows["Lazerių klasteris"]
    # coordinator, member, rejoined (the former member left in 2018).
    assert lasers.member_count == 3
    assert lasers.label_level == LabelLevel.GOLD
    assert lasers.network_count == 1
    assert lasers.maturity_level_on == 4
    assert [c.kind for c in lasers.current_commitments] == [CommitmentKind.DIGITISATION]
    food = rows["Maisto klasteris"]
    assert (food.member_count, food.label_level, food.maturity_level_on) == (2, None, None)


def test_projects_of_the_coordinator_and_of_members_past_and_present(world):
    projects = {p.code: p for p in cluster_projects(world.lasers)}
    assert set(projects) == {"INO-001", "DIH-001", "INO-002"}
    assert projects["INO-001"].is_coordinator
    assert str(projects["INO-001"].paid_total) == "1500.00"
    [indicator] = projects["INO-001"].indicators
    assert (str(indicator.target), str(indicator.achieved), indicator.reached) == ("10.00", "7.00", False)
    assert {p.code for p in cluster_projects(world.food)} == set()
