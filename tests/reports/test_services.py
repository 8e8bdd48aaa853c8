"""reports.services and reports.selectors: who may request what, the job's
status table, dispatch after commit, a request while the broker is down, the
sweeper, and who sees which job. Messages go to a private filesystem broker
(or to a closed port, for the broker-down cases), never to the machine's queue."""

import io
import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.http import Http404
from django.utils import timezone, translation

from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType, Role
from reports import conf
from reports.models import ReportFile, ReportJob, ReportJobStatus, ReportKind
from reports.selectors import report_job_get_for, report_jobs_visible_to
from reports.services import jobs, steps, sweeper
from tests.factories import ProgrammeFactory, UserFactory
from tests.integration.broker import filesystem_options, published, use_broker

pytestmark = pytest.mark.django_db

RENDER_TASK = "reports.tasks.report_job_render"
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker(tmp_path):
    """A private filesystem broker: published messages land in this folder."""
    folder = tmp_path / "broker"
    with use_broker("filesystem://", transport_options=filesystem_options(folder)):
        yield folder


@pytest.fixture
def broker_down():
    with use_broker(CLOSED_PORT_BROKER):
        yield


def _events(job, event_type):
    return AuditEvent.objects.filter(object_type="reports.reportjob", object_id=str(job.pk), event_type=event_type)


def _job(*, status=ReportJobStatus.QUEUED, requested_by, kind=ReportKind.PROGRAMME, params=None, **fields):
    params = params if params is not None else {"programme_id": ProgrammeFactory().pk, "as_of_date": "2024-01-01"}
    return ReportJob.objects.create(kind=kind, params=params, status=status, requested_by=requested_by, **fields)


# --------------------------------------------------------------------------- who may request


@pytest.mark.parametrize("role", [Role.OFFICER, Role.AUDITOR])
def test_officers_and_auditors_may_request_every_report(role, broker, other_project):
    user = UserFactory(role=role)
    programme = ProgrammeFactory()
    for kind, params in [
        (ReportKind.PROGRAMME, {"programme_id": programme.pk}),
        (ReportKind.INSTRUMENT, {"instrument_id": other_project.instrument_id}),
        (ReportKind.PROJECT, {"project_id": other_project.pk}),
        (ReportKind.AUDIT_TRAIL, {"date_from": "2024-01-01", "date_to": "2024-12-31"}),
    ]:
        job = jobs.report_job_request(actor=user, kind=kind, params=params)
        assert job.status == ReportJobStatus.QUEUED
        assert job.requested_by == user
    assert ReportJob.objects.count() == 4


def test_applicant_may_request_its_own_projects_statement(applicant, own_project, broker):
    translation.deactivate()  # outside a request no language is active: Lithuanian, the default
    job = jobs.report_job_request(actor=applicant, kind=ReportKind.PROJECT, params={"project_id": own_project.pk})
    assert job.params == {"project_id": own_project.pk, "language": "lt"}


@pytest.mark.parametrize("project_id", ["other", "missing", "as_text"])
def test_applicant_may_not_request_other_projects(applicant, other_project, project_id, broker):
    value = {"other": other_project.pk, "missing": other_project.pk + 1000, "as_text": str(other_project.pk)}[
        project_id
    ]
    with pytest.raises(PermissionDenied):
        jobs.report_job_request(actor=applicant, kind=ReportKind.PROJECT, params={"project_id": value})
    assert not ReportJob.objects.exists()


@pytest.mark.parametrize("kind", [ReportKind.PROGRAMME, ReportKind.INSTRUMENT, ReportKind.AUDIT_TRAIL])
def test_applicant_may_not_request_other_kinds(applicant, kind, broker):
    with pytest.raises(PermissionDenied):
        jobs.report_job_request(actor=applicant, kind=kind, params={"programme_id": ProgrammeFactory().pk})


@pytest.mark.parametrize("role", [Role.EVALUATOR, Role.ADMINISTRATOR])
def test_other_roles_may_not_request(role, own_project, broker):
    user = UserFactory(role=role)
    with pytest.raises(PermissionDenied):
        jobs.report_job_request(actor=user, kind=ReportKind.PROJECT, params={"project_id": own_project.pk})


def test_applicant_without_organisation_may_not_request(own_project, broker):
    user = UserFactory(role=Role.APPLICANT)
    with pytest.raises(PermissionDenied):
        jobs.report_job_request(actor=user, kind=ReportKind.PROJECT, params={"project_id": own_project.pk})


def test_inactive_officer_may_not_request(broker):
    user = UserFactory(role=Role.OFFICER, is_active=False)
    with pytest.raises(PermissionDenied):
        jobs.report_job_request(actor=user, kind=ReportKind.PROGRAMME, params={"programme_id": 1})


def test_invalid_params_are_refused_with_the_field(officer, broker):
    with pytest.raises(ApplicationError) as error:
        jobs.report_job_request(actor=officer, kind=ReportKind.PROGRAMME, params={"programme_id": 999999})
    assert error.value.field == "programme_id"
    with pytest.raises(ApplicationError):
        jobs.report_job_request(actor=officer, kind="balance_sheet", params={})
    assert not ReportJob.objects.exists()


def test_applicant_missing_project_id_gets_a_validation_error(applicant, broker):
    with pytest.raises(ApplicationError) as error:
        jobs.report_job_request(actor=applicant, kind=ReportKind.PROJECT, params={})
    assert error.value.field == "project_id"


# --------------------------------------------------------------------------- request, dispatch


def test_request_queues_audits_and_enqueues_only_after_commit(officer, broker, django_capture_on_commit_callbacks):
    programme = ProgrammeFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.report_job_request(actor=officer, kind=ReportKind.PROGRAMME, params={"programme_id": programme.pk})
    assert job.status == ReportJobStatus.QUEUED
    assert job.params["programme_id"] == programme.pk and "as_of_date" in job.params  # normalised
    assert _events(job, AuditEventType.REQUESTED).get().actor == officer
    assert published(broker) == []  # nothing leaves before the commit
    assert len(callbacks) == 1

    callbacks[0]()
    job.refresh_from_db()
    assert published(broker) == [{"task": RENDER_TASK, "args": [str(job.pk)], "kwargs": {}}]
    assert job.dispatched_at is not None


def test_request_succeeds_while_the_broker_is_down(officer, broker_down, django_capture_on_commit_callbacks):
    programme = ProgrammeFactory()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.report_job_request(actor=officer, kind=ReportKind.PROGRAMME, params={"programme_id": programme.pk})
    assert time.monotonic() - started < 3
    job.refresh_from_db()
    assert job.status == ReportJobStatus.QUEUED
    assert job.dispatched_at is None  # left for the sweeper


def test_sweeper_sends_a_job_the_broker_never_got(officer, tmp_path):
    job = _job(requested_by=officer)
    with use_broker(CLOSED_PORT_BROKER):
        assert jobs.report_job_dispatch(job_id=job.pk) is False
    job.refresh_from_db()
    assert job.dispatched_at is None

    folder = tmp_path / "broker"
    with use_broker("filesystem://", transport_options=filesystem_options(folder)):
        assert sweeper.report_jobs_sweep().sent == 0  # within the grace of the request's own dispatch
        later = timezone.now() + timedelta(seconds=conf.UNSENT_GRACE + 1)
        assert sweeper.report_jobs_sweep(now=later).sent == 1
    job.refresh_from_db()
    assert job.dispatched_at is not None
    assert published(folder) == [{"task": RENDER_TASK, "args": [str(job.pk)], "kwargs": {}}]


def test_sweeper_resends_a_queued_job_not_started_in_time(officer, broker):
    now = timezone.now()
    stale = _job(requested_by=officer, dispatched_at=now - timedelta(seconds=conf.REDISPATCH_AFTER + 5))
    fresh = _job(requested_by=officer, dispatched_at=now - timedelta(seconds=5))
    result = sweeper.report_jobs_sweep(now=now)
    assert result.sent == 1
    assert [m["args"] for m in published(broker)] == [[str(stale.pk)]]
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.dispatched_at > now - timedelta(seconds=5)
    assert fresh.dispatched_at < now


def test_sweeper_requeues_a_running_job_whose_worker_died(officer, broker, django_capture_on_commit_callbacks):
    now = timezone.now()
    dead_since = now - steps.lost_after() - timedelta(seconds=1)
    dead = _job(status=ReportJobStatus.RUNNING, requested_by=officer, attempts=1, run=1, heartbeat_at=dead_since)
    alive = _job(status=ReportJobStatus.RUNNING, requested_by=officer, attempts=1, run=1, heartbeat_at=now)
    with django_capture_on_commit_callbacks(execute=True):
        result = sweeper.report_jobs_sweep(now=now)
    assert (result.requeued, result.failed) == (1, 0)
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == ReportJobStatus.QUEUED
    assert dead.dispatched_at is not None
    assert alive.status == ReportJobStatus.RUNNING
    assert [m["args"] for m in published(broker)] == [[str(dead.pk)]]
    event = _events(dead, AuditEventType.STATUS_CHANGED).get()
    assert event.actor is None
    assert (event.old_values, event.new_values["status"]) == ({"status": "running"}, "queued")


def test_sweeper_fails_a_dead_job_out_of_attempts(officer, broker):
    now = timezone.now()
    dead_since = now - steps.lost_after() - timedelta(seconds=1)
    job = _job(
        status=ReportJobStatus.RUNNING,
        requested_by=officer,
        attempts=conf.MAX_ATTEMPTS,
        run=conf.MAX_ATTEMPTS,
        heartbeat_at=dead_since,
    )
    assert sweeper.report_jobs_sweep(now=now).failed == 1
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert f"stopped {conf.MAX_ATTEMPTS} times" in job.error
    assert published(broker) == []


# --------------------------------------------------------------------------- status table, retry


def test_only_allowed_transitions_happen(officer):
    job = _job(requested_by=officer)
    with (
        translation.override("en"),
        pytest.raises(ApplicationError, match="cannot move from 'queued' to 'succeeded'"),
        transaction.atomic(),
    ):
        jobs.job_transition(actor=None, job=job, to_status=ReportJobStatus.SUCCEEDED)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.QUEUED
    assert jobs.ALLOWED_TRANSITIONS[ReportJobStatus.SUCCEEDED] == frozenset()
    assert steps.report_job_fail(job_id=job.pk, error="x") is None  # a queued job is not failed


def test_retry_queues_the_same_failed_job_again(officer, broker, django_capture_on_commit_callbacks):
    job = _job(status=ReportJobStatus.FAILED, requested_by=officer, attempts=3, run=3, error="It broke.")
    with django_capture_on_commit_callbacks(execute=True):
        retried = jobs.report_job_retry(actor=officer, job=job)
    assert retried.pk == job.pk
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (ReportJobStatus.QUEUED, 0, "")
    assert job.dispatched_at is not None
    assert [m["args"] for m in published(broker)] == [[str(job.pk)]]
    event = _events(job, AuditEventType.STATUS_CHANGED).get()
    assert event.actor == officer
    assert event.new_values["retried_after"] == {"attempts": 3, "error": "It broke."}


@pytest.mark.parametrize("status", [ReportJobStatus.QUEUED, ReportJobStatus.RUNNING, ReportJobStatus.SUCCEEDED])
def test_only_a_failed_job_can_be_retried(officer, status, broker):
    job = _job(status=status, requested_by=officer)
    with pytest.raises(ApplicationError):
        jobs.report_job_retry(actor=officer, job=job)
    job.refresh_from_db()
    assert job.status == status


def test_applicant_may_not_retry_another_organisations_job(applicant, officer, other_project, broker):
    job = _job(
        status=ReportJobStatus.FAILED,
        requested_by=officer,
        kind=ReportKind.PROJECT,
        params={"project_id": other_project.pk},
    )
    with pytest.raises(PermissionDenied):
        jobs.report_job_retry(actor=applicant, job=job)


def test_a_stored_report_file_cannot_be_changed(officer):
    job = _job(status=ReportJobStatus.SUCCEEDED, requested_by=officer)
    ReportFile.objects.create(
        job=job,
        file="reports/x/a.pdf",
        filename="a.pdf",
        sha256="0" * 64,
        page_count=1,
        byte_size=10,
        data_as_of=timezone.now(),
    )
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        ReportFile.objects.filter(job=job).update(sha256="1" * 64)
    assert ReportFile.objects.get(job=job).sha256 == "0" * 64


# --------------------------------------------------------------------------- who sees which job


def test_visibility_by_role(officer, auditor, applicant, own_project, other_project):
    colleague = UserFactory(role=Role.APPLICANT, organisation=own_project.beneficiary)
    stranger = UserFactory(role=Role.APPLICANT, organisation=other_project.beneficiary)
    own_by_colleague = _job(requested_by=colleague, kind=ReportKind.PROJECT, params={"project_id": own_project.pk})
    own_by_officer = _job(requested_by=officer, kind=ReportKind.PROJECT, params={"project_id": own_project.pk})
    other = _job(requested_by=stranger, kind=ReportKind.PROJECT, params={"project_id": other_project.pk})
    programme = _job(requested_by=officer)

    everything = {own_by_colleague.pk, own_by_officer.pk, other.pk, programme.pk}
    assert set(report_jobs_visible_to(officer).values_list("pk", flat=True)) == everything
    assert set(report_jobs_visible_to(auditor).values_list("pk", flat=True)) == everything
    assert set(report_jobs_visible_to(applicant).values_list("pk", flat=True)) == {own_by_colleague.pk}
    assert set(report_jobs_visible_to(stranger).values_list("pk", flat=True)) == {other.pk}
    for role in (Role.EVALUATOR, Role.ADMINISTRATOR):
        assert not report_jobs_visible_to(UserFactory(role=role)).exists()

    assert report_job_get_for(user=applicant, job_id=own_by_colleague.pk) == own_by_colleague
    for job_id in (other.pk, programme.pk, "not-a-uuid"):
        with pytest.raises(Http404):
            report_job_get_for(user=applicant, job_id=job_id)


def test_sweep_reports_command_runs_the_sweeper_once(officer, broker):
    job = _job(requested_by=officer)
    ReportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - timedelta(seconds=conf.UNSENT_GRACE + 60))
    out = io.StringIO()
    call_command("sweep_reports", stdout=out)
    assert out.getvalue().strip() == "Sent 1, requeued 0, failed 0."
    assert [m["args"] for m in published(broker)] == [[str(job.pk)]]


def test_the_admin_shows_jobs_read_only(client, officer):
    admin = UserFactory(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
    job = _job(status=ReportJobStatus.FAILED, requested_by=officer, error="It broke.")
    client.force_login(admin)
    listing = client.get("/admin/reports/reportjob/", {"q": str(job.pk)[:8]})
    assert listing.status_code == 200
    assert job.short_id in listing.content.decode()
    page = client.get(f"/admin/reports/reportjob/{job.pk}/change/")
    assert page.status_code == 200
    assert "It broke." in page.content.decode()
    assert client.post(f"/admin/reports/reportjob/{job.pk}/delete/").status_code == 403
