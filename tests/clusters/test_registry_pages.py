"""The cluster registry's pages (issue 10): the list and each filter, the
cluster page's sections and its projects (coordinator and members, past and
present, across instruments), who may read and who may edit, the officers'
editing forms (errors by the field, a stale edit shows the current data), and
a fixed number of queries at two sizes."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from clusters.models import ClusterMember, CommitmentKind, ExcellenceLabel, LabelLevel
from clusters.services.registry import cluster_update
from core.models import AuditEvent, AuditEventType, Role
from tests.clusters.registry_fixtures import DAY, build_registry, more_clusters
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("registry:cluster-list")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world():
    return build_registry()


def _client(client, user):
    client.force_login(user)
    session = client.session
    session["_language"] = "en"
    session.save()
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def as_officer(client, officer):
    return _client(client, officer)


def _names(response) -> list[str]:
    return [cluster.name for cluster in response.context["page"].object_list]


def _list(client, **params):
    response = client.get(LIST, {"on": DAY.isoformat(), **params})
    assert response.status_code == 200
    return _names(response)


# -- the list --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params,expected",
    [
        ({}, ["Lazerių klasteris", "Maisto klasteris"]),
        ({"q": "lazer"}, ["Lazerių klasteris"]),
        ({"q": "Maisto gamyba"}, ["Maisto klasteris"]),  # the coordinator's name
        ({"q": "300000905"}, ["Maisto klasteris"]),  # the coordinator's company code
        ({"sector": "Photonics"}, ["Lazerių klasteris"]),
        ({"region": "kaunas"}, ["Lazerių klasteris"]),
        ({"region": "vilnius"}, ["Maisto klasteris"]),
        ({"label": "any"}, ["Lazerių klasteris"]),
        ({"label": "gold"}, ["Lazerių klasteris"]),
        ({"label": "silver"}, []),  # the food cluster's silver label expired in 2018
        ({"label": "none"}, ["Maisto klasteris"]),
        ({"network": "yes"}, ["Lazerių klasteris"]),
        ({"network": "no"}, ["Maisto klasteris"]),
        ({"commitments": [CommitmentKind.DIGITISATION]}, ["Lazerių klasteris"]),
        ({"commitments": [CommitmentKind.CIRCULAR_ECONOMY]}, []),  # ended in 2020
        ({"commitments": [CommitmentKind.CIRCULAR_ECONOMY], "on": "2019-01-01"}, ["Lazerių klasteris"]),
        ({"maturity": "4"}, ["Lazerių klasteris"]),
        ({"maturity": "2", "on": "2021-01-01"}, ["Lazerių klasteris"]),
        ({"maturity": "none"}, ["Maisto klasteris"]),
        ({"state": "active"}, ["Lazerių klasteris", "Maisto klasteris"]),
        ({"state": "dissolved"}, []),
    ],
)
def test_each_filter_narrows_the_list(as_officer, world, params, expected):
    assert _list(as_officer, **params) == expected


def test_the_list_shows_the_counts_and_an_empty_state(as_officer, world):
    response = as_officer.get(LIST, {"on": DAY.isoformat()})
    page = response.content.decode()
    assert f'data-cluster="{world.lasers.pk}"' in page
    lasers = next(c for c in response.context["page"].object_list if c.pk == world.lasers.pk)
    assert lasers.member_count == 3
    assert "European Cluster Alliance" in page
    empty = as_officer.get(LIST, {"q": "nėra tokio"}).content.decode()
    assert "No cluster matches these filters." in empty


def test_a_bad_filter_is_shown_by_its_field(as_officer, world):
    response = as_officer.get(LIST, {"on": "not-a-day", "label": "platinum"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"on", "label"}
    assert 'id="error-summary"' in response.content.decode()


def test_the_target_filter_lists_the_clusters_behind_a_national_target(as_officer, world):
    pytest.importorskip("clusters.selectors.scorecard")
    assert _list(as_officer, target="networks") == ["Lazerių klasteris"]
    assert _list(as_officer, target="gold_label") == ["Lazerių klasteris"]
    response = as_officer.get(LIST, {"target": "no-such-target"})
    assert "target" in response.context["form"].errors
    assert _names(response) == []


def test_the_target_filter_uses_the_scorecards_rule(as_officer, world, monkeypatch):
    """Whatever clusters.selectors.scorecard.clusters_behind answers is the list."""
    monkeypatch.setattr(
        "clusters.selectors.registry.clusters_behind",
        lambda target_id, day: world.food.__class__.objects.filter(pk=world.food.pk),
    )
    assert _list(as_officer, target="networks") == ["Maisto klasteris"]


# -- the cluster page ---------------------------------------------------------------------


def test_the_cluster_page_shows_every_section(as_officer, world):
    response = as_officer.get(reverse("registry:cluster-detail", args=[world.lasers.pk]), {"on": DAY.isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    for heading in (
        "members-heading",
        "labels-heading",
        "networks-heading",
        "flags-heading",
        "maturity-heading",
        "activities-heading",
        "projects-heading",
    ):
        assert f'id="{heading}"' in page
    detail = response.context["detail"]
    # Members over time, by join date: the rejoined organisation has two rows.
    assert [(m.organisation.legal_code, m.joined_on) for m in detail.members] == [
        ("300000901", date(2015, 3, 1)),
        ("300000903", date(2016, 1, 1)),  # by join date, then by name
        ("300000904", date(2016, 1, 1)),
        ("300000902", date(2016, 1, 1)),
        ("300000904", date(2019, 1, 1)),
    ]
    assert detail.member_count == 3
    assert [(row.label.level, row.status) for row in detail.labels] == [("gold", "valid"), ("bronze", "expired")]
    assert "Mokymai apie lazerius" in page
    assert "Strategija" in page
    # Projects of the coordinator and of members, the one that left included; not the outsider's.
    codes = [p.code for p in response.context["projects"]]
    assert sorted(codes) == ["DIH-001", "INO-001", "INO-002"]
    for code in codes:
        project = world.projects[{"INO-001": "coordinator", "DIH-001": "former", "INO-002": "rejoined"}[code]]
        assert f'href="{reverse("project-detail", args=[project.pk])}"' in page
    assert "INO-003" not in page
    assert "Enterprises supported" in page


def test_an_unknown_cluster_is_404(as_officer, world):
    assert as_officer.get(reverse("registry:cluster-detail", args=[999999])).status_code == 404


# -- who may read and edit ----------------------------------------------------------------


EDIT_PATHS = [
    ("registry:cluster-create", None),
    ("registry:cluster-update", "cluster"),
    ("registry:member-add", "cluster"),
    ("registry:member-leave", "member"),
    ("registry:label-award", "cluster"),
    ("registry:label-withdraw", "label"),
    ("registry:network-add", "cluster"),
    ("registry:network-end", "network"),
    ("registry:flag-add", "cluster"),
    ("registry:flag-end", "flag"),
    ("registry:maturity-add", "cluster"),
    ("registry:activity-add", "cluster"),
]


def _edit_urls(world) -> list[str]:
    objects = {
        "cluster": world.lasers,
        "member": world.lasers.memberships.get(organisation=world.organisations["member"]),
        "label": world.lasers.labels.get(level=LabelLevel.GOLD),
        "network": world.lasers.network_memberships.get(),
        "flag": world.lasers.commitments.get(kind=CommitmentKind.DIGITISATION),
    }
    return [reverse(name, args=[objects[kind].pk] if kind else []) for name, kind in EDIT_PATHS]


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for url in [LIST, reverse("registry:cluster-detail", args=[world.lasers.pk]), *_edit_urls(world)]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.APPLICANT])
def test_auditors_and_applicants_read_without_edit_links(client, world, role):
    user = UserFactory(role=role, organisation=world.organisations["member"] if role == Role.APPLICANT else None)
    _client(client, user)
    assert client.get(LIST).status_code == 200
    response = client.get(reverse("registry:cluster-detail", args=[world.lasers.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("registry:cluster-update", args=[world.lasers.pk]) not in page
    assert reverse("registry:member-add", args=[world.lasers.pk]) not in page
    assert reverse("registry:cluster-create") not in client.get(LIST).content.decode()
    for url in _edit_urls(world):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    codes = [p.code for p in response.context["projects"]]
    # An applicant sees only its own organisation's projects (the member has none).
    assert codes == ([] if role == Role.APPLICANT else sorted(codes, key=lambda c: (c[:3], c)))
    if role == Role.AUDITOR:
        assert set(codes) == {"INO-001", "DIH-001", "INO-002"}


def test_an_applicant_sees_its_own_organisations_projects(client, world):
    _client(client, UserFactory(role=Role.APPLICANT, organisation=world.organisations["former"]))
    response = client.get(reverse("registry:cluster-detail", args=[world.lasers.pk]))
    assert [p.code for p in response.context["projects"]] == ["DIH-001"]


def test_evaluators_get_404(client, world):
    _client(client, UserFactory(role=Role.EVALUATOR))
    assert client.get(LIST).status_code == 404
    assert client.get(reverse("registry:cluster-detail", args=[world.lasers.pk])).status_code == 404


def test_officers_see_the_edit_links_and_every_form(as_officer, world):
    page = as_officer.get(reverse("registry:cluster-detail", args=[world.lasers.pk])).content.decode()
    assert reverse("registry:cluster-update", args=[world.lasers.pk]) in page
    for url in _edit_urls(world):
        response = as_officer.get(url)
        assert response.status_code == 200, url
        assert 'method="post"' in response.content.decode()


# -- the editing forms ---------------------------------------------------------------------


def test_creating_a_cluster(as_officer, world):
    coordinator = OrganisationFactory()
    response = as_officer.post(
        reverse("registry:cluster-create"),
        {"name": "Vandenilio klasteris", "coordinator": coordinator.pk, "established_on": "2020-01-01"},
    )
    assert response.status_code == 302
    cluster = coordinator.coordinated_clusters.get()
    assert response["Location"] == reverse("registry:cluster-detail", args=[cluster.pk])
    assert AuditEvent.objects.filter(object_id=str(cluster.pk), event_type=AuditEventType.CREATED).exists()


def test_a_service_refusal_is_shown_by_its_field_with_the_data(as_officer, world):
    url = reverse("registry:member-add", args=[world.lasers.pk])
    organisation = world.organisations["member"]
    response = as_officer.post(url, {"organisation": organisation.pk, "joined_on": "2020-01-01"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "already a member" in form.errors["organisation"][0]
    assert 'value="2020-01-01"' in response.content.decode()
    assert ClusterMember.objects.filter(cluster=world.lasers, organisation=organisation).count() == 1


def test_a_member_leaves_and_rejoins_through_the_pages(as_officer, world):
    member = world.lasers.memberships.get(organisation=world.organisations["member"])
    response = as_officer.post(reverse("registry:member-leave", args=[member.pk]), {"left_on": "2024-07-01"})
    assert response.status_code == 302
    response = as_officer.post(
        reverse("registry:member-add", args=[world.lasers.pk]),
        {"organisation": member.organisation_id, "joined_on": "2024-08-01"},
    )
    assert response.status_code == 302
    assert world.lasers.memberships.filter(organisation=member.organisation).count() == 2


def test_a_label_withdrawn_through_the_page(as_officer, world):
    label = world.lasers.labels.get(level=LabelLevel.GOLD)
    url = reverse("registry:label-withdraw", args=[label.pk])
    response = as_officer.post(url, {"withdrawn_on": "2021-06-01"})
    assert "only after the day it was awarded" in response.context["form"].errors["withdrawn_on"][0]
    assert as_officer.post(url, {"withdrawn_on": "2024-01-01"}).status_code == 302
    assert ExcellenceLabel.objects.get(pk=label.pk).valid_until == date(2024, 1, 1)


@pytest.mark.parametrize(
    "name,data,field",
    [
        (
            "registry:label-award",
            {"level": "gold", "awarded_on": "2022-01-01", "valid_until": "2021-01-01"},
            "valid_until",
        ),
        ("registry:network-add", {"network": "European Cluster Alliance", "joined_on": "2022-01-01"}, "network"),
        ("registry:flag-add", {"kind": "digitisation", "started_on": "2022-01-01"}, "kind"),
        ("registry:maturity-add", {"level": "3", "assessed_on": "2022-01-01"}, "assessed_on"),
        ("registry:activity-add", {"kind": "training", "held_on": "2022-01-01", "title": " "}, "title"),
    ],
)
def test_each_form_shows_a_refusal_by_its_field(as_officer, world, name, data, field):
    response = as_officer.post(reverse(name, args=[world.lasers.pk]), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_a_stale_edit_shows_the_message_and_the_current_data(as_officer, world):
    cluster = world.lasers
    url = reverse("registry:cluster-update", args=[cluster.pk])
    form = as_officer.get(url).context["form"]
    assert form.initial["version"] == 1
    # Someone else saves first.
    cluster_update(
        actor=None,
        cluster=cluster,
        version=1,
        name="Lazerių klasteris LT",
        coordinator=cluster.coordinator,
        established_on=cluster.established_on,
        sector="Lasers",
    )
    response = as_officer.post(
        url,
        {
            "name": "Mano pavadinimas",
            "coordinator": cluster.coordinator_id,
            "established_on": "2015-03-01",
            "sector": "Photonics",
            "version": 1,
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this cluster" in page
    assert 'value="Lazerių klasteris LT"' in page and 'value="Lasers"' in page
    assert response.context["form"]["version"].value() == 2
    cluster.refresh_from_db()
    assert cluster.name == "Lazerių klasteris LT"


# -- a fixed number of queries -------------------------------------------------------------


@pytest.mark.parametrize("extra", [3, 30])
def test_the_list_costs_a_fixed_number_of_queries(as_officer, world, django_assert_max_num_queries, extra):
    more_clusters(extra)
    with django_assert_max_num_queries(8):
        response = as_officer.get(LIST, {"on": DAY.isoformat(), "label": "any", "commitments": ["sustainability"]})
    assert len(response.context["page"].object_list) == min(extra, 25)


@pytest.mark.parametrize("members", [2, 25])
def test_the_cluster_page_costs_a_fixed_number_of_queries(as_officer, world, django_assert_max_num_queries, members):
    from clusters.services.registry import cluster_member_add

    for _ in range(members):
        cluster_member_add(
            actor=None, cluster=world.lasers, organisation=OrganisationFactory(), joined_on=date(2020, 1, 1)
        )
    with django_assert_max_num_queries(12):
        response = as_officer.get(reverse("registry:cluster-detail", args=[world.lasers.pk]))
    assert response.status_code == 200
    assert len(response.context["detail"].members) == 5 + members


def test_page_writes_are_audited_with_the_officer(as_officer, officer, world):
    cluster = world.lasers
    steps = [
        (
            "registry:cluster-update",
            cluster.pk,
            {
                "name": cluster.name,
                "coordinator": cluster.coordinator_id,
                "established_on": "2015-03-01",
                "sector": "Lasers",
                "version": 1,
            },
        ),
        ("registry:flag-add", cluster.pk, {"kind": "pact_for_skills", "started_on": "2023-01-01"}),
        ("registry:maturity-add", cluster.pk, {"level": "3", "assessed_on": "2023-01-01"}),
        (
            "registry:activity-add",
            cluster.pk,
            {"kind": "consultation", "held_on": "2023-02-01", "title": "Konsultacija"},
        ),
        ("registry:network-add", cluster.pk, {"network": "BSR Cluster Cooperation Network", "joined_on": "2023-01-01"}),
        (
            "registry:label-award",
            cluster.pk,
            {"level": "silver", "awarded_on": "2023-01-01", "valid_until": "2026-01-01"},
        ),
    ]
    for name, pk, data in steps:
        before = AuditEvent.objects.filter(actor=officer).count()
        response = as_officer.post(reverse(name, args=[pk]), data)
        assert response.status_code == 302, (name, response.context["form"].errors if response.context else None)
        assert response["Location"].startswith(reverse("registry:cluster-detail", args=[pk]))
        assert AuditEvent.objects.filter(actor=officer).count() == before + 1, name
    cluster.refresh_from_db()
    assert (cluster.sector, cluster.version) == ("Lasers", 2)
    flag = cluster.commitments.get(kind=CommitmentKind.PACT_FOR_SKILLS)
    assert as_officer.post(reverse("registry:flag-end", args=[flag.pk]), {"ended_on": "2024-01-01"}).status_code == 302
    network = cluster.network_memberships.get(network="BSR Cluster Cooperation Network")
    assert (
        as_officer.post(reverse("registry:network-end", args=[network.pk]), {"left_on": "2024-01-01"}).status_code
        == 302
    )
    detail = as_officer.get(reverse("registry:cluster-detail", args=[cluster.pk]), {"on": "2023-06-01"}).context[
        "detail"
    ]
    assert detail.maturity_on_day.level == 3
    assert "Participates in the Pact for Skills" in detail.flags_on_day
