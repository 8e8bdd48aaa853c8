"""reports.services.sweeper: a running job whose worker stopped beating for
LOST_AFTER is queued again as a new attempt, with the loss in the audit trail
and on the job list; a job with a fresh heartbeat, or whose sections merely
wait in the queue, is left alone."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, AuditEventType
from reports import conf
from reports.models import ReportJob, ReportJobStatus, ReportJobStep, ReportKind, ReportStepKind
from reports.services import steps, sweeper
from tests.factories import make_instrument, make_project
from tests.integration.broker import filesystem_options, published, use_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker(tmp_path):
    folder = tmp_path / "broker"
    with use_broker("filesystem://", transport_options=filesystem_options(folder)):
        yield folder


@pytest.fixture
def project():
    return make_project(make_instrument(), lines={"STAFF": "30000.00"})


def _running(officer, project, *, silent_for: timedelta, host="machine-that-died") -> ReportJob:
    """A job whose render step a worker on `host` claimed and then beat for
    the last time `silent_for` ago."""
    job = ReportJob.objects.create(kind=ReportKind.PROJECT, params={"project_id": project.pk}, requested_by=officer)
    task = steps.TaskRef(task_id=f"task-{job.pk}", host=host, pid=4242)
    assert steps.report_job_start(job_id=job.pk, task=task) is not None
    last = timezone.now() - silent_for
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=last)
    ReportJobStep.objects.filter(job=job).update(started_at=last, heartbeat_at=last)
    job.refresh_from_db()
    return job


def _lost_events(job):
    return AuditEvent.objects.filter(object_id=str(job.pk), event_type=AuditEventType.WORKER_LOST)


def test_a_job_silent_for_longer_than_the_threshold_is_requeued_and_a_fresher_one_left_alone(
    officer, project, broker, django_capture_on_commit_callbacks
):
    threshold = steps.lost_after()
    dead = _running(officer, project, silent_for=threshold + timedelta(seconds=5))
    alive = _running(officer, project, silent_for=threshold - timedelta(seconds=5))
    with django_capture_on_commit_callbacks(execute=True):
        result = sweeper.report_jobs_sweep()
    assert (result.requeued, result.failed) == (1, 0)
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.attempts) == (ReportJobStatus.QUEUED, 1)
    assert alive.status == ReportJobStatus.RUNNING
    assert [m["args"] for m in published(broker)] == [[str(dead.pk)]]
    event = _lost_events(dead).get()
    assert event.actor is None
    assert event.old_values["run"] == 1
    assert event.old_values["steps"] == [{"step": "render", "index": 0, "worker": "machine-that-died 4242"}]
    assert event.new_values == {"attempts": 1, "requeued": True}
    assert not _lost_events(alive).exists()


def test_the_threshold_is_minutes_not_the_time_limit():
    # The sweeper must see a lost worker long before a render could hit its time limit.
    assert steps.lost_after() < timedelta(seconds=conf.WAITING_LOST_AFTER)
    assert conf.HEARTBEAT_INTERVAL * 3 <= conf.LOST_AFTER


def test_the_next_attempt_is_counted_when_the_requeued_job_starts(
    officer, project, broker, django_capture_on_commit_callbacks
):
    job = _running(officer, project, silent_for=steps.lost_after() * 2)
    with django_capture_on_commit_callbacks(execute=True):
        sweeper.report_jobs_sweep()
    started = steps.report_job_start(job_id=job.pk, task=steps.TaskRef(task_id="the-requeued-message"))
    assert started is not None
    assert (started.status, started.run, started.attempts) == (ReportJobStatus.RUNNING, 2, 2)


def test_a_job_whose_sections_wait_in_the_queue_is_not_lost(officer, project, broker):
    job = _running(officer, project, silent_for=steps.lost_after() * 2)
    # The render step handed three sections out and finished; none is claimed yet.
    ReportJobStep.objects.filter(job=job, step=ReportStepKind.RENDER).update(finished_at=timezone.now())
    ReportJob.objects.filter(pk=job.pk).update(section_count=3)
    assert sweeper.report_jobs_sweep().requeued == 0
    job.refresh_from_db()
    assert job.status == ReportJobStatus.RUNNING
    # …until nothing happened for WAITING_LOST_AFTER: the messages were lost.
    later = timezone.now() + timedelta(seconds=conf.WAITING_LOST_AFTER)
    assert sweeper.report_jobs_sweep(now=later).requeued == 1
    assert _lost_events(job).get().old_values["steps"] == []


def test_a_silent_section_makes_the_job_lost_while_others_are_fresh(officer, project, broker):
    job = _running(officer, project, silent_for=steps.lost_after() * 2)
    now = timezone.now()
    ReportJobStep.objects.filter(job=job, step=ReportStepKind.RENDER).update(finished_at=now)
    ReportJob.objects.filter(pk=job.pk).update(section_count=2)
    silent = now - steps.lost_after() * 2
    ReportJobStep.objects.create(
        job=job, run=1, step=ReportStepKind.SECTION, index=0, tries=1, started_at=silent, heartbeat_at=silent
    )
    ReportJobStep.objects.create(
        job=job, run=1, step=ReportStepKind.SECTION, index=1, tries=1, started_at=now, finished_at=now
    )
    assert sweeper.report_jobs_sweep().requeued == 1
    assert [s["index"] for s in _lost_events(job).get().old_values["steps"]] == [0]


def test_a_job_out_of_attempts_fails_instead(officer, project, broker):
    job = _running(officer, project, silent_for=steps.lost_after() * 2)
    ReportJob.objects.filter(pk=job.pk).update(attempts=conf.MAX_ATTEMPTS)
    assert sweeper.report_jobs_sweep().failed == 1
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert f"stopped {conf.MAX_ATTEMPTS} times" in job.error
    assert published(broker) == []


def test_the_job_list_shows_the_attempt_after_a_loss(
    client, officer, project, broker, django_capture_on_commit_callbacks
):
    job = _running(officer, project, silent_for=steps.lost_after() * 2)
    with django_capture_on_commit_callbacks(execute=True):
        sweeper.report_jobs_sweep()
    client.force_login(officer)
    client.cookies["django_language"] = "en"  # the page in English, as this test reads it
    page = client.get(reverse("reports:job-list")).content.decode()
    assert f"attempt 2 of {conf.MAX_ATTEMPTS} queued" in page

    steps.report_job_start(job_id=job.pk, task=steps.TaskRef(task_id="the-requeued-message"))
    page = client.get(reverse("reports:job-list")).content.decode()
    assert f"Attempt 2 of {conf.MAX_ATTEMPTS}" in page
