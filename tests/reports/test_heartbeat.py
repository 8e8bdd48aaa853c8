"""reports.heartbeat: while a worker holds a step, a thread writes the job's
and the step's heartbeat, layout included; it stops when the step ends, and it
never keeps a job alive that left RUNNING, moved to another run or whose step
another delivery took over."""

import threading
import time

import pytest

from reports import conf, documents, heartbeat, tasks
from reports.models import ReportJob, ReportJobStatus, ReportJobStep, ReportKind, ReportStepKind
from reports.services import steps
from tests.factories import make_instrument, make_project

# The heartbeat thread writes through its own connection: the test data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

INTERVAL = 0.05


@pytest.fixture
def job(officer):
    project = make_project(make_instrument(), lines={"STAFF": "30000.00"})
    return ReportJob.objects.create(kind=ReportKind.PROJECT, params={"project_id": project.pk}, requested_by=officer)


@pytest.fixture(autouse=True)
def fast_heartbeat(monkeypatch):
    monkeypatch.setattr(conf, "HEARTBEAT_INTERVAL", INTERVAL)


def _heartbeats(job) -> tuple:
    job_beat = ReportJob.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk)
    step_beat = ReportJobStep.objects.values_list("heartbeat_at", flat=True).get(job=job, step=ReportStepKind.RENDER)
    return job_beat, step_beat


def _beating_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("report-heartbeat-") and t.is_alive()]


def test_the_heartbeat_advances_on_job_and_step_during_a_long_layout_and_stops_after(job, monkeypatch):
    real_render = documents.render_report
    seen = []

    def slow_layout(**kwargs):
        # WeasyPrint laying out without calling back, until the heartbeat has
        # moved on (or for at most DEADLINE seconds on a busy machine).
        before = _heartbeats(job)
        seen.append(before)
        seen.append(_wait_for(lambda: all(now > then for now, then in zip(_heartbeats(job), before, strict=True))))
        seen.append(len(_beating_threads()))
        return real_render(**kwargs)

    monkeypatch.setattr(documents, "render_report", slow_layout)
    tasks.report_job_render.apply(args=[str(job.pk)])

    job.refresh_from_db()
    assert job.status == ReportJobStatus.SUCCEEDED, job.error
    _before, advanced, threads = seen
    assert advanced, "the heartbeat did not move during the layout"
    assert threads == 1
    assert _beating_threads() == []
    step = ReportJobStep.objects.get(job=job, step=ReportStepKind.RENDER)
    assert step.finished_at is not None
    after = _heartbeats(job)
    time.sleep(INTERVAL * 4)
    assert _heartbeats(job) == after  # nothing beats for a finished step


def _claimed(job) -> steps.TaskRef:
    task = steps.TaskRef(task_id="render-task")
    assert steps.report_job_start(job_id=job.pk, task=task) is not None
    job.refresh_from_db()
    return task


def _wait_for(condition, deadline: float = 10.0) -> bool:
    """Poll `condition` every heartbeat interval until it holds or `deadline`
    seconds have passed: timing on a loaded CI machine varies, the rule does not."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if condition():
            return True
        time.sleep(INTERVAL)
    return condition()


def _beats_for(job, task, seconds: float) -> heartbeat.Heartbeat:
    with heartbeat.heartbeat(job_id=job.pk, run=job.run, step_kind=ReportStepKind.RENDER, task=task) as thread:
        time.sleep(seconds)
    return thread


def test_the_heartbeat_thread_beats_until_the_block_ends(job):
    task = _claimed(job)
    before = _heartbeats(job)
    with heartbeat.heartbeat(job_id=job.pk, run=job.run, step_kind=ReportStepKind.RENDER, task=task) as thread:
        assert _wait_for(lambda: thread.beats >= 2)
    assert not thread.is_alive()
    job_after, step_after = _heartbeats(job)
    assert job_after > before[0] and step_after > before[1]


@pytest.mark.parametrize(
    "change",
    [
        {"status": ReportJobStatus.QUEUED},  # the sweeper gave up on this run
        {"status": ReportJobStatus.FAILED},
        {"run": 2},  # a new run started
    ],
    ids=["requeued", "failed", "new-run"],
)
def test_the_heartbeat_never_keeps_a_job_alive_that_left_the_run(job, change):
    task = _claimed(job)
    ReportJob.objects.filter(pk=job.pk).update(**change)
    before = _heartbeats(job)
    thread = _beats_for(job, task, INTERVAL * 6)
    assert thread.beats == 0
    assert _heartbeats(job) == before


def test_the_heartbeat_stops_when_another_delivery_took_the_step_over(job):
    task = _claimed(job)
    ReportJobStep.objects.filter(job=job, step=ReportStepKind.RENDER).update(task_id="the-next-delivery")
    before = _heartbeats(job)
    thread = _beats_for(job, task, INTERVAL * 6)
    assert thread.beats == 0
    assert _heartbeats(job) == before


def test_a_step_silent_for_longer_than_the_threshold_is_taken_over(job):
    task = steps.TaskRef(task_id="render-task", host="another-machine", pid=4242)
    assert steps.report_job_start(job_id=job.pk, task=task) is not None
    job.refresh_from_db()
    duplicate = steps.TaskRef(task_id="another-message")
    # A live holder on another machine: its heartbeat is fresh, so nothing is taken.
    assert steps.report_job_start(job_id=job.pk, task=duplicate) is None
    silent_since = job.heartbeat_at - steps.lost_after() - steps.lost_after() / 10
    ReportJobStep.objects.filter(job=job).update(started_at=silent_since, heartbeat_at=silent_since)
    assert steps.report_job_start(job_id=job.pk, task=duplicate) is not None
    job.refresh_from_db()
    assert job.attempts == 2
