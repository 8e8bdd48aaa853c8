"""The audit-trail browser (/audit/, GET /api/v1/audit-events/): filters by
object, user, event type and Vilnius dates, newest first, pages, old and new
values shown as they were recorded, CSV of exactly the filtered events, and who
may read it (officers and auditors; others 404)."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from core.audit import audit_record
from core.models import AuditEvent, AuditEventType, Role
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/audit/"
API = "/api/v1/audit-events/"


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def trail(officer):
    """A clean trail of four events on two objects of two types:
    1 March 10:00 UTC  officer  created        organisation A
    1 March 22:30 UTC  officer  status_changed organisation A (2 March 00:30 in Vilnius)
    2 March 12:00 UTC  system   updated        organisation B
    3 March 08:00 UTC  system   status_changed user (the officer)"""
    first = OrganisationFactory(name="UAB Pirmas")
    second = OrganisationFactory(name="UAB Antras")
    assert not AuditEvent.objects.exists()  # the factories write no events: the trail is this one's
    officer.first_name, officer.last_name = "Ona", "Onaitė"
    officer.save()
    at = lambda day, hour, minute=0: datetime(2026, 3, day, hour, minute, tzinfo=UTC)  # noqa: E731
    events = [
        audit_record(
            actor=officer,
            obj=first,
            event_type=AuditEventType.CREATED,
            new={"name": "UAB Pirmas", "sector": "ICT"},
            occurred_at=at(1, 10),
        ),
        audit_record(
            actor=officer,
            obj=first,
            event_type=AuditEventType.STATUS_CHANGED,
            old={"status": "draft"},
            new={"status": "submitted"},
            occurred_at=at(1, 22, 30),
        ),
        audit_record(
            actor=None,
            obj=second,
            event_type=AuditEventType.UPDATED,
            old={"sector": "Manufacturing"},
            new={"sector": "ICT"},
            occurred_at=at(2, 12),
        ),
        audit_record(
            actor=None,
            obj=officer,
            event_type=AuditEventType.STATUS_CHANGED,
            old={"is_active": True},
            new={"is_active": False},
            occurred_at=at(3, 8),
        ),
    ]
    return {"events": events, "first": first, "second": second}


def ids(client, query: str = "") -> list[int]:
    response = client.get(URL + query)
    assert response.status_code == 200, response.content[:300]
    html = response.content.decode()
    rows = html.split('<tr data-object="')[1:]
    by_key = {(e.object_type, e.object_id, e.event_type): e.pk for e in AuditEvent.objects.all()}
    found = []
    for row in rows:
        object_key, rest = row.split('"', 1)
        event_type = rest.split('data-event="', 1)[1].split('"', 1)[0]
        object_type, object_id = object_key.split(":")
        found.append(by_key[(object_type, object_id, event_type)])
    return found


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def pks(trail, *indexes) -> list[int]:
    return [trail["events"][i].pk for i in indexes]


# --- the page ---------------------------------------------------------------------------


def test_every_event_newest_first(officer_client, trail):
    assert ids(officer_client) == pks(trail, 3, 2, 1, 0)


def test_filter_by_object_type_and_id(officer_client, trail):
    first = trail["first"]
    assert ids(officer_client, "?object_type=clusters.organisation") == pks(trail, 2, 1, 0)
    assert ids(officer_client, f"?object_type=clusters.organisation&object_id={first.pk}") == pks(trail, 1, 0)
    assert ids(officer_client, "?object_type=core.user") == pks(trail, 3)


def test_object_types_offered_are_those_in_the_trail_with_their_names(officer_client, trail):
    html = officer_client.get(URL).content.decode()
    select = html[html.index('name="object_type"') : html.index("</select>", html.index('name="object_type"'))]
    assert 'value="clusters.organisation"' in select and "organisation (clusters.organisation)" in select
    assert 'value="core.user"' in select and "user (core.user)" in select
    assert 'value="grants.project"' not in select  # no project event in this trail


def test_filter_by_user_or_the_system(officer_client, officer, trail):
    assert ids(officer_client, f"?actor={officer.pk}") == pks(trail, 1, 0)
    assert ids(officer_client, "?actor=system") == pks(trail, 3, 2)
    html = officer_client.get(URL).content.decode()
    assert "Ona Onaitė (" in html  # the user filter names people


def test_filter_by_event_type(officer_client, trail):
    assert ids(officer_client, "?event_type=status_changed") == pks(trail, 3, 1)


def test_dates_are_whole_days_in_vilnius(officer_client, trail):
    # 1 March 22:30 UTC is 2 March in Vilnius.
    assert ids(officer_client, "?date_from=2026-03-02") == pks(trail, 3, 2, 1)
    assert ids(officer_client, "?date_to=2026-03-01") == pks(trail, 0)
    assert ids(officer_client, "?date_from=2026-03-02&date_to=2026-03-02") == pks(trail, 2, 1)


def test_a_reversed_date_range_is_refused_by_its_field(officer_client, trail):
    html = officer_client.get(URL + "?date_from=2026-03-03&date_to=2026-03-01").content.decode()
    assert "The end date is before the start date." in html
    assert "data-error-summary" in html
    html = officer_client.get(URL + "?date_from=1.3.2026").content.decode()
    assert "Enter a date as YYYY-MM-DD." in html


def test_old_and_new_values_are_shown_with_their_keys(officer_client, trail):
    html = officer_client.get(URL + "?event_type=status_changed&object_type=clusters.organisation").content.decode()
    row = html[html.index('<tr data-object="') :]
    row = row[: row.index("</tr>")]
    assert '<dl class="changes">' in row
    assert "<dt><code>status</code></dt>" in row
    assert "draft" in row and "submitted" in row and "→" in row
    assert "Ona Onaitė" in row


def test_pages_of_50_newest_first(officer_client, trail):
    organisation = trail["second"]
    for i in range(55):
        audit_record(
            actor=None,
            obj=organisation,
            event_type=AuditEventType.RECORDED,
            new={"n": i},
            occurred_at=datetime(2026, 4, 1, tzinfo=UTC) + timedelta(minutes=i),
        )
    first_page = ids(officer_client, "?event_type=recorded")
    second_page = ids(officer_client, "?event_type=recorded&page=2")
    assert len(first_page) == 50 and len(second_page) == 5
    html = officer_client.get(URL + "?event_type=recorded&page=2").content.decode()
    assert "55 events" in html and "Pages of events" in html


def test_a_page_costs_the_same_number_of_queries_whatever_its_size(
    officer_client, trail, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8) as small:
        officer_client.get(URL)
    for i in range(60):
        audit_record(actor=None, obj=trail["first"], event_type=AuditEventType.RECORDED, new={"n": i})
    with django_assert_max_num_queries(8) as large:
        officer_client.get(URL)
    assert len(large.captured_queries) == len(small.captured_queries)


# --- CSV ---------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_csv_holds_exactly_the_filtered_events_of_every_page(officer_client, trail):
    for i in range(60):
        audit_record(
            actor=None,
            obj=trail["first"],
            event_type=AuditEventType.RECORDED,
            new={"n": i},
            occurred_at=datetime(2026, 4, 1, tzinfo=UTC) + timedelta(minutes=i),
        )
    response = officer_client.get(URL + "?actor=system&page=2&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    header = rows[0]
    assert header[:3] == ["When", "Who", "Event"]
    assert len(rows) == 1 + 62  # 60 recorded, the organisation update and the user's status: all pages
    assert rows[1][header.index("New values")] == '{"n": 59}'  # newest first
    assert rows[-1][header.index("When")] == "2026-03-02 14:00:00"  # the oldest, in Vilnius time
    user_row = rows[-2]
    assert user_row[header.index("When")] == "2026-03-03 10:00:00"  # Vilnius time
    assert user_row[header.index("Who")] == "System"
    assert user_row[header.index("Event code")] == "status_changed"
    assert json.loads(user_row[header.index("Old values")]) == {"is_active": True}
    assert user_row[header.index("Object type")] == "core.user"


def test_csv_headers_follow_the_page_language(client, officer, trail):
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "lt"
    rows = _csv(client.get(URL + "?format=csv"))
    assert rows[0][0] == "Kada"
    assert len(rows) == 5


# --- who may read it -----------------------------------------------------------------------


def test_auditors_read_the_trail(client, auditor, trail):
    client.force_login(auditor)
    assert ids(client) == pks(trail, 3, 2, 1, 0)


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.EVALUATOR, Role.ADMINISTRATOR])
def test_other_roles_get_404_on_the_page_its_csv_and_the_api(client, trail, role):
    user = UserFactory(role=role)
    client.force_login(user)
    assert client.get(URL).status_code == 404
    assert client.get(URL + "?format=csv").status_code == 404
    api = APIClient()
    api.force_authenticate(user)
    assert api.get(API).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the API -------------------------------------------------------------------------------


@pytest.fixture
def api(auditor):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(auditor)
    return client


def test_api_lists_events_newest_first_with_the_same_filters(api, officer, trail):
    body = api.get(API).json()
    assert [e["id"] for e in body["results"]] == pks(trail, 3, 2, 1, 0)
    event = body["results"][2]
    assert event["actor"] == officer.pk and event["actor_name"].startswith("Ona Onaitė")
    assert event["event_type"] == "status_changed" and event["event_label"] == "Status changed"
    assert event["object_type"] == "clusters.organisation" and event["object_id"] == str(trail["first"].pk)
    assert event["old_values"] == {"status": "draft"} and event["new_values"] == {"status": "submitted"}
    assert body["results"][0]["actor"] is None and body["results"][0]["actor_name"] == "System"

    def listed(**params):
        return [e["id"] for e in api.get(API, params).json()["results"]]

    assert listed(object_type="clusters.organisation", object_id=trail["first"].pk) == pks(trail, 1, 0)
    assert listed(actor="system") == pks(trail, 3, 2)
    assert listed(actor=officer.pk) == pks(trail, 1, 0)
    assert listed(event_type="updated") == pks(trail, 2)
    assert listed(date_from="2026-03-02", date_to="2026-03-02") == pks(trail, 2, 1)


def test_api_pages_and_refuses_bad_filters_by_name(api, trail):
    body = api.get(API, {"page_size": 3}).json()
    assert body["count"] == 4 and len(body["results"]) == 3 and body["next"]
    response = api.get(API, {"date_from": "2026-03-03", "date_to": "2026-03-01"})
    assert response.status_code == 400
    assert "date_to" in response.json()["error"]["fields"]
    response = api.get(API, {"event_type": "exploded"})
    assert response.status_code == 400 and "event_type" in response.json()["error"]["fields"]
