"""The report jobs API (/api/v1/reports/): 202 with Location, one error shape for
400/403/404/409, downloads whose SHA-256 header matches the bytes, filters,
and who sees what. Jobs are requested through the service with the broker
hand-off captured (django_capture_on_commit_callbacks(execute=False)), so no
test here needs a broker or renders a PDF."""

import base64
import hashlib
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.models import Role
from reports.models import ReportJob, ReportJobStatus
from tests.factories import UserFactory, make_project
from tests.reports.report_jobs import attach_file, mark_failed, mark_running, request_job, small_pdf

pytestmark = pytest.mark.django_db

API = "/api/v1/reports/"


@pytest.fixture
def api():
    # English answers (Accept-Language), as these tests read them; test_i18n.py has the Lithuanian ones.
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def evaluator(db):
    return UserFactory(role=Role.EVALUATOR)


def _post(api, user, body, capture=None, **extra):
    api.force_authenticate(user)
    if capture is None:
        return api.post(API, body, format="json", **extra)
    with capture(execute=False) as callbacks:
        response = api.post(API, body, format="json", **extra)
    return response, callbacks


def _error(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


# --------------------------------------------------------------------------- requesting


def test_officer_request_is_accepted_with_location_and_queued(
    api, officer, programme, django_capture_on_commit_callbacks
):
    response, callbacks = _post(
        api,
        officer,
        {"kind": "programme", "params": {"programme_id": programme.pk, "as_of_date": "2023-12-31"}},
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 202, response.content
    job = ReportJob.objects.get()
    assert response["Location"] == f"/api/v1/reports/{job.pk}/"
    body = response.json()
    assert body["id"] == str(job.pk)
    assert body["url"] == response["Location"]
    assert body["status"] == "queued"
    assert body["progress"] == 0
    assert body["kind"] == "programme"
    # The request's language is stored with the job.
    assert body["params"] == {"programme_id": programme.pk, "as_of_date": "2023-12-31", "language": "en"}
    assert programme.name in body["title"]
    assert body["requested_by"] == officer.username
    assert body["output"] is None
    # The render is handed to the broker after commit, not run in the request.
    assert len(callbacks) == 1
    assert job.status == ReportJobStatus.QUEUED and job.started_at is None


def test_location_answers_with_the_job(api, officer, programme, django_capture_on_commit_callbacks):
    response, _ = _post(
        api,
        officer,
        {"kind": "programme", "params": {"programme_id": programme.pk}},
        django_capture_on_commit_callbacks,
    )
    follow = api.get(response["Location"])
    assert follow.status_code == 200
    assert follow.json()["id"] == response.json()["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "balance_sheet", "params": {}}, "kind"),
        ({"params": {}}, "kind"),
        ({"kind": "programme", "params": {}}, "programme_id"),
        ({"kind": "programme", "params": {"programme_id": "abc"}}, "programme_id"),
        ({"kind": "programme", "params": {"programme_id": 987654}}, "programme_id"),
        ({"kind": "programme", "params": {"programme_id": 10**30}}, "programme_id"),
        ({"kind": "programme", "params": {"programme_id": "{programme}", "colour": "red"}}, "colour"),
        ({"kind": "programme", "params": "programme 1"}, "params"),
        ({"kind": "instrument", "params": {"instrument_id": 0}}, "instrument_id"),
        ({"kind": "audit_trail", "params": {"date_from": "2024-02-30", "date_to": "2024-03-01"}}, "date_from"),
        ({"kind": "audit_trail", "params": {"date_from": "2024-03-01", "date_to": "2024-01-01"}}, "date_to"),
    ],
)
def test_bad_kind_or_params_is_400_naming_the_field(api, officer, programme, body, field):
    if isinstance(body.get("params"), dict) and body["params"].get("programme_id") == "{programme}":
        body = {**body, "params": {**body["params"], "programme_id": programme.pk}}  # a real programme
    response = _post(api, officer, body)
    assert response.status_code == 400, response.content
    error = _error(response)
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert ReportJob.objects.count() == 0


def test_malformed_json_is_400_in_the_error_shape(api, officer):
    api.force_authenticate(officer)
    response = api.post(API, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert _error(response)["code"] == "parse_error"


def test_evaluator_may_not_request_or_list(api, evaluator, programme):
    response = _post(api, evaluator, {"kind": "programme", "params": {"programme_id": programme.pk}})
    assert response.status_code == 403
    assert _error(response)["code"] == "permission_denied"
    assert api.get(API).status_code == 403
    assert ReportJob.objects.count() == 0


def test_anonymous_is_refused(api, programme):
    response = api.post(API, {"kind": "programme", "params": {"programme_id": programme.pk}}, format="json")
    assert response.status_code in (401, 403)
    _error(response)
    assert api.get(API).status_code in (401, 403)


def test_applicant_requests_its_own_project_statement(api, applicant, own_project, django_capture_on_commit_callbacks):
    response, callbacks = _post(
        api,
        applicant,
        {"kind": "project", "params": {"project_id": own_project.pk}},
        django_capture_on_commit_callbacks,
    )
    assert response.status_code == 202, response.content
    assert own_project.code in response.json()["title"]
    assert len(callbacks) == 1


@pytest.mark.parametrize("kind", ["project", "programme"])
def test_applicant_may_not_request_other_reports(api, applicant, other_project, programme, kind):
    params = {"project_id": other_project.pk} if kind == "project" else {"programme_id": programme.pk}
    response = _post(api, applicant, {"kind": kind, "params": params})
    assert response.status_code == 403
    _error(response)
    assert ReportJob.objects.count() == 0


# --------------------------------------------------------------------------- reading


def test_job_shows_progress_then_the_file(api, officer, programme, django_capture_on_commit_callbacks):
    job = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind="programme", params={"programme_id": programme.pk}
    )
    api.force_authenticate(officer)
    mark_running(job, 40)
    body = api.get(f"{API}{job.pk}/").json()
    assert (body["status"], body["progress"], body["output"]) == ("running", 40, None)

    job, content = attach_file(job)
    body = api.get(f"{API}{job.pk}/").json()
    assert body["status"] == "succeeded"
    assert body["progress"] == 100
    assert body["finished_at"]
    assert body["output"] == {
        "filename": "fondas-test-report.pdf",
        "sha256": hashlib.sha256(content).hexdigest(),
        "page_count": 2,
        "byte_size": len(content),
        "data_as_of": "2024-06-30T15:00:00+03:00",
        "download_url": f"/api/v1/reports/{job.pk}/download/",
    }


def test_failed_job_shows_its_error(api, officer, programme, django_capture_on_commit_callbacks):
    job = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind="programme", params={"programme_id": programme.pk}
    )
    mark_failed(job, "The report took longer than 900 s to render and was stopped.")
    api.force_authenticate(officer)
    body = api.get(f"{API}{job.pk}/").json()
    assert body["status"] == "failed"
    assert body["error"].startswith("The report took longer")
    assert body["attempts"] == 1


def test_unknown_or_malformed_id_is_404(api, officer):
    api.force_authenticate(officer)
    for path in (f"{API}{uuid.uuid4()}/", f"{API}not-a-uuid/", f"{API}{uuid.uuid4()}/download/"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert _error(response)["code"] == "not_found"


def test_another_organisations_job_is_404(
    api, applicant, other_applicant, other_project, officer, programme, django_capture_on_commit_callbacks
):
    theirs = request_job(
        django_capture_on_commit_callbacks,
        actor=other_applicant,
        kind="project",
        params={"project_id": other_project.pk},
    )
    attach_file(theirs)
    mark_failed(
        request_job(
            django_capture_on_commit_callbacks,
            actor=other_applicant,
            kind="project",
            params={"project_id": other_project.pk},
        )
    )
    officers = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind="programme", params={"programme_id": programme.pk}
    )
    api.force_authenticate(applicant)
    for job in (theirs, officers):
        assert api.get(f"{API}{job.pk}/").status_code == 404
        assert api.get(f"{API}{job.pk}/download/").status_code == 404
        response = api.post(f"{API}{job.pk}/retry/")
        assert response.status_code == 404
        _error(response)
    assert api.get(API).json()["count"] == 0


def test_evaluator_cannot_read_a_job(api, evaluator, officer, programme, django_capture_on_commit_callbacks):
    job = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind="programme", params={"programme_id": programme.pk}
    )
    attach_file(job)
    api.force_authenticate(evaluator)
    assert api.get(f"{API}{job.pk}/").status_code in (403, 404)
    assert api.get(f"{API}{job.pk}/download/").status_code in (403, 404)


# --------------------------------------------------------------------------- downloading


def _streamed(response) -> bytes:
    assert response.streaming, "the PDF is streamed from storage, not loaded into memory"
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("role_fixture", ["officer", "auditor", "requester"])
def test_download_streams_the_stored_bytes_with_their_sha256(
    request, api, applicant, own_project, role_fixture, django_capture_on_commit_callbacks
):
    job = request_job(
        django_capture_on_commit_callbacks, actor=applicant, kind="project", params={"project_id": own_project.pk}
    )
    job, content = attach_file(job, small_pdf(pages=3), filename="fondas-project-statement-prj-own.pdf")
    user = applicant if role_fixture == "requester" else request.getfixturevalue(role_fixture)
    api.force_authenticate(user)

    response = api.get(f"{API}{job.pk}/download/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="fondas-project-statement-prj-own.pdf"'
    body = _streamed(response)
    assert body == content
    digest = hashlib.sha256(body).digest()
    assert response["X-Content-SHA256"] == digest.hex() == job.output.sha256
    assert response["Repr-Digest"] == f"sha-256=:{base64.b64encode(digest).decode()}:"
    assert response["Digest"] == f"sha-256={base64.b64encode(digest).decode()}"
    assert int(response["Content-Length"]) == len(content)


def test_download_header_tells_when_stored_bytes_changed(api, officer, programme, django_capture_on_commit_callbacks):
    """The header carries the SHA-256 recorded at render time, so a receiver can
    detect a file altered in storage afterwards."""
    job = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind="programme", params={"programme_id": programme.pk}
    )
    job, content = attach_file(job)
    with job.output.file.storage.open(job.output.file.name, "wb") as handle:
        handle.write(content + b"%tampered")
    api.force_authenticate(officer)
    response = api.get(f"{API}{job.pk}/download/")
    assert hashlib.sha256(_streamed(response)).hexdigest() != response["X-Content-SHA256"]


@pytest.mark.parametrize("state", ["queued", "running", "failed"])
def test_download_is_409_until_the_job_succeeded(api, officer, programme, state, django_capture_on_commit_callbacks):
    job = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind="programme", params={"programme_id": programme.pk}
    )
    if state == "running":
        mark_running(job, 55)
    elif state == "failed":
        mark_failed(job)
    api.force_authenticate(officer)
    # A client that asks for the PDF still gets the JSON error body.
    response = api.get(f"{API}{job.pk}/download/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/json"
    error = _error(response)
    assert error["code"] == "report_not_ready"
    assert {"queued": "queued", "running": "being rendered", "failed": "retry"}[state] in error["message"]


def test_download_of_a_file_missing_from_storage_is_410(api, officer, programme, django_capture_on_commit_callbacks):
    job = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind="programme", params={"programme_id": programme.pk}
    )
    job, _ = attach_file(job)
    job.output.file.storage.delete(job.output.file.name)
    api.force_authenticate(officer)
    response = api.get(f"{API}{job.pk}/download/")
    assert response.status_code == 410
    assert _error(response)["code"] == "report_file_missing"


# --------------------------------------------------------------------------- retry


def test_retry_queues_a_failed_job_again(api, officer, programme, django_capture_on_commit_callbacks):
    job = mark_failed(
        request_job(
            django_capture_on_commit_callbacks, actor=officer, kind="programme", params={"programme_id": programme.pk}
        )
    )
    api.force_authenticate(officer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(f"{API}{job.pk}/retry/")
    assert response.status_code == 202, response.content
    assert response["Location"] == f"/api/v1/reports/{job.pk}/"
    assert response.json()["status"] == "queued"
    assert response.json()["error"] == ""
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == ReportJobStatus.QUEUED


def test_requester_may_retry_its_failed_statement(api, applicant, own_project, django_capture_on_commit_callbacks):
    job = mark_failed(
        request_job(
            django_capture_on_commit_callbacks, actor=applicant, kind="project", params={"project_id": own_project.pk}
        )
    )
    api.force_authenticate(applicant)
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(f"{API}{job.pk}/retry/")
    assert response.status_code == 202


def test_retry_of_a_job_that_has_not_failed_is_refused(api, officer, programme, django_capture_on_commit_callbacks):
    job = request_job(
        django_capture_on_commit_callbacks, actor=officer, kind="programme", params={"programme_id": programme.pk}
    )
    api.force_authenticate(officer)
    response = api.post(f"{API}{job.pk}/retry/")
    assert response.status_code == 400
    assert "status" in _error(response)["fields"]
    job.refresh_from_db()
    assert job.status == ReportJobStatus.QUEUED


# --------------------------------------------------------------------------- list


@pytest.fixture
def history(officer, auditor, programme, instrument, own_project, applicant, django_capture_on_commit_callbacks):
    """Six jobs of different kinds and states, oldest first."""
    capture = django_capture_on_commit_callbacks
    jobs = [
        request_job(capture, actor=officer, kind="programme", params={"programme_id": programme.pk}),
        request_job(capture, actor=officer, kind="instrument", params={"instrument_id": instrument.pk}),
        request_job(
            capture, actor=auditor, kind="audit_trail", params={"date_from": "2020-01-01", "date_to": "2020-12-31"}
        ),
        request_job(capture, actor=applicant, kind="project", params={"project_id": own_project.pk}),
        request_job(capture, actor=officer, kind="programme", params={"programme_id": programme.pk}),
        request_job(capture, actor=officer, kind="programme", params={"programme_id": programme.pk}),
    ]
    attach_file(jobs[0])
    mark_failed(jobs[1])
    mark_running(jobs[4], 30)
    return jobs


def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_is_newest_first(api, officer, history):
    api.force_authenticate(officer)
    response = api.get(API)
    assert response.json()["count"] == 6
    assert _ids(response) == [str(job.pk) for job in reversed(history)]


def test_list_filters_by_kind_and_status(api, auditor, history):
    api.force_authenticate(auditor)
    assert _ids(api.get(API, {"kind": "programme"})) == [str(history[5].pk), str(history[4].pk), str(history[0].pk)]
    assert _ids(api.get(API, {"status": "failed"})) == [str(history[1].pk)]
    assert _ids(api.get(API, {"kind": "programme", "status": "succeeded"})) == [str(history[0].pk)]
    assert _ids(api.get(API, {"kind": "audit_trail", "status": "running"})) == []
    succeeded = api.get(API, {"status": "succeeded"}).json()["results"][0]
    assert succeeded["output"]["download_url"].endswith("/download/")


def test_list_rejects_unknown_filter_values(api, officer, history):
    api.force_authenticate(officer)
    response = api.get(API, {"status": "lost"})
    assert response.status_code == 400
    assert "status" in _error(response)["fields"]


def test_list_is_paginated(api, officer, history):
    api.force_authenticate(officer)
    first = api.get(API, {"page_size": 4}).json()
    assert first["count"] == 6 and len(first["results"]) == 4 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    assert {r["id"] for r in first["results"]} | {r["id"] for r in second["results"]} == {str(j.pk) for j in history}


def test_applicant_lists_only_its_organisations_statements(api, applicant, history):
    api.force_authenticate(applicant)
    assert _ids(api.get(API)) == [str(history[3].pk)]


def test_list_costs_a_fixed_number_of_queries(api, officer, programme, django_capture_on_commit_callbacks):
    def queries() -> int:
        api.force_authenticate(officer)
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(API).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        attach_file(
            request_job(
                django_capture_on_commit_callbacks,
                actor=officer,
                kind="programme",
                params={"programme_id": programme.pk},
            )
        )
    few = queries()
    # Jobs about twelve different subjects: titles are stored, not looked up per row.
    for project in [make_project(programme.instruments.first()) for _ in range(12)]:
        attach_file(
            request_job(
                django_capture_on_commit_callbacks,
                actor=officer,
                kind="project",
                params={"project_id": project.pk},
            )
        )
    assert queries() == few


# --------------------------------------------------------------------------- schema


def test_schema_documents_the_202_and_the_409(api, officer):
    api.force_authenticate(officer)
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    create = paths["/api/v1/reports/"]["post"]
    assert "202" in create["responses"] and "201" not in create["responses"]
    assert "Location" in create["responses"]["202"]["headers"]
    assert "400" in create["responses"]
    download = paths["/api/v1/reports/{id}/download/"]["get"]
    assert "application/pdf" in download["responses"]["200"]["content"]
    assert "X-Content-SHA256" in download["responses"]["200"]["headers"]
    assert "409" in download["responses"]
    assert "202" in paths["/api/v1/reports/{id}/retry/"]["post"]["responses"]
    list_params = {p["name"] for p in paths["/api/v1/reports/"]["get"]["parameters"]}
    assert {"kind", "status", "page", "page_size"} <= list_params
