"""The scorecard page and its API: who sees them, the values, the charts, the
links to the clusters behind each target, the EU benchmarks, a bad day."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from clusters.models import Cluster, ClusterCommitment, CommitmentKind, NetworkMembership
from clusters.selectors.scorecard import scorecard
from core.models import Role
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

DAY = date(2024, 6, 30)
URL = "/clusters/scorecard/"
API = "/api/v1/scorecard/"


@pytest.fixture
def two_clusters():
    coordinator = OrganisationFactory()
    a = Cluster.objects.create(name="Alfa", coordinator=coordinator, established_on=date(2019, 5, 1))
    b = Cluster.objects.create(name="Beta", coordinator=coordinator, established_on=date(2021, 5, 1))
    NetworkMembership.objects.create(cluster=a, network="ECCP", joined_on=date(2020, 1, 1))
    for cluster in (a, b):
        ClusterCommitment.objects.create(cluster=cluster, kind=CommitmentKind.DIGITISATION, started_on=date(2021, 6, 1))
    return a, b


def test_the_url_name():
    assert reverse("scorecard:scorecard") == URL
    assert reverse("scorecard-api:scorecard") == API


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR, Role.APPLICANT])
def test_officers_auditors_and_applicants_see_the_page(client, two_clusters, role):
    # English saved in the profile: applicants otherwise read Lithuanian whatever the browser asks.
    client.force_login(UserFactory(role=role, language="en"))
    with translation.override("en"):
        response = client.get(URL, {"day": DAY.isoformat()}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    card = response.context["card"]
    assert card.day == DAY and card.cluster_count == 2
    assert card.target("networks").value == Decimal("50.00")
    # A chart per measured target, named and described by its values.
    assert html.count('role="img"') == 8
    assert 'aria-labelledby="chart-networks-title chart-networks-desc"' in html
    assert "/clusters/?target=networks&amp;on=2024-06-30" in html or "target=networks" not in html
    # Met or not in words, not only in colour.
    assert "not met" in html and "✗" in html
    # EU benchmarks as shares of 2,950.
    figures = html.replace(",", ".")  # an applicant may read the page in Lithuanian (decimal comma)
    assert "6.7 %" in figures and "30.4 %" in figures and "62.8 %" in figures and "+140 %" in figures


def test_evaluators_and_visitors_do_not(client):
    assert client.get(URL).status_code == 302  # to log in
    client.force_login(UserFactory(role=Role.EVALUATOR))
    assert client.get(URL).status_code == 404
    assert client.get(API).status_code == 404


def test_zero_clusters_is_an_empty_state(client):
    client.force_login(UserFactory(role=Role.OFFICER))
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert 'id="scorecard-empty"' in response.content.decode()
    data = client.get(API).json()
    assert data["cluster_count"] == 0
    assert all(t["value"] is None and t["met"] is None for t in data["targets"])


def test_a_bad_day_on_the_page_shows_the_message_by_the_field(client, two_clusters):
    client.force_login(UserFactory(role=Role.OFFICER))
    response = client.get(URL, {"day": "2024-13-45"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["form"].errors["day"]
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_api_gives_the_same_data_with_decimals_as_strings(client, two_clusters):
    client.force_login(UserFactory(role=Role.AUDITOR))
    data = client.get(API, {"day": DAY.isoformat()}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["day"] == "2024-06-30" and data["cluster_count"] == 2
    targets = {t["id"]: t for t in data["targets"]}
    assert targets["networks"]["value"] == "50.00" and targets["networks"]["met"] is False
    assert targets["digital"]["value"] == "100.00" and targets["digital"]["met"] is True
    assert targets["networks"]["clusters"] == 1
    assert targets["networks"]["clusters_url"] == "/clusters/?target=networks&on=2024-06-30"
    assert [p["day"] for p in targets["digital"]["trend"]] == [
        "2019-12-31",
        "2020-12-31",
        "2021-12-31",
        "2022-12-31",
        "2023-12-31",
        "2024-06-30",
    ]
    assert [p["value"] for p in targets["digital"]["trend"]][:3] == ["0.00", "0.00", "100.00"]
    assert [s["share"] for s in data["eu"]["shares"]] == ["6.71", "30.44", "62.85"]
    card = scorecard(DAY)
    assert [t["value"] and Decimal(t["value"]) for t in data["targets"]] == [t.value for t in card.targets]


def test_a_bad_day_in_the_api_is_400_in_the_error_shape(client):
    client.force_login(UserFactory(role=Role.OFFICER))
    response = client.get(API, {"day": "30.06.2024"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "invalid" and "day" in body["error"]["fields"]


def test_the_clusters_link_of_a_past_day_lists_the_clusters_counted_on_that_day(client, two_clusters):
    """The "N clusters" link of a past day opens the registry list as of that day."""
    alfa, beta = two_clusters
    # Beta joins a network after the day: counted today, not on DAY.
    NetworkMembership.objects.create(cluster=beta, network="ECCP", joined_on=date(2025, 1, 1))
    client.force_login(UserFactory(role=Role.OFFICER))
    card = client.get(URL, {"day": DAY.isoformat()}).context["card"]
    assert card.target("networks").clusters == 1
    response = client.get("/clusters/", {"target": "networks", "on": DAY.isoformat()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alfa" in html and "Beta" not in html
    today = client.get("/clusters/", {"target": "networks"}).content.decode()
    assert "Alfa" in today and "Beta" in today
