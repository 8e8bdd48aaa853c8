"""reports.tasks run in this process (eagerly) with the real PDF rendering:
rendering and storing once, long reports in sections, failures, transient
errors retried, a lost worker taken over, and duplicates doing nothing.
Only failures are forced, by replacing a rendering function for one test."""

import hashlib
import io
import multiprocessing
import os
import socket

import pytest
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import OperationalError
from pypdf import PdfReader

from config.celery import app
from core.errors import ApplicationError
from core.models import AuditEvent, AuditEventType
from reports import conf, documents, tasks
from reports.kinds.implementation import ImplementationKind
from reports.models import ReportFile, ReportJob, ReportJobStatus, ReportJobStep, ReportKind, ReportStepKind
from reports.services import jobs, steps
from tests.factories import make_instrument, make_project
from tests.integration.broker import filesystem_options, use_broker

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager(tmp_path):
    """Tasks sent from a task (sections, merge) run at once in this process."""
    with use_broker("filesystem://", transport_options=filesystem_options(tmp_path / "broker")):
        app.conf.task_always_eager = True
        try:
            yield
        finally:
            app.conf.task_always_eager = False


@pytest.fixture
def project():
    return make_project(make_instrument(), lines={"STAFF": "48000.00", "EQUIP": "2000.00"})


@pytest.fixture
def job(officer, project):
    return ReportJob.objects.create(
        kind=ReportKind.PROJECT, params={"project_id": project.pk, "language": "en"}, requested_by=officer
    )


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _render(job):
    return tasks.report_job_render.apply(args=[str(job.pk)])


def _dead_pid() -> int:
    process = multiprocessing.get_context("fork").Process(target=os._exit, args=(0,))
    process.start()
    process.join()
    return process.pid


def test_render_stores_the_file_once_with_its_digest(job, project, eager):
    _render(job)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.SUCCEEDED, job.error
    assert (job.progress, job.attempts, job.run, job.error) == (100, 1, 1, "")
    report_file = job.output
    content = report_file.file.read()
    assert report_file.sha256 == hashlib.sha256(content).hexdigest()
    assert report_file.byte_size == len(content)
    assert report_file.page_count == len(PdfReader(io.BytesIO(content)).pages)
    assert report_file.filename == documents.download_filename(job.kind, job.params, str(job.pk))
    assert report_file.data_as_of == job.data_as_of
    text = _pdf_text(content)
    assert project.code in text
    assert "50,000.00" in text and "35,000.00" in text  # eligible cost and grant from the database
    statuses = AuditEvent.objects.filter(object_id=str(job.pk), event_type=AuditEventType.STATUS_CHANGED)
    assert [e.new_values["status"] for e in statuses] == ["running", "succeeded"]


def test_a_duplicate_delivery_of_a_finished_job_does_nothing(job, eager, monkeypatch):
    _render(job)
    job.refresh_from_db()
    before = (job.status, job.attempts, job.run, job.finished_at, job.output.sha256, AuditEvent.objects.count())

    def must_not_render(**kwargs):
        raise AssertionError("a finished job was rendered again")

    monkeypatch.setattr(documents, "render_report", must_not_render)
    _render(job)
    tasks.report_section_render.apply(args=[str(job.pk), job.run, 0])
    tasks.report_sections_merge.apply(args=[str(job.pk), job.run])
    job.refresh_from_db()
    assert (job.status, job.attempts, job.run, job.finished_at, job.output.sha256, AuditEvent.objects.count()) == before
    assert ReportFile.objects.filter(job=job).count() == 1


def test_a_long_report_is_rendered_in_sections_and_merged(officer, eager, monkeypatch):
    instrument = make_instrument()
    projects = [make_project(instrument) for _ in range(5)]
    monkeypatch.setattr(ImplementationKind, "rows_per_section", 2)  # three sections from five projects
    job = jobs.report_job_request(
        actor=officer, kind=ReportKind.INSTRUMENT, params={"instrument_id": instrument.pk, "language": "en"}
    )  # dispatched on commit, which this test's transaction never reaches
    _render(job)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.SUCCEEDED, job.error
    assert job.section_count == 3
    steps = ReportJobStep.objects.filter(job=job, run=1)
    assert sorted((s.step, s.index) for s in steps if s.finished_at) == [
        ("merge", 0),
        ("render", 0),
        ("section", 0),
        ("section", 1),
        ("section", 2),
    ]
    content = job.output.file.read()
    text = _pdf_text(content)
    for project in projects:
        assert project.code in text
    pages = len(PdfReader(io.BytesIO(content)).pages)
    assert job.output.page_count == pages
    assert f"page {pages} of {pages}" in text
    _dirs, files = default_storage.listdir(f"reports/{job.pk}/sections")
    assert files == []  # the merged file holds them all


def test_an_invalid_report_fails_with_its_message(job, eager, monkeypatch):
    def refuse(**kwargs):
        raise ApplicationError("The project has no grant agreement.")

    monkeypatch.setattr(documents, "render_report", refuse)
    _render(job)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert job.error == "The project has no grant agreement."
    assert not ReportFile.objects.filter(job=job).exists()


def test_an_unexpected_render_error_fails_the_job(job, eager, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("layout exploded")

    monkeypatch.setattr(documents, "render_report", broken)
    _render(job)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert job.error == "The report could not be rendered: RuntimeError: layout exploded"


def test_the_soft_time_limit_fails_the_job_with_a_clear_error(job, eager, monkeypatch):
    def slow(**kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(documents, "render_report", slow)
    _render(job)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert f"longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} s" in job.error


def test_the_hard_time_limit_fails_the_job_from_the_workers_main_process(job, officer):
    # What the worker's main process does after it killed a child at the hard limit.
    steps.report_job_start(job_id=job.pk, task=steps.TaskRef(task_id="t1"))
    tasks.report_job_render.on_failure(TimeLimitExceeded(900), "t1", (str(job.pk),), {}, None)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert f"longer than {settings.CELERY_TASK_TIME_LIMIT} s" in job.error


def test_a_transient_error_is_retried_as_the_same_attempt(job, eager, monkeypatch):
    real = documents.render_report
    calls = []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(documents, "render_report", flaky)
    _render(job)
    job.refresh_from_db()
    assert len(calls) == 2
    assert job.status == ReportJobStatus.SUCCEEDED, job.error
    assert job.attempts == 1
    step = ReportJobStep.objects.get(job=job, step=ReportStepKind.RENDER)
    assert (step.tries, step.task_retries) == (1, 1)


def test_transient_errors_that_outlive_their_retries_fail_the_job(job, eager, monkeypatch):
    def down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(documents, "render_report", down)
    _render(job)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert "OperationalError: server closed the connection unexpectedly" in job.error


def test_retry_and_delivery_settings_of_the_tasks():
    for task in (tasks.report_job_render, tasks.report_section_render, tasks.report_sections_merge):
        assert task.acks_late is True
        assert task.reject_on_worker_lost is True
        assert task.max_retries == conf.MAX_RETRIES >= 3
        assert task.retry_backoff == 2 and task.retry_jitter is True
        assert task.retry_backoff_max == conf.RETRY_BACKOFF_MAX
        for transient in (OperationalError, ConnectionError, OSError):
            assert issubclass(transient, task.autoretry_for)
        assert not issubclass(ApplicationError, task.autoretry_for)
    assert app.conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert app.conf.worker_max_memory_per_child == settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD
    assert app.conf.beat_schedule["report-jobs-sweep"]["task"] == "reports.tasks.report_jobs_sweep"


def _hold(job, *, pid, task_id="lost-task", host=None):
    """The job as a worker process `pid` left it: running, its render step held."""
    task = steps.TaskRef(task_id=task_id, host=host or socket.gethostname(), pid=pid)
    assert steps.report_job_start(job_id=job.pk, task=task) is not None
    job.refresh_from_db()


def test_a_redelivery_after_a_lost_worker_takes_over_and_counts_an_attempt(job, eager):
    _hold(job, pid=_dead_pid())
    _render(job)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.SUCCEEDED, job.error
    assert (job.attempts, job.run) == (2, 1)
    assert ReportJobStep.objects.get(job=job, step=ReportStepKind.RENDER).tries == 2
    assert AuditEvent.objects.filter(object_id=str(job.pk), event_type=AuditEventType.WORKER_LOST).count() == 1
    assert ReportFile.objects.filter(job=job).count() == 1


def test_a_redelivered_message_takes_over_from_another_machine(job):
    _hold(job, pid=1, task_id="same-task", host="another-worker-machine")
    task = steps.TaskRef(task_id="same-task", redelivered=True)
    assert steps.report_job_start(job_id=job.pk, task=task) is not None
    job.refresh_from_db()
    assert job.attempts == 2


def test_a_job_whose_worker_keeps_dying_fails_instead_of_looping(job, eager):
    _hold(job, pid=_dead_pid())
    ReportJob.objects.filter(pk=job.pk).update(attempts=conf.MAX_ATTEMPTS)
    _render(job)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert f"stopped {conf.MAX_ATTEMPTS} times" in job.error
    assert not ReportFile.objects.filter(job=job).exists()


def test_a_duplicate_while_a_live_worker_renders_does_nothing(job, eager, monkeypatch):
    _hold(job, pid=os.getppid())  # a live process on this machine holds the render

    def must_not_render(**kwargs):
        raise AssertionError("rendered beside a live worker")

    monkeypatch.setattr(documents, "render_report", must_not_render)
    _render(job)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ReportJobStatus.RUNNING, 1)


def test_tasks_of_an_earlier_run_do_nothing(job, eager, monkeypatch):
    _hold(job, pid=os.getppid())
    ReportJob.objects.filter(pk=job.pk).update(run=2, section_count=2)
    monkeypatch.setattr(documents, "render_section", lambda **kwargs: pytest.fail("rendered a section of an old run"))
    tasks.report_section_render.apply(args=[str(job.pk), 1, 0])
    tasks.report_sections_merge.apply(args=[str(job.pk), 1])
    assert not ReportJobStep.objects.filter(job=job, step=ReportStepKind.SECTION).exists()
    assert not ReportJobStep.objects.filter(job=job, step=ReportStepKind.MERGE).exists()
