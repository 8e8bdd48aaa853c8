"""The report pipeline end to end with real Celery workers (prefork), Redis and
PostgreSQL: request → worker → stored file; a worker child killed mid-render;
Redis down when the report is requested; a duplicate delivery."""

import hashlib
import io
import os
import re
import signal
import time
import uuid

import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from config.celery import app
from core.models import AuditEvent, AuditEventType
from reports import conf, tasks
from reports.models import ReportFile, ReportJob, ReportJobStatus, ReportJobStep, ReportKind, ReportStepKind
from reports.services import jobs
from tests.factories import make_instrument, make_project
from tests.integration.broker import use_broker
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _job(job_id) -> ReportJob:
    return ReportJob.objects.select_related("output").get(pk=job_id)


def _finished(job_id):
    job = _job(job_id)
    return job if job.status in (ReportJobStatus.SUCCEEDED, ReportJobStatus.FAILED) else None


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _renders(worker, job) -> int:
    """How many renders (whole report or section) of `job` the worker started."""
    return len(re.findall(rf"fondas-test render_\w+ {job.pk} ", worker.log()))


def test_request_is_rendered_by_workers_and_stored_with_its_digest(officer, start_worker, publish_to_session_queue):
    instrument = make_instrument(code="BCLT")
    projects = [
        make_project(instrument, lines={"STAFF": f"{10000 * (n + 1)}.00"}, code=f"BCLT-{n:03d}") for n in range(5)
    ]
    # Two projects per section: three sections rendered by two workers, then merged.
    worker = start_worker(concurrency=2, FONDAS_TEST_PROJECTS_PER_SECTION=2)

    params = {"instrument_id": instrument.pk, "language": "en"}  # the figures below as English prints them
    job = jobs.report_job_request(actor=officer, kind=ReportKind.INSTRUMENT, params=params)
    job = wait_for(lambda: _finished(job.pk), timeout=120, what="the report", log=worker)

    assert job.status == ReportJobStatus.SUCCEEDED, job.error
    assert (job.attempts, job.progress, job.section_count) == (1, 100, 3)
    report_file = job.output
    content = report_file.file.read()
    assert report_file.sha256 == hashlib.sha256(content).hexdigest()
    assert report_file.byte_size == len(content)
    assert report_file.page_count == len(PdfReader(io.BytesIO(content)).pages)
    text = _pdf_text(content)
    for project in projects:
        assert project.code in text
    # Contracted grants: 70 % of 10,000 … 50,000, in total 105,000.00.
    assert "105,000.00" in text
    assert "35,000.00" in text
    steps = ReportJobStep.objects.filter(job=job, finished_at__isnull=False)
    assert sorted(s.step for s in steps) == ["merge", "render", "section", "section", "section"]
    assert _renders(worker, job) == 3


def test_a_worker_child_killed_mid_render_still_finishes_the_job_once(officer, start_worker, publish_to_session_queue):
    project = make_project(make_instrument(), lines={"STAFF": "20000.00"})
    # Every render first waits 10 s: time enough to kill the child mid-render on a busy machine.
    worker = start_worker(concurrency=2, FONDAS_TEST_RENDER_DELAY=10)

    job = jobs.report_job_request(actor=officer, kind=ReportKind.PROJECT, params={"project_id": project.pk})

    def holder_pid():
        step = ReportJobStep.objects.filter(job_id=job.pk, step=ReportStepKind.RENDER, worker_pid__isnull=False).first()
        return step.worker_pid if step else None

    pid = wait_for(holder_pid, timeout=60, what="a worker child to start rendering", log=worker)
    assert worker.is_child(pid), "the rendering process is not a child of the worker this test started"
    wait_for(lambda: _renders(worker, job) >= 1, timeout=10, what="the render to begin", log=worker)
    assert _job(job.pk).status == ReportJobStatus.RUNNING
    os.kill(pid, signal.SIGKILL)

    job = wait_for(lambda: _finished(job.pk), timeout=120, what="the report after the kill", log=worker)
    assert job.status == ReportJobStatus.SUCCEEDED, job.error
    assert job.attempts >= 2
    assert ReportFile.objects.filter(job=job).count() == 1
    assert AuditEvent.objects.filter(object_id=str(job.pk), event_type="worker_lost").count() == job.attempts - 1
    assert "WorkerLostError" in worker.log() or "exited prematurely" in worker.log()
    assert _renders(worker, job) == 2
    content = job.output.file.read()
    assert job.output.sha256 == hashlib.sha256(content).hexdigest()
    assert project.code in _pdf_text(content)


def test_a_whole_worker_killed_mid_section_is_recovered_within_the_threshold(
    officer, start_worker, publish_to_session_queue
):
    """The machine dies: the worker's main process, its children and its beat
    are killed at once, so no message comes back before the visibility
    timeout. The sweeper of a new worker sees the silent heartbeat and queues
    the job again; it succeeds once, as attempt 2, within the threshold plus
    one sweep interval plus the render."""
    instrument = make_instrument(code="LOST")
    projects = [
        make_project(instrument, lines={"STAFF": f"{20000 * (n + 1)}.00"}, code=f"LOST-{n:03d}") for n in range(4)
    ]
    lost_after, sweep, beat = 6, 2, 1
    fast = {
        "FONDAS_REPORT_LOST_AFTER": lost_after,
        "FONDAS_REPORT_SWEEP_INTERVAL": sweep,
        "FONDAS_REPORT_HEARTBEAT_INTERVAL": beat,
        "FONDAS_TEST_PROJECTS_PER_SECTION": 2,  # two sections
    }
    # Its sections take a minute: the kill lands mid-section.
    doomed = start_worker(concurrency=2, beat=True, FONDAS_TEST_RENDER_DELAY=60, **fast)
    job = jobs.report_job_request(actor=officer, kind=ReportKind.INSTRUMENT, params={"instrument_id": instrument.pk})

    def sections_held():
        held = ReportJobStep.objects.filter(job_id=job.pk, step=ReportStepKind.SECTION, finished_at__isnull=True)
        pids = [step.worker_pid for step in held]
        return pids if len(pids) == 2 and _renders(doomed, job) == 2 else None

    pids = wait_for(sections_held, timeout=60, what="both sections to be rendering", log=doomed)
    assert all(doomed.is_child(pid) for pid in pids)
    # While the children lay out, their heartbeat keeps the job from the
    # sweeper of the same worker, past several thresholds.
    time.sleep(lost_after + 2 * sweep)
    alive = _job(job.pk)
    assert (alive.status, alive.run, alive.attempts) == (ReportJobStatus.RUNNING, 1, 1)
    assert (timezone.now() - alive.heartbeat_at).total_seconds() < lost_after
    assert (
        ReportJobStep.objects.filter(job_id=job.pk, step=ReportStepKind.SECTION, heartbeat_at__isnull=False).count()
        == 2
    )

    os.killpg(doomed.pid, signal.SIGKILL)  # main process, pool children and beat
    doomed.process.wait(timeout=10)
    doomed.stopped = True
    rescuer = start_worker(concurrency=2, beat=True, **fast)
    ready = time.monotonic()
    job = wait_for(lambda: _finished(job.pk), timeout=90, what="the job after the whole worker was lost", log=rescuer)
    recovered_in = time.monotonic() - ready

    assert job.status == ReportJobStatus.SUCCEEDED, job.error
    assert ReportFile.objects.filter(job=job).count() == 1
    assert (job.attempts, job.run, job.section_count) == (2, 2, 2)
    lost = AuditEvent.objects.filter(object_id=str(job.pk), event_type=AuditEventType.WORKER_LOST).get()
    assert lost.new_values == {"attempts": 1, "requeued": True}
    assert sorted(step["index"] for step in lost.old_values["steps"]) == [0, 1]
    assert _renders(rescuer, job) == 2  # the two sections of run 2, nothing more
    # The threshold, one sweep interval, a heartbeat's slack and the render of
    # two small sections and their merge (generous for a busy machine).
    render_budget = 25
    assert recovered_in < lost_after + sweep + beat + render_budget, f"recovered in {recovered_in:.1f} s"
    text = _pdf_text(job.output.file.read())
    for project in projects:
        assert project.code in text


def test_a_render_that_kills_its_worker_every_time_fails_after_three_attempts(
    officer, start_worker, publish_to_session_queue
):
    project = make_project(make_instrument(), lines={"STAFF": "25000.00"})
    worker = start_worker(concurrency=2, FONDAS_TEST_RENDER_DELAY=10)
    job = jobs.report_job_request(actor=officer, kind=ReportKind.PROJECT, params={"project_id": project.pk})

    killed: list[int] = []
    for attempt in range(1, conf.MAX_ATTEMPTS + 1):

        def next_holder(attempt=attempt):
            step = ReportJobStep.objects.filter(job_id=job.pk, step=ReportStepKind.RENDER).first()
            fresh = step and step.tries == attempt and step.worker_pid not in killed
            return step.worker_pid if fresh and _renders(worker, job) >= attempt else None

        pid = wait_for(next_holder, timeout=60, what=f"attempt {attempt} to start rendering", log=worker)
        assert worker.is_child(pid)
        os.kill(pid, signal.SIGKILL)  # as the out-of-memory killer would
        killed.append(pid)

    job = wait_for(lambda: _finished(job.pk), timeout=60, what="the job to fail", log=worker)
    assert job.status == ReportJobStatus.FAILED
    assert f"stopped {conf.MAX_ATTEMPTS} times" in job.error
    assert job.attempts == conf.MAX_ATTEMPTS
    assert not ReportFile.objects.filter(job=job).exists()
    time.sleep(2)  # nothing renders it again
    assert _renders(worker, job) == conf.MAX_ATTEMPTS


def test_a_report_requested_while_redis_is_down_is_delivered_by_the_sweeper(
    officer, own_redis, start_worker, session_queue
):
    project = make_project(make_instrument(), lines={"STAFF": "30000.00"})
    worker = start_worker(
        broker_url=own_redis.url,
        beat=True,
        concurrency=1,
        FONDAS_REPORT_SWEEP_INTERVAL=1,
        FONDAS_REPORT_UNSENT_GRACE=1,
    )
    options = dict(app.conf.broker_transport_options)
    with use_broker(own_redis.url, transport_options=options, queue=session_queue):
        own_redis.stop()
        started = time.monotonic()
        job = jobs.report_job_request(actor=officer, kind=ReportKind.PROJECT, params={"project_id": project.pk})
        answered_in = time.monotonic() - started
        job.refresh_from_db()
        assert answered_in < 3, f"the request took {answered_in:.1f} s with the broker down"
        assert job.status == ReportJobStatus.QUEUED
        assert job.dispatched_at is None

        time.sleep(2)  # the worker and its beat run on without a broker
        assert _job(job.pk).status == ReportJobStatus.QUEUED
        own_redis.start()
        back_at = timezone.now()

        job = wait_for(lambda: _finished(job.pk), timeout=120, what="the sweeper to deliver the report", log=worker)
    assert job.status == ReportJobStatus.SUCCEEDED, job.error
    assert job.dispatched_at >= back_at  # only the sweeper sends a job after its request
    assert "reports.tasks.report_jobs_sweep" in worker.log()
    assert job.attempts == 1
    assert project.code in _pdf_text(job.output.file.read())


def test_a_duplicate_delivery_of_a_finished_job_renders_and_stores_nothing(
    officer, start_worker, publish_to_session_queue
):
    project = make_project(make_instrument(), lines={"STAFF": "40000.00"})
    worker = start_worker(concurrency=2)
    job = jobs.report_job_request(actor=officer, kind=ReportKind.PROJECT, params={"project_id": project.pk})
    job = wait_for(lambda: _finished(job.pk), timeout=120, what="the report", log=worker)
    assert job.status == ReportJobStatus.SUCCEEDED, job.error
    stored = job.output
    path = os.path.join(settings.MEDIA_ROOT, stored.file.name)
    before = (stored.pk, stored.sha256, os.stat(path).st_mtime_ns, job.finished_at, job.attempts)
    events = AuditEvent.objects.filter(object_id=str(job.pk)).count()
    assert _renders(worker, job) == 1

    duplicates = [
        tasks.report_job_render.apply_async(args=[str(job.pk)], task_id=str(uuid.uuid4())),
        tasks.report_job_render.apply_async(args=[str(job.pk)], task_id=str(uuid.uuid4())),
        tasks.report_section_render.apply_async(args=[str(job.pk), job.run, 0], task_id=str(uuid.uuid4())),
        tasks.report_sections_merge.apply_async(args=[str(job.pk), job.run], task_id=str(uuid.uuid4())),
    ]
    for duplicate in duplicates:
        wait_for(
            lambda d=duplicate: f"[{d.id}] succeeded" in worker.log(),
            timeout=60,
            what=f"the duplicate {duplicate.id} to be processed",
            log=worker,
        )

    job = _job(job.pk)
    stored = job.output
    assert (stored.pk, stored.sha256, os.stat(path).st_mtime_ns, job.finished_at, job.attempts) == before
    assert ReportFile.objects.filter(job=job).count() == 1
    assert AuditEvent.objects.filter(object_id=str(job.pk)).count() == events
    assert _renders(worker, job) == 1
    assert sorted(os.listdir(os.path.dirname(path))) == [os.path.basename(path)]


@pytest.mark.parametrize(
    ("soft_limit", "hard_limit", "stuck", "stated"),
    [(2, 4, True, "longer than 4 s"), (2, 60, False, "longer than 2 s")],
    ids=["hard-limit-kills-a-stuck-child", "soft-limit-stops-the-render"],
)
def test_a_runaway_render_fails_the_job_at_the_time_limit(
    officer, start_worker, publish_to_session_queue, soft_limit, hard_limit, stuck, stated, monkeypatch
):
    project = make_project(make_instrument(), lines={"STAFF": "50000.00"})
    # A task's time limits travel in its message, set by the process that sends it.
    monkeypatch.setattr(tasks.report_job_render, "time_limit", hard_limit)
    monkeypatch.setattr(tasks.report_job_render, "soft_time_limit", soft_limit)
    monkeypatch.setattr(tasks.report_job_render, "_exec_options", None)
    worker = start_worker(
        concurrency=1,
        FONDAS_TEST_RENDER_DELAY=30,
        FONDAS_TEST_IGNORE_SOFT_LIMIT=int(stuck),
        CELERY_TASK_SOFT_TIME_LIMIT=soft_limit,
        CELERY_TASK_TIME_LIMIT=hard_limit,
    )
    started = time.monotonic()
    job = jobs.report_job_request(actor=officer, kind=ReportKind.PROJECT, params={"project_id": project.pk})
    job = wait_for(lambda: _finished(job.pk), timeout=60, what="the time limit to stop the render", log=worker)
    assert time.monotonic() - started < 25
    assert job.status == ReportJobStatus.FAILED
    assert stated in job.error
    assert not ReportFile.objects.filter(job=job).exists()
    # The message was acknowledged: the job is not rendered again.
    time.sleep(2)
    assert _renders(worker, job) == 1
    assert _job(job.pk).status == ReportJobStatus.FAILED
