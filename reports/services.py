"""Report jobs: requesting and retrying them, every step a worker takes to
render one (start, progress, sections, merge, succeed, fail), and the sweeper.

A job moves queued → running → succeeded | failed; a failed job can be queued
again, and the sweeper puts a running job whose worker died back in the queue.
Every status change locks the job row, checks ALLOWED_TRANSITIONS and writes an
audit event in the same transaction. Messages can arrive twice (a redelivery
after a lost worker, a message the sweeper re-sent): each step of a run is held
by one task delivery at a time (ReportJobStep), a finished job is never touched
again, and the one-to-one ReportFile is the last line of defence against a
second file.
"""

import hashlib
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models.functions import Greatest
from django.utils import timezone

from clusters.selectors import organisation_id_for
from core.audit import audit_record
from core.errors import ApplicationError
from core.models import AuditEventType
from core.permissions import Access
from grants.models import Project
from reports import conf
from reports.models import ReportFile, ReportJob, ReportJobStatus, ReportJobStep, ReportKind, ReportStepKind

if TYPE_CHECKING:
    from reports.pdf import RenderedPdf

logger = logging.getLogger(__name__)

QUEUED, RUNNING = ReportJobStatus.QUEUED, ReportJobStatus.RUNNING
SUCCEEDED, FAILED = ReportJobStatus.SUCCEEDED, ReportJobStatus.FAILED

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    QUEUED: frozenset({RUNNING}),
    # Back to queued: the sweeper re-queues a job whose worker died.
    RUNNING: frozenset({SUCCEEDED, FAILED, QUEUED}),
    FAILED: frozenset({QUEUED}),
    SUCCEEDED: frozenset(),
}

ERROR_MAX_LENGTH = 2000


# --------------------------------------------------------------------------- who may ask


def _require_may_request(actor, kind: str, params: dict) -> None:
    """Officers and auditors may request every report; an applicant only the
    statement of a project whose beneficiary is its organisation. Checked on
    the raw parameters before they are validated, so that an applicant learns
    nothing about projects that are not its own."""
    access = Access.of(actor)
    if access.requests_any_report:
        return
    if not access.uses_reports or kind != ReportKind.PROJECT:
        raise PermissionDenied("Your role does not allow requesting this report.")
    organisation_id = organisation_id_for(actor)
    if organisation_id is None:
        raise PermissionDenied("You may request statements of your organisation's projects only.")
    raw = params.get("project_id") if isinstance(params, dict) else None
    try:
        project_id = int(str(raw).strip())
    except ValueError:
        return  # missing or not a number: validation names the field, and this runs again on its result
    if not Project.objects.filter(pk=project_id, beneficiary_id=organisation_id).exists():
        raise PermissionDenied("You may request statements of your organisation's projects only.")


# --------------------------------------------------------------------------- transitions


def _locked(job_id) -> ReportJob | None:
    """The job, row-locked until the surrounding transaction ends."""
    return ReportJob.objects.select_for_update().filter(pk=job_id).first()


def _transition(*, actor, job: ReportJob, to_status: str, details: dict | None = None, **changes) -> ReportJob:
    """Move a locked job to `to_status` with `changes`, if the table allows it."""
    current = job.status
    if to_status not in ALLOWED_TRANSITIONS.get(current, frozenset()):
        raise ApplicationError(
            f"A report job cannot move from '{current}' to '{to_status}'.",
            field="status",
            details={"from": current, "to": to_status},
        )
    job.status = to_status
    for name, value in changes.items():
        setattr(job, name, value)
    job.save(update_fields=["status", *changes])
    audit_record(
        actor=actor,
        obj=job,
        event_type=AuditEventType.STATUS_CHANGED,
        old={"status": current},
        new={"status": to_status, **(details or {})},
    )
    return job


def _fail_locked(job: ReportJob, error: str) -> ReportJob:
    now = timezone.now()
    error = (error or "The report could not be rendered.")[:ERROR_MAX_LENGTH]
    return _transition(
        actor=None, job=job, to_status=FAILED, details={"error": error}, error=error, finished_at=now, heartbeat_at=now
    )


# --------------------------------------------------------------------------- requesting


def report_job_request(*, actor, kind: str, params: dict) -> ReportJob:
    """Queue a report for rendering and hand it to the broker once the job is
    committed. The request succeeds even when the broker is down: the job then
    stays queued with no dispatch time and the sweeper sends it later."""
    from reports import pdf  # loads WeasyPrint; only the request path needs it here

    _require_may_request(actor, kind, params)
    clean = pdf.validate_params(kind, params)
    _require_may_request(actor, kind, clean)
    with transaction.atomic():
        title = pdf.describe(kind, clean)[:300]
        job = ReportJob.objects.create(kind=kind, params=clean, title=title, requested_by=actor)
        audit_record(actor=actor, obj=job, event_type=AuditEventType.REQUESTED, new={"kind": kind, "params": clean})
        transaction.on_commit(partial(report_job_dispatch, job_id=job.pk))
    return job


def report_job_retry(*, actor, job: ReportJob) -> ReportJob:
    """Queue a failed job again: the same job, a fresh budget of attempts."""
    _require_may_request(actor, job.kind, job.params)
    with transaction.atomic():
        locked = _locked(job.pk)
        if locked.status != FAILED:
            # Running → queued is the sweeper's move, not a person's.
            raise ApplicationError(
                f"Only a failed report can be retried; this one is {locked.status}.",
                field="status",
                details={"from": locked.status, "to": QUEUED},
            )
        previous = {"attempts": locked.attempts, "error": locked.error}
        _transition(
            actor=actor,
            job=locked,
            to_status=QUEUED,
            details={"retried_after": previous},
            attempts=0,
            error="",
            progress=0,
            dispatched_at=None,
            started_at=None,
            finished_at=None,
            heartbeat_at=None,
            section_count=0,
        )
        transaction.on_commit(partial(report_job_dispatch, job_id=locked.pk))
    return locked


def report_job_dispatch(*, job_id) -> bool:
    """Hand a queued job to the broker; on success record when. Never raises:
    a broker that is down or hung must not fail the request (or the sweep)
    that queued the job. The sweeper sends what was not sent."""
    from reports.tasks import report_job_render

    try:
        report_job_render.apply_async(args=[str(job_id)], retry=True, retry_policy=conf.PUBLISH_RETRY_POLICY)
    except Exception:  # any broker or network error: the job stays queued for the sweeper
        logger.warning("Report job %s was not handed to the broker; the sweeper will send it.", job_id, exc_info=True)
        return False
    ReportJob.objects.filter(pk=job_id, status=QUEUED).update(dispatched_at=timezone.now())
    return True


# --------------------------------------------------------------------------- worker steps


@dataclass(frozen=True)
class TaskRef:
    """The task delivery that is doing a step: its Celery id, how many times
    it has been retried, whether the broker redelivered it, and where it runs."""

    task_id: str
    retries: int = 0
    redelivered: bool = False
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)


def running_stale_after() -> timedelta:
    """No task lives longer than the hard time limit; past it plus a margin, a
    step's holder or a running job's worker is certainly gone."""
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + conf.RUNNING_STALE_MARGIN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holder_lost(step: ReportJobStep, task: TaskRef, now: datetime) -> bool:
    """Whether the delivery that holds `step` is gone (rather than still working)."""
    same_host = step.worker_host == task.host
    if same_host and step.worker_pid == task.pid:
        return True  # this process is free, so its earlier delivery has ended
    if task.redelivered and step.task_id == task.task_id:
        return True  # the broker got this very message back unacknowledged: its worker was lost
    if same_host and step.worker_pid and not _pid_alive(step.worker_pid):
        return True
    return step.started_at is None or step.started_at < now - running_stale_after()


def _take(step: ReportJobStep, task: TaskRef, *, tries: int, now: datetime) -> None:
    step.tries = tries
    step.task_id = task.task_id[:64]
    step.task_retries = task.retries
    step.worker_host = task.host[:255]
    step.worker_pid = task.pid
    step.started_at = now
    step.save()


def _claim_step(job: ReportJob, step_kind: str, index: int, task: TaskRef) -> bool:
    """Let `task` hold a step of the locked, running job's current run, or say no.

    A first delivery takes the step. A Celery retry of the holder takes it back
    as the same try. A delivery that finds the holder gone takes over and
    counts an attempt; past MAX_ATTEMPTS the job fails instead. A delivery
    that finds a live holder or a finished step does nothing."""
    now = timezone.now()
    step, created = ReportJobStep.objects.get_or_create(job=job, run=job.run, step=step_kind, index=index)
    if step.finished_at is not None:
        return False
    if created or step.tries == 0:
        _take(step, task, tries=1, now=now)
    elif step.task_id == task.task_id and task.retries > step.task_retries:
        _take(step, task, tries=step.tries, now=now)
    elif _holder_lost(step, task, now):
        if job.attempts >= conf.MAX_ATTEMPTS:
            _fail_locked(job, _lost_worker_error(job.attempts))
            return False
        lost = {"step": step_kind, "index": index, "worker": f"{step.worker_host} {step.worker_pid}"}
        job.attempts += 1
        job.save(update_fields=["attempts"])
        audit_record(
            actor=None, obj=job, event_type=AuditEventType.WORKER_LOST, old=lost, new={"attempts": job.attempts}
        )
        _take(step, task, tries=step.tries + 1, now=now)
    else:
        return False
    job.heartbeat_at = now
    job.save(update_fields=["heartbeat_at"])
    return True


def _lost_worker_error(attempts: int) -> str:
    return (
        f"The report could not be rendered: the worker rendering it stopped {attempts} times "
        f"(hard time limit of {settings.CELERY_TASK_TIME_LIMIT} s, memory limit or a crash), so it was not "
        "started again. A shorter period or a smaller report may succeed; otherwise tell an administrator."
    )


def _finish_step(job: ReportJob, step_kind: str, index: int = 0, **changes) -> None:
    ReportJobStep.objects.filter(job=job, run=job.run, step=step_kind, index=index).update(
        finished_at=timezone.now(), **changes
    )


def report_job_start(*, job_id, task: TaskRef) -> ReportJob | None:
    """Start rendering: a queued job becomes running in a new run (one attempt
    more, the data read as of now). Returns None when there is nothing to do:
    the job is finished, or another live delivery is rendering it."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.status in (SUCCEEDED, FAILED) or ReportFile.objects.filter(job=job).exists():
            return None
        if job.status == QUEUED:
            now = timezone.now()
            _transition(
                actor=None,
                job=job,
                to_status=RUNNING,
                details={"run": job.run + 1, "attempt": job.attempts + 1},
                run=job.run + 1,
                attempts=job.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                data_as_of=now,
                progress=0,
                section_count=0,
                error="",
            )
        return job if _claim_step(job, ReportStepKind.RENDER, 0, task) else None


def report_job_progress(*, job_id, run: int, percent: int) -> None:
    """Record progress (never backwards) and a heartbeat of the current run."""
    percent = max(0, min(100, int(percent)))
    ReportJob.objects.filter(pk=job_id, run=run, status=RUNNING).update(
        progress=Greatest("progress", percent), heartbeat_at=timezone.now()
    )


def report_job_plan_sections(*, job_id, run: int, count: int) -> bool:
    """Record that the run is rendered as `count` sections."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.status != RUNNING or job.run != run:
            return False
        job.section_count = count
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["section_count", "heartbeat_at"])
    return True


def report_job_render_done(*, job_id, run: int) -> None:
    """The render step handed the run's sections out; it is finished."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is not None and job.run == run:
            _finish_step(job, ReportStepKind.RENDER)


def report_section_start(*, job_id, run: int, index: int, task: TaskRef) -> ReportJob | None:
    """Start rendering section `index` of the run, or None (nothing to do)."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.status != RUNNING or job.run != run or not 0 <= index < job.section_count:
            return None
        return job if _claim_step(job, ReportStepKind.SECTION, index, task) else None


def section_path(job_id, run: int, index: int) -> str:
    return f"reports/{job_id}/sections/{run}-{index:05d}.pdf"


def report_section_finish(*, job_id, run: int, index: int, content: bytes) -> bool:
    """Store a rendered section and count it. True for exactly one call per
    run: the one that finished the last section, which then hands out the merge."""
    # If a lost delivery left a file under this name, the storage picks a free
    # one: a delivery never overwrites or deletes a file another one recorded.
    stored = default_storage.save(section_path(job_id, run, index), ContentFile(content))
    with transaction.atomic():
        job = _locked(job_id)
        step = ReportJobStep.objects.filter(
            job_id=job_id, run=run, step=ReportStepKind.SECTION, index=index, finished_at__isnull=True
        ).first()
        if job is None or job.status != RUNNING or job.run != run or step is None:
            transaction.on_commit(partial(default_storage.delete, stored))
            return False
        step.finished_at = timezone.now()
        step.path = stored
        step.save(update_fields=["finished_at", "path"])
        done = ReportJobStep.objects.filter(
            job=job, run=run, step=ReportStepKind.SECTION, finished_at__isnull=False
        ).count()
        # Sections are 5–90 % of the work (the merge is the rest).
        job.progress = max(job.progress, 5 + 85 * done // max(job.section_count, 1))
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["progress", "heartbeat_at"])
        return done == job.section_count


def report_sections_merge_due(*, job_id, run: int) -> bool:
    """Whether every section of the running run is stored and the merge is not done."""
    job = ReportJob.objects.filter(pk=job_id, run=run, status=RUNNING).first()
    if job is None or job.section_count == 0:
        return False
    sections = ReportJobStep.objects.filter(job=job, run=run, step=ReportStepKind.SECTION, finished_at__isnull=False)
    merged = ReportJobStep.objects.filter(job=job, run=run, step=ReportStepKind.MERGE, finished_at__isnull=False)
    return sections.count() == job.section_count and not merged.exists()


def report_merge_start(*, job_id, run: int, task: TaskRef) -> tuple[ReportJob, list[str]] | None:
    """Start the merge: the job and its section files in order, or None."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.status != RUNNING or job.run != run or job.section_count == 0:
            return None
        paths = list(
            ReportJobStep.objects.filter(job=job, run=run, step=ReportStepKind.SECTION, finished_at__isnull=False)
            .order_by("index")
            .values_list("path", flat=True)
        )
        if len(paths) != job.section_count or not _claim_step(job, ReportStepKind.MERGE, 0, task):
            return None
        return job, paths


def report_job_succeed(
    *, job_id, run: int, rendered: "RenderedPdf", step: str = ReportStepKind.RENDER
) -> ReportJob | None:
    """Store the rendered PDF with its SHA-256, page count, size and as-of time
    and mark the job succeeded. A job that already succeeded (or moved on to
    another run) is left alone and None is returned: its file never changes."""
    from reports import pdf

    content = rendered.content
    digest = hashlib.sha256(content).hexdigest()
    stored: list[str] = []
    try:
        with transaction.atomic():
            job = _locked(job_id)
            if job is None or job.status != RUNNING or job.run != run or ReportFile.objects.filter(job=job).exists():
                return None
            filename = pdf.download_filename(job.kind, job.params, str(job.pk))
            report_file = ReportFile(
                job=job,
                filename=filename,
                sha256=digest,
                page_count=rendered.page_count,
                byte_size=len(content),
                data_as_of=job.data_as_of or job.started_at or timezone.now(),
            )
            report_file.file.save(filename, ContentFile(content), save=False)
            stored.append(report_file.file.name)
            report_file.save()
            now = timezone.now()
            _finish_step(job, step)
            _transition(
                actor=None,
                job=job,
                to_status=SUCCEEDED,
                details={"sha256": digest, "page_count": rendered.page_count, "byte_size": len(content)},
                progress=100,
                finished_at=now,
                heartbeat_at=now,
                error="",
            )
    except IntegrityError:
        # Another delivery stored the job's one file first.
        for name in stored:
            default_storage.delete(name)
        return None
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    return job


def report_job_fail(*, job_id, error: str, run: int | None = None) -> ReportJob | None:
    """Mark a running job failed with an error a person can act on. A job that
    finished, or (when `run` is given) moved on to another run, is left alone."""
    with transaction.atomic():
        job = _locked(job_id)
        if job is None or job.status != RUNNING or (run is not None and job.run != run):
            return None
        return _fail_locked(job, error)


def report_job_sections_delete(*, job_id) -> None:
    """Remove a finished job's section files (the merged file holds them all)."""
    folder = f"reports/{job_id}/sections"
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")


# --------------------------------------------------------------------------- sweeper


@dataclass
class SweepResult:
    sent: int = 0
    requeued: int = 0
    failed: int = 0


SWEEP_BATCH = 200


def report_jobs_sweep(*, now: datetime | None = None) -> SweepResult:
    """Deliver what the broker never got or lost, and recover from dead workers:

    - a queued job never handed to the broker (it was down when the job was
      requested) is sent once it is UNSENT_GRACE seconds old;
    - a queued job sent REDISPATCH_AFTER seconds ago and still not started is
      sent again (its message may have been lost);
    - a running job with no heartbeat for longer than the hard time limit plus
      a margin lost its worker: it is queued again as a new run, or failed once
      it has used MAX_ATTEMPTS attempts."""
    now = now or timezone.now()
    result = SweepResult()
    unsent = ReportJob.objects.filter(
        status=QUEUED, dispatched_at__isnull=True, queued_at__lt=now - timedelta(seconds=conf.UNSENT_GRACE)
    )
    stale = ReportJob.objects.filter(status=QUEUED, dispatched_at__lt=now - timedelta(seconds=conf.REDISPATCH_AFTER))
    for job_id in list(unsent.values_list("pk", flat=True)[:SWEEP_BATCH]) + list(
        stale.values_list("pk", flat=True)[:SWEEP_BATCH]
    ):
        if report_job_dispatch(job_id=job_id):
            result.sent += 1
    dead_before = now - running_stale_after()
    dead = ReportJob.objects.filter(status=RUNNING, heartbeat_at__lt=dead_before).values_list("pk", flat=True)
    for job_id in list(dead[:SWEEP_BATCH]):
        with transaction.atomic():
            job = _locked(job_id)
            if job is None or job.status != RUNNING or not job.heartbeat_at or job.heartbeat_at >= dead_before:
                continue
            if job.attempts >= conf.MAX_ATTEMPTS:
                _fail_locked(job, _lost_worker_error(job.attempts))
                result.failed += 1
                continue
            _transition(
                actor=None,
                job=job,
                to_status=QUEUED,
                details={"reason": "worker lost", "last_heartbeat": job.heartbeat_at},
                dispatched_at=None,
                progress=0,
            )
            transaction.on_commit(partial(report_job_dispatch, job_id=job.pk))
            result.requeued += 1
    if result.sent or result.requeued or result.failed:
        logger.info("Report sweeper: %s", result)
    return result
