"""The report pages: the list with its progress bars, download links and Retry
buttons; the request form, which keeps the submitted data and shows a service's
error next to its field; CSRF on every POST; the download's rules. Broker
hand-offs are captured with django_capture_on_commit_callbacks(execute=False)."""

import hashlib
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, AuditEventType, Role
from reports.models import ReportJob, ReportJobStatus
from tests.factories import OrganisationFactory, UserFactory, make_project
from tests.reports.report_jobs import attach_file, mark_failed, mark_running, request_job

pytestmark = pytest.mark.django_db

LIST = "/reports/"
NEW = "/reports/new/"


@pytest.fixture(autouse=True)
def english(client, settings):
    """The pages in English (the language cookie the switcher sets), as these
    tests read them; test_i18n.py checks the Lithuanian ones."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _row(html: str, job: ReportJob) -> str:
    match = re.search(rf'<tr id="job-{job.pk}".*?</tr>', html, re.S)
    assert match, f"row of job {job.pk} not on the page"
    return match.group(0)


def _field(html: str, name: str) -> str:
    match = re.search(rf'<div class="field[^"]*"[^>]*id="field-{name}">.*?</div>', html, re.S)
    assert match, f"field {name} not on the page"
    return match.group(0)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.OFFICER, 200),
        (Role.AUDITOR, 200),
        (Role.APPLICANT, 200),
        (Role.EVALUATOR, 403),
        (Role.ADMINISTRATOR, 403),
    ],
)
def test_named_pages_answer_each_role(client, organisation, role, expected):
    """The list and the form, reached by their URL names, answer each role as
    the role policy says."""
    applicant = role == Role.APPLICANT
    client.force_login(UserFactory(role=role, organisation=organisation) if applicant else UserFactory(role=role))
    for name, heading in (("reports:job-list", "<h1"), ("reports:job-create", "Request a report")):
        response = client.get(reverse(name))
        assert response.status_code == expected, name
        if expected == 200:
            assert heading in response.content.decode()


def test_named_job_urls_download_and_retry_the_job(client, auditor, jobs, django_capture_on_commit_callbacks):
    client.force_login(auditor)
    download = client.get(reverse("reports:job-download", kwargs={"job_id": jobs["succeeded"].pk}))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == jobs["content"]
    with django_capture_on_commit_callbacks(execute=False):
        retried = client.post(reverse("reports:job-retry", kwargs={"job_id": jobs["failed"].pk}))
    assert (retried.status_code, retried["Location"]) == (302, reverse("reports:job-list"))
    jobs["failed"].refresh_from_db()
    assert jobs["failed"].status == ReportJobStatus.QUEUED
    unknown = reverse("reports:job-download", kwargs={"job_id": "0" * 8 + "-0000-0000-0000-" + "0" * 12})
    assert client.get(unknown).status_code == 404


def test_pages_need_a_login(client):
    for path in (LIST, NEW):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_evaluator_has_no_report_pages(client):
    client.force_login(UserFactory(role=Role.EVALUATOR))
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403


# --------------------------------------------------------------------------- list


@pytest.fixture
def jobs(officer, programme, instrument, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    queued = request_job(capture, actor=officer, kind="programme", params={"programme_id": programme.pk})
    running = mark_running(
        request_job(capture, actor=officer, kind="instrument", params={"instrument_id": instrument.pk}), 40
    )
    failed = mark_failed(
        request_job(capture, actor=officer, kind="programme", params={"programme_id": programme.pk}),
        "The report took longer than 900 s to render and was stopped.",
    )
    succeeded, content = attach_file(
        request_job(capture, actor=officer, kind="programme", params={"programme_id": programme.pk})
    )
    return {"queued": queued, "running": running, "failed": failed, "succeeded": succeeded, "content": content}


def test_list_shows_state_progress_and_files(client, auditor, jobs, programme):
    client.force_login(auditor)
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()

    queued = _row(html, jobs["queued"])
    assert 'data-job-status="queued"' in queued
    assert f'data-job-api="/api/v1/reports/{jobs["queued"].pk}/"' in queued
    assert 'role="progressbar"' in queued and 'aria-valuenow="0"' in queued
    assert "Programme implementation report" in queued and programme.name in queued
    assert jobs["queued"].requested_by.username in queued

    running = _row(html, jobs["running"])
    assert 'aria-valuenow="40"' in running and "width: 40%" in running and "40 %" in running

    failed = _row(html, jobs["failed"])
    assert "The report took longer than 900 s" in failed
    assert (
        f'action="/reports/{jobs["failed"].pk}/retry/"' in failed and '>Retry<span class="visually-hidden">' in failed
    )
    assert "csrfmiddlewaretoken" in failed
    assert "progressbar" not in failed

    succeeded = _row(html, jobs["succeeded"])
    output = jobs["succeeded"].output
    assert f'href="/reports/{jobs["succeeded"].pk}/download/"' in succeeded
    assert "2 pages" in succeeded
    assert output.sha256[:16] in succeeded and output.sha256 in succeeded  # prefix shown, full in the title
    assert f"{len(jobs['content'])}" in succeeded or "KB" in succeeded or "bytes" in succeeded
    assert "Retry" not in succeeded

    # Without scripts the page still offers a refresh; with them jobs.js polls.
    assert 'id="report-jobs-refresh"' in html and ">Refresh</a>" in html
    assert "reports/jobs.js" in html


def test_list_keeps_the_whole_history_newest_first(client, officer, jobs):
    client.force_login(officer)
    html = client.get(LIST).content.decode()
    order = [html.index(f'id="job-{jobs[state].pk}"') for state in ("succeeded", "failed", "running", "queued")]
    assert order == sorted(order)


def test_list_without_pending_jobs_has_no_refresh_hint(client, officer, programme, django_capture_on_commit_callbacks):
    attach_file(
        request_job(
            django_capture_on_commit_callbacks, actor=officer, kind="programme", params={"programme_id": programme.pk}
        )
    )
    client.force_login(officer)
    html = client.get(LIST).content.decode()
    assert "report-jobs-refresh" not in html


def test_applicant_sees_only_its_organisations_statements(
    client, applicant, own_project, jobs, django_capture_on_commit_callbacks
):
    mine = request_job(
        django_capture_on_commit_callbacks, actor=applicant, kind="project", params={"project_id": own_project.pk}
    )
    client.force_login(applicant)
    html = client.get(LIST).content.decode()
    assert f'id="job-{mine.pk}"' in html
    assert html.count('<tr id="job-') == 1


def test_list_page_costs_a_fixed_number_of_queries(client, officer, programme, django_capture_on_commit_callbacks):
    def queries() -> int:
        client.force_login(officer)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(LIST).status_code == 200
        return len(ctx.captured_queries)

    def add(n):
        for _ in range(n):
            attach_file(
                request_job(
                    django_capture_on_commit_callbacks,
                    actor=officer,
                    kind="programme",
                    params={"programme_id": programme.pk},
                )
            )

    add(2)
    few = queries()
    add(10)
    assert queries() == few


# --------------------------------------------------------------------------- form


def test_form_offers_what_the_user_may_see(client, officer, applicant, programme, own_project, other_project):
    client.force_login(officer)
    html = client.get(NEW).content.decode()
    for kind in ("programme", "instrument", "project", "audit_trail"):
        assert f'<option value="{kind}"' in html
    assert programme.code in html and "PRJ-OWN" in html and "PRJ-OTHER" in html

    client.force_login(applicant)
    html = client.get(NEW).content.decode()
    assert '<option value="project"' in html
    assert '<option value="programme"' not in html and 'name="programme_id"' not in html
    assert 'name="date_from"' not in html
    assert "PRJ-OWN" in html and "PRJ-OTHER" not in html


def test_form_dates_are_typed_as_iso_dates(client, officer, programme):
    """Not the browser's mm/dd/yyyy date picker: text fields asking for YYYY-MM-DD."""
    client.force_login(officer)
    html = client.get(NEW).content.decode()
    for name in ("as_of_date", "period_start", "period_end", "date_from", "date_to"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'type="text"' in tag and 'placeholder="YYYY-MM-DD"' in tag, tag
        assert f'aria-describedby="id_{name}-help"' in tag and f'id="id_{name}-help"' in html
    response = client.post(NEW, {"kind": "programme", "programme_id": programme.pk, "as_of_date": "31/12/2021"})
    tag = re.search(r'<input[^>]*name="as_of_date"[^>]*>', response.content.decode()).group(0)
    assert 'aria-invalid="true"' in tag and "id_as_of_date-error-1" in tag
    assert 'id="id_as_of_date-error-1"' in response.content.decode()
    assert 'href="#id_as_of_date"' in response.content.decode()  # the error summary links to the field
    assert "Enter a date as YYYY-MM-DD." in _field(response.content.decode(), "as_of_date")


def test_form_ignores_a_bad_date_in_a_field_the_kind_does_not_use(
    client, officer, programme, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    data = {"kind": "programme", "programme_id": programme.pk, "date_from": "not a date"}
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(NEW, data)
    assert response.status_code == 302
    today = timezone.localdate().isoformat()
    assert ReportJob.objects.get().params == {"programme_id": programme.pk, "as_of_date": today, "language": "en"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "audit_trail", "date_from": "2021-01-01", "date_to": "9999-12-31"}, "date_to", "in the future"),
        ({"kind": "programme", "period_start": "2021-01-01", "period_end": "2999-01-01"}, "period_end", "future"),
        ({"kind": "programme", "as_of_date": "1999-12-31"}, "as_of_date", "before 2000-01-01"),
        ({"kind": "programme", "period_start": "2001-01-01", "period_end": "2020-01-01"}, "period_end", "15 years"),
    ],
)
def test_form_refuses_bad_dates_by_their_field(client, officer, programme, data, field, message):
    client.force_login(officer)
    if data["kind"] == "programme":
        data = {**data, "programme_id": programme.pk}
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert message in _field(response.content.decode(), field)
    assert not ReportJob.objects.exists()


def test_form_request_redirects_to_the_list_with_a_message(
    client, officer, programme, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(NEW, {"kind": "programme", "programme_id": programme.pk, "as_of_date": "2023-12-31"})
    assert response.status_code == 302
    assert response["Location"] == LIST
    job = ReportJob.objects.get()
    assert job.params == {"programme_id": programme.pk, "as_of_date": "2023-12-31", "language": "en"}
    assert job.requested_by == officer and job.status == ReportJobStatus.QUEUED
    assert len(callbacks) == 1
    html = client.get(LIST).content.decode()
    assert "requested" in html and 'class="messages"' in html
    assert f'id="job-{job.pk}"' in html


def test_form_sends_only_the_chosen_kinds_parameters(
    client, officer, programme, instrument, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            NEW,
            {
                "kind": "audit_trail",
                "programme_id": programme.pk,
                "instrument_id": instrument.pk,
                "date_from": "2020-01-01",
                "date_to": "2020-06-30",
            },
        )
    assert response.status_code == 302
    assert ReportJob.objects.get().params == {"date_from": "2020-01-01", "date_to": "2020-06-30", "language": "en"}


def test_service_error_is_shown_by_its_field_with_the_data_kept(client, officer, programme):
    client.force_login(officer)
    response = client.post(NEW, {"kind": "programme", "programme_id": programme.pk, "period_start": "2021-01-01"})
    assert response.status_code == 200
    html = response.content.decode()
    period_end = _field(html, "period_end")
    assert "has-error" in period_end and "The period needs an end date." in period_end
    assert "The period needs an end date." not in _field(html, "period_start")
    assert 'value="2021-01-01"' in _field(html, "period_start")
    assert re.search(rf'<option value="{programme.pk}" selected>', _field(html, "programme_id"))
    assert re.search(r'<option value="programme" selected>', html)
    assert ReportJob.objects.count() == 0


def test_missing_programme_is_shown_by_the_programme_field(client, officer, programme):
    client.force_login(officer)
    html = client.post(NEW, {"kind": "programme"}).content.decode()
    assert "required" in _field(html, "programme_id")
    assert ReportJob.objects.count() == 0


def test_applicant_cannot_pick_another_organisations_project(client, applicant, other_project):
    client.force_login(applicant)
    response = client.post(NEW, {"kind": "project", "project_id": other_project.pk})
    assert response.status_code == 200
    assert "has-error" in _field(response.content.decode(), "project_id")
    assert ReportJob.objects.count() == 0


def test_applicant_partner_project_is_refused_by_the_field(client, applicant, organisation, instrument):
    """A partner sees the project but only the beneficiary may ask for its
    statement: the service's refusal is shown on the project field."""
    project = make_project(instrument, beneficiary=OrganisationFactory(), code="PRJ-PARTNER")
    project.partners.add(organisation)
    client.force_login(applicant)
    response = client.post(NEW, {"kind": "project", "project_id": project.pk})
    assert response.status_code == 200
    field = _field(response.content.decode(), "project_id")
    assert "your organisation&#x27;s projects only" in field
    assert ReportJob.objects.count() == 0


def test_a_link_pre_fills_the_form_with_its_kind_and_subject(client, applicant, own_project):
    """The project page links to '/reports/new/?kind=project&project_id=<id>'."""
    client.force_login(applicant)
    html = client.get(NEW, {"kind": "project", "project_id": own_project.pk}).content.decode()
    assert re.search(r'<option value="project" selected>', html)
    assert re.search(rf'<option value="{own_project.pk}" selected>', _field(html, "project_id"))
    assert ReportJob.objects.count() == 0


def test_a_link_pre_fills_any_kind_the_user_may_ask_for(client, officer, instrument):
    client.force_login(officer)
    html = client.get(NEW, {"kind": "instrument", "instrument_id": instrument.pk}).content.decode()
    assert re.search(r'<option value="instrument" selected>', html)
    assert re.search(rf'<option value="{instrument.pk}" selected>', _field(html, "instrument_id"))


# --------------------------------------------------------------------------- CSRF


def test_request_without_csrf_token_is_refused(officer, programme, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post(NEW, {"kind": "programme", "programme_id": programme.pk})
    assert response.status_code == 403
    assert ReportJob.objects.count() == 0

    # The same request with the form's token goes through.
    html = client.get(NEW).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(NEW, {"kind": "programme", "programme_id": programme.pk, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert ReportJob.objects.count() == 1


def test_retry_without_csrf_token_is_refused(officer, jobs):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    assert client.post(f"/reports/{jobs['failed'].pk}/retry/").status_code == 403
    jobs["failed"].refresh_from_db()
    assert jobs["failed"].status == ReportJobStatus.FAILED


def test_api_post_with_session_needs_the_csrf_token(officer, programme):
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post(
        "/api/v1/reports/",
        {"kind": "programme", "params": {"programme_id": programme.pk}},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


# --------------------------------------------------------------------------- retry and download


def test_retry_button_queues_the_job_again(client, officer, jobs, django_capture_on_commit_callbacks):
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/reports/{jobs['failed'].pk}/retry/")
    assert response.status_code == 302 and response["Location"] == LIST
    assert len(callbacks) == 1
    jobs["failed"].refresh_from_db()
    assert jobs["failed"].status == ReportJobStatus.QUEUED and jobs["failed"].error == ""


def test_retry_of_a_job_that_has_not_failed_shows_a_message(client, officer, jobs):
    client.force_login(officer)
    response = client.post(f"/reports/{jobs['succeeded'].pk}/retry/", follow=True)
    assert response.status_code == 200
    assert re.search(r"<li class=\"error\">[^<]*retried", response.content.decode())
    jobs["succeeded"].refresh_from_db()
    assert jobs["succeeded"].status == ReportJobStatus.SUCCEEDED


def test_download_page_gives_the_pdf(client, auditor, jobs):
    client.force_login(auditor)
    response = client.get(f"/reports/{jobs['succeeded'].pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="fondas-test-report.pdf"'
    body = b"".join(response.streaming_content)
    assert body == jobs["content"]
    assert response["X-Content-SHA256"] == hashlib.sha256(body).hexdigest()
    (event,) = AuditEvent.objects.filter(event_type=AuditEventType.DOWNLOADED)
    job_id = str(jobs["succeeded"].pk)
    assert (event.actor, event.object_type, event.object_id) == (auditor, "reports.reportjob", job_id)
    assert event.new_values["filename"] == "fondas-test-report.pdf"


def test_every_download_is_audited_and_a_refused_one_is_not(client, auditor, jobs):
    client.force_login(auditor)
    for _ in range(2):
        b"".join(client.get(reverse("reports:job-download", kwargs={"job_id": jobs["succeeded"].pk})).streaming_content)
    assert client.get(reverse("reports:job-download", kwargs={"job_id": jobs["running"].pk})).status_code == 409
    events = AuditEvent.objects.filter(event_type=AuditEventType.DOWNLOADED).order_by("occurred_at")
    assert [(e.actor_id, e.object_id) for e in events] == [(auditor.pk, str(jobs["succeeded"].pk))] * 2


@pytest.mark.parametrize("state", ["queued", "running", "failed"])
def test_download_page_is_409_until_the_job_succeeded(client, officer, jobs, state):
    client.force_login(officer)
    response = client.get(f"/reports/{jobs[state].pk}/download/")
    assert response.status_code == 409
    assert "text/html" in response["Content-Type"]
    assert "Back to the reports" in response.content.decode()


def test_download_page_of_another_organisations_job_is_404(
    client, applicant, other_project, django_capture_on_commit_callbacks
):
    other = UserFactory(role=Role.APPLICANT, organisation=other_project.beneficiary)
    job, _ = attach_file(
        request_job(
            django_capture_on_commit_callbacks, actor=other, kind="project", params={"project_id": other_project.pk}
        )
    )
    client.force_login(applicant)
    assert client.get(f"/reports/{job.pk}/download/").status_code == 404
    client.force_login(other)
    assert client.get(f"/reports/{job.pk}/download/").status_code == 200


def test_many_projects_are_picked_by_code(
    client, officer, own_project, other_project, monkeypatch, django_capture_on_commit_callbacks
):
    """A portfolio too large for a drop-down: the project is typed by its code."""
    monkeypatch.setattr("reports.kinds.params.PROJECT_SELECT_LIMIT", 1)
    client.force_login(officer)
    html = client.get(NEW).content.decode()
    assert re.search(r'<input type="text" name="project_id"', _field(html, "project_id"))
    assert "PRJ-OTHER" not in html  # no list of every project on the page

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(NEW, {"kind": "project", "project_id": "PRJ-OTHER"})
    assert response.status_code == 302
    assert ReportJob.objects.get().params == {"project_id": other_project.pk, "language": "en"}

    response = client.post(NEW, {"kind": "project", "project_id": "PRJ-NOWHERE"})
    assert "has-error" in _field(response.content.decode(), "project_id")


def test_form_chooses_the_only_programme(client, officer, programme):
    client.force_login(officer)
    html = client.get(NEW).content.decode()
    assert f'<option value="{programme.pk}" selected>' in html
