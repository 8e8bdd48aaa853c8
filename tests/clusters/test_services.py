"""The cluster registry's services: each write is audited, and bad input raises
ApplicationError and changes nothing."""

from contextlib import contextmanager
from datetime import date

import pytest
from django.utils import translation

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterMember,
    ExcellenceLabel,
    LabelLevel,
    NetworkMembership,
    Organisation,
    OrganisationType,
    OrganisationUser,
    Region,
)
from clusters.services import (
    cluster_activity_record,
    cluster_create,
    cluster_member_add,
    cluster_member_leave,
    excellence_label_award,
    network_membership_add,
    organisation_create,
    organisation_user_link,
)
from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType, Role
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages and labels checked below are their English wording."""
    with translation.override("en"):
        yield


VALID_CODE = "302999115"  # its last digit is the check digit


def _events(obj, event_type=None):
    events = AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(events if event_type is None else events.filter(event_type=event_type))


@contextmanager
def _refused(match: str, field: str):
    """The block raises ApplicationError about `field`, and no row and no audit event is written."""
    models = (Organisation, OrganisationUser, Cluster, ClusterMember, ExcellenceLabel, NetworkMembership)
    before = [m.objects.count() for m in (*models, ClusterActivity, AuditEvent)]
    with pytest.raises(ApplicationError, match=match) as info:
        yield info
    assert info.value.field == field
    assert [m.objects.count() for m in (*models, ClusterActivity, AuditEvent)] == before


@pytest.fixture
def cluster(officer):
    return cluster_create(
        actor=officer, name="Lietuvos lazeriai", coordinator=OrganisationFactory(), established_on=date(2015, 3, 1)
    )


# -- organisations ------------------------------------------------------------


def test_organisation_create_is_audited(officer):
    organisation = organisation_create(
        actor=officer,
        name="UAB Šviesa",
        legal_code=VALID_CODE,
        organisation_type=OrganisationType.SME,
        region=Region.KAUNAS,
        sector="Photonics",
    )
    [event] = _events(organisation)
    assert event.event_type == AuditEventType.CREATED
    assert event.actor == officer
    assert event.new_values == {
        "name": "UAB Šviesa",
        "legal_code": VALID_CODE,
        "organisation_type": OrganisationType.SME,
        "region": Region.KAUNAS,
        "sector": "Photonics",
        "vat_code": "",
        "is_sme": True,
    }


@pytest.mark.parametrize(
    "changes,match,field",
    [
        ({"legal_code": "12345678"}, "exactly 9 digits", "legal_code"),
        ({"legal_code": "402999115"}, "starts with 1, 2 or 3", "legal_code"),
        ({"legal_code": "30299911a"}, "exactly 9 digits", "legal_code"),
        ({"legal_code": ""}, "exactly 9 digits", "legal_code"),
        ({"organisation_type": "cooperative"}, "Unknown organisation type", "organisation_type"),
        ({"region": "riga"}, "Unknown region", "region"),
        ({"name": "   "}, "needs a name", "name"),
    ],
)
def test_organisation_create_refuses_bad_input(changes, match, field):
    data = {
        "name": "UAB Bloga",
        "legal_code": VALID_CODE,
        "organisation_type": OrganisationType.SME,
        "region": Region.VILNIUS,
        **changes,
    }
    with _refused(match, field):
        organisation_create(actor=None, **data)


def test_organisation_create_refuses_a_company_code_registered_twice():
    OrganisationFactory(legal_code=VALID_CODE)
    with _refused(f"company code {VALID_CODE} is already registered", "legal_code"):
        organisation_create(
            actor=None, name="UAB Kita", legal_code=VALID_CODE, organisation_type="sme", region=Region.VILNIUS
        )


# -- users acting for an organisation -------------------------------------------


def test_an_applicant_is_linked_and_moved_with_both_organisations_audited(officer):
    first, second = OrganisationFactory(), OrganisationFactory()
    applicant = UserFactory(role=Role.APPLICANT)
    link = organisation_user_link(actor=officer, user=applicant, organisation=first)
    moved = organisation_user_link(actor=officer, user=applicant, organisation=second)
    assert moved.pk == link.pk
    assert OrganisationUser.objects.get(user=applicant).organisation == second
    linked, moved_event = _events(link, AuditEventType.LINKED)
    assert linked.old_values == {}
    assert linked.new_values == {"user": applicant.pk, "organisation": first.pk}
    assert moved_event.actor == officer
    assert moved_event.old_values == {"user": applicant.pk, "organisation": first.pk}
    assert moved_event.new_values == {"user": applicant.pk, "organisation": second.pk}


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.APPLICANT])
def test_only_applicant_accounts_act_for_an_organisation(role):
    user, organisation = UserFactory(role=role), OrganisationFactory()
    with _refused("Only applicant accounts", "user"):
        organisation_user_link(actor=None, user=user, organisation=organisation)


# -- clusters and their members -------------------------------------------------


def test_cluster_create_makes_the_coordinator_its_first_member_and_is_audited(officer):
    coordinator = OrganisationFactory()
    cluster = cluster_create(
        actor=officer,
        name="Maisto inovacijos",
        coordinator=coordinator,
        established_on=date(2016, 1, 10),
        maturity_level=2,
        has_digitisation_strategy=True,
    )
    member = cluster.memberships.get()
    assert (member.organisation, member.joined_on, member.left_on) == (coordinator, date(2016, 1, 10), None)
    # The old keywords become dated records from the day the cluster was established (clusters/0006).
    assert list(cluster.commitments.values_list("kind", "started_on")) == [("digitisation", date(2016, 1, 10))]
    assert list(cluster.maturity_assessments.values_list("level", "assessed_on")) == [(2, date(2016, 1, 10))]
    [event] = _events(cluster)
    assert event.event_type == AuditEventType.CREATED
    assert event.actor == officer
    assert event.new_values == {"name": "Maisto inovacijos", "coordinator": coordinator.pk}
    [joined] = _events(member)
    assert (joined.event_type, joined.new_values) == (AuditEventType.JOINED, {"joined_on": "2016-01-10"})


@pytest.mark.parametrize(
    "changes,match,field",
    [
        ({"name": ""}, "needs a name", "name"),
        ({"name": "Lietuvos lazeriai"}, "already registered", "name"),
        ({"maturity_level": 7}, "Unknown maturity level", "maturity_level"),
    ],
)
def test_cluster_create_refuses_bad_input(cluster, changes, match, field):
    data = {"name": "Nauja", "coordinator": OrganisationFactory(), "established_on": date(2020, 1, 1), **changes}
    with _refused(match, field):
        cluster_create(actor=None, **data)


def test_a_member_joins_and_leaves_with_its_dates_audited(cluster, officer):
    organisation = OrganisationFactory()
    member = cluster_member_add(actor=officer, cluster=cluster, organisation=organisation, joined_on=date(2017, 5, 1))
    left = cluster_member_leave(actor=officer, member=member, left_on=date(2019, 12, 31))
    assert left.left_on == date(2019, 12, 31)
    member.refresh_from_db()
    assert member.left_on == date(2019, 12, 31)
    joined, leaving = _events(member)
    assert (joined.event_type, joined.new_values) == (AuditEventType.JOINED, {"joined_on": "2017-05-01"})
    assert leaving.event_type == AuditEventType.LEFT
    assert (leaving.old_values, leaving.new_values) == ({"left_on": None}, {"left_on": "2019-12-31"})


def test_a_former_member_may_join_again_after_it_left(cluster):
    organisation = OrganisationFactory()
    first = cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=date(2016, 1, 1))
    cluster_member_leave(actor=None, member=first, left_on=date(2018, 1, 1))
    again = cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=date(2018, 1, 2))
    assert cluster.memberships.filter(organisation=organisation).count() == 2
    assert again.left_on is None


def test_a_member_is_counted_once_while_it_is_a_member(cluster):
    organisation = OrganisationFactory()
    cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=date(2016, 1, 1))
    with _refused("already a member", "organisation"):
        cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=date(2017, 1, 1))
    with _refused("already a member", "organisation"):
        cluster_member_add(actor=None, cluster=cluster, organisation=cluster.coordinator, joined_on=date(2017, 1, 1))


@pytest.mark.parametrize("rejoined_on", [date(2016, 6, 1), date(2017, 12, 31), date(2015, 6, 1)])
def test_a_membership_cannot_overlap_an_earlier_one(cluster, rejoined_on):
    organisation = OrganisationFactory()
    member = cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=date(2016, 1, 1))
    cluster_member_leave(actor=None, member=member, left_on=date(2017, 12, 31))
    with _refused("was a member .* until 2017-12-31", "joined_on"):
        cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=rejoined_on)


def test_no_one_joins_before_the_cluster_was_established(cluster):
    organisation = OrganisationFactory()
    with _refused("before it was established on 2015-03-01", "joined_on"):
        cluster_member_add(actor=None, cluster=cluster, organisation=organisation, joined_on=date(2015, 2, 28))


def test_a_member_cannot_leave_before_it_joined_or_twice(cluster):
    member = cluster_member_add(
        actor=None, cluster=cluster, organisation=OrganisationFactory(), joined_on=date(2017, 5, 1)
    )
    with _refused("cannot leave before it joined", "left_on"):
        cluster_member_leave(actor=None, member=member, left_on=date(2017, 4, 30))
    cluster_member_leave(actor=None, member=member, left_on=date(2018, 1, 1))
    with _refused("already left on 2018-01-01", "left_on"):
        cluster_member_leave(actor=None, member=member, left_on=date(2019, 1, 1))
    member.refresh_from_db()
    assert member.left_on == date(2018, 1, 1)


def test_the_coordinator_cannot_leave_the_cluster_it_coordinates(cluster):
    member = cluster.memberships.get(organisation=cluster.coordinator)
    with _refused("coordinates", "member"):
        cluster_member_leave(actor=None, member=member, left_on=date(2020, 1, 1))
    member.refresh_from_db()
    assert member.left_on is None


# -- labels, networks, activities --------------------------------------------------


def test_an_excellence_label_is_awarded_and_audited(cluster, officer):
    label = excellence_label_award(
        actor=officer, cluster=cluster, level=LabelLevel.GOLD, awarded_on=date(2021, 6, 1), valid_until=date(2023, 6, 1)
    )
    [event] = _events(label)
    assert event.event_type == AuditEventType.AWARDED
    assert event.new_values == {"level": "gold", "awarded_on": "2021-06-01", "valid_until": "2023-06-01"}


@pytest.mark.parametrize(
    "level,valid_until,match,field",
    [
        ("platinum", date(2023, 6, 1), "Unknown label level", "level"),
        (LabelLevel.SILVER, date(2021, 6, 1), "valid until after the day it is awarded", "valid_until"),
        (LabelLevel.SILVER, date(2020, 6, 1), "valid until after the day it is awarded", "valid_until"),
    ],
)
def test_an_excellence_label_refuses_bad_input(cluster, level, valid_until, match, field):
    with _refused(match, field):
        excellence_label_award(
            actor=None, cluster=cluster, level=level, awarded_on=date(2021, 6, 1), valid_until=valid_until
        )


def test_a_network_membership_is_audited_and_not_held_twice(cluster, officer):
    membership = network_membership_add(
        actor=officer, cluster=cluster, network=" European Photonics Alliance ", joined_on=date(2019, 1, 1)
    )
    assert membership.network == "European Photonics Alliance"
    [event] = _events(membership)
    assert event.event_type == AuditEventType.JOINED
    assert event.new_values == {"network": "European Photonics Alliance", "joined_on": "2019-01-01"}
    with _refused("already a member of European Photonics Alliance", "network"):
        network_membership_add(
            actor=None, cluster=cluster, network="European Photonics Alliance", joined_on=date(2020, 1, 1)
        )
    with _refused("Name the network", "network"):
        network_membership_add(actor=None, cluster=cluster, network="  ", joined_on=date(2020, 1, 1))


def test_an_activity_is_recorded_and_audited(cluster, officer):
    activity = cluster_activity_record(
        actor=officer, cluster=cluster, kind=ActivityKind.TRAINING, held_on=date(2022, 3, 4), title="Lazerių sauga"
    )
    [event] = _events(activity)
    assert event.event_type == AuditEventType.RECORDED
    assert event.new_values == {"kind": "training", "held_on": "2022-03-04"}


@pytest.mark.parametrize(
    "kind,title,match,field",
    [("party", "Vakarėlis", "Unknown activity kind", "kind"), (ActivityKind.TRAINING, " ", "needs a title", "title")],
)
def test_an_activity_refuses_bad_input(cluster, kind, title, match, field):
    with _refused(match, field):
        cluster_activity_record(actor=None, cluster=cluster, kind=kind, held_on=date(2022, 3, 4), title=title)
