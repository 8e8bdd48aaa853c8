"""The cluster registry API (issue 10): the list with the page's filters,
paginated; a cluster with members over time, labels, networks, flags,
maturity, activities and projects; who may read; an officer's PATCH with
`version` (409 when stale); a fixed number of queries."""

from datetime import date

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from clusters.models import CommitmentKind
from core.models import AuditEvent, AuditEventType, Role
from tests.clusters.registry_fixtures import DAY, build_registry, more_clusters
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/clusters/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world():
    return build_registry()


def _api(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_the_list_is_paginated_and_annotated_as_of_a_day(officer, world):
    response = _api(officer).get(LIST, {"on": DAY.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    lasers = next(row for row in body["results"] if row["id"] == world.lasers.pk)
    assert lasers["member_count"] == 3
    assert lasers["valid_label"] == {"level": "gold", "valid_until": "2025-06-01"}
    assert lasers["networks"] == ["European Cluster Alliance"]
    assert lasers["strategy_flags"] == [CommitmentKind.DIGITISATION]
    assert lasers["maturity_level"] == 4
    assert lasers["coordinator"]["legal_code"] == "300000901"
    page = _api(officer).get(LIST, {"page_size": 1, "page": 2}).json()
    assert page["count"] == 2 and len(page["results"]) == 1


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"q": "maisto"}, {"Maisto klasteris"}),
        ({"region": "kaunas"}, {"Lazerių klasteris"}),
        ({"label": "none"}, {"Maisto klasteris"}),
        ({"network": "yes"}, {"Lazerių klasteris"}),
        ({"commitments": ["digitisation"]}, {"Lazerių klasteris"}),
        ({"maturity": "4"}, {"Lazerių klasteris"}),
        ({"sector": "Food"}, {"Maisto klasteris"}),
    ],
)
def test_the_list_filters_as_the_page(officer, world, params, expected):
    body = _api(officer).get(LIST, {"on": DAY.isoformat(), **params}).json()
    assert {row["name"] for row in body["results"]} == expected


def test_a_bad_filter_is_a_400_by_its_field(officer, world):
    response = _api(officer).get(LIST, {"label": "platinum", "on": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"label", "on"}


def test_the_detail_holds_every_section(officer, world):
    response = _api(officer).get(f"{LIST}{world.lasers.pk}/", {"on": DAY.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == DAY.isoformat()
    assert body["member_count"] == 3
    assert [(m["organisation"]["legal_code"], m["joined_on"], m["left_on"]) for m in body["members"]][-2:] == [
        ("300000902", "2016-01-01", None),
        ("300000904", "2019-01-01", None),
    ]
    assert [(label["level"], label["status"]) for label in body["labels"]] == [("gold", "valid"), ("bronze", "expired")]
    assert body["networks"][0]["network"] == "European Cluster Alliance"
    assert {(f["kind"], f["ended_on"]) for f in body["strategy_flags"]} == {
        ("digitisation", None),
        ("circular_economy", "2020-01-01"),
    }
    assert [(m["level"], m["assessed_on"]) for m in body["maturity"]] == [(2, "2015-03-01"), (4, "2022-01-01")]
    assert body["activities"][0]["kind"] == "training"
    projects = {p["code"]: p for p in body["projects"]}
    assert set(projects) == {"INO-001", "DIH-001", "INO-002"}
    assert projects["INO-001"]["paid_total"] == "1500.00"
    assert projects["INO-001"]["indicators"][0] == {
        "code": "RCO01",
        "name": "Enterprises supported",
        "unit": "companies",
        "target": "10.00",
        "achieved": "7.00",
    }


def test_readers_and_others(world):
    applicant = UserFactory(role=Role.APPLICANT, organisation=world.organisations["former"])
    body = _api(applicant).get(f"{LIST}{world.lasers.pk}/").json()
    assert [p["code"] for p in body["projects"]] == ["DIH-001"]
    assert _api(UserFactory(role=Role.AUDITOR)).get(LIST).status_code == 200
    evaluator = _api(UserFactory(role=Role.EVALUATOR))
    assert evaluator.get(LIST).status_code == 404
    assert evaluator.get(f"{LIST}{world.lasers.pk}/").status_code == 404
    assert APIClient().get(LIST).status_code in (401, 403)
    assert _api(UserFactory(role=Role.AUDITOR)).get(f"{LIST}999999/").status_code == 404


def test_an_officer_patches_with_the_version_and_a_stale_one_is_409(officer, world):
    url = f"{LIST}{world.lasers.pk}/"
    response = _api(officer).patch(url, {"version": 1, "sector": "Lasers"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["sector"], response.json()["version"]) == ("Lasers", 2)
    assert AuditEvent.objects.filter(
        object_type="clusters.cluster", object_id=str(world.lasers.pk), event_type=AuditEventType.UPDATED
    ).exists()
    stale = _api(officer).patch(url, {"version": 1, "sector": "Optics"}, format="json")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    refused = _api(officer).patch(url, {"version": 2, "dissolved_on": "2014-01-01"}, format="json")
    assert refused.status_code == 400
    assert "dissolved_on" in refused.json()["error"]["fields"]
    assert _api(UserFactory(role=Role.AUDITOR)).patch(url, {"version": 2}, format="json").status_code == 403
    world.lasers.refresh_from_db()
    assert (world.lasers.sector, world.lasers.version) == ("Lasers", 2)


@pytest.mark.parametrize("extra", [3, 30])
def test_the_list_costs_a_fixed_number_of_queries(officer, world, django_assert_max_num_queries, extra):
    more_clusters(extra)
    client = _api(officer)
    with django_assert_max_num_queries(8):
        response = client.get(LIST, {"page_size": 50, "on": date(2024, 1, 1).isoformat()})
    assert len(response.json()["results"]) == extra + 2
