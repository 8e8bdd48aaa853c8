"""What a worker does to a job, step by step: start a run, record progress,
render sections, merge, succeed or fail. Messages can arrive twice (a
redelivery after a lost worker, a message the sweeper re-sent): each step of a
run is held by one task delivery at a time (ReportJobStep), a finished job is
never touched again, and the one-to-one ReportFile is the last line of defence
against a second file."""

import hashlib
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEventType
from reports import conf
from reports.models import ReportFile, ReportJob, ReportJobStep, ReportStepKind
from reports.services.jobs import FAILED, QUEUED, RUNNING, SUCCEEDED, fail_locked, job_transition, locked

if TYPE_CHECKING:
    from reports.rendering import RenderedPdf

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskRef:
    """The task delivery that is doing a step: its Celery id, how many times
    it has been retried, whether the broker redelivered it, and where it runs."""

    task_id: str
    retries: int = 0
    redelivered: bool = False
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)


def lost_after() -> timedelta:
    """A live holder of a step writes its heartbeat every HEARTBEAT_INTERVAL
    (reports.heartbeat); one silent for LOST_AFTER has lost its worker."""
    return timedelta(seconds=conf.LOST_AFTER)


def stale_steps(job: ReportJob, *, now: datetime):
    """The unfinished steps of the job's current run whose holder gave no sign
    of life for LOST_AFTER (the heartbeat, or the claim before the first one)."""
    return (
        ReportJobStep.objects.filter(job=job, run=job.run, finished_at__isnull=True)
        .annotate(last_sign=Coalesce("heartbeat_at", "started_at"))
        .filter(Q(last_sign__isnull=True) | Q(last_sign__lt=now - lost_after()))
    )


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
    last_sign = step.heartbeat_at or step.started_at
    return last_sign is None or last_sign < now - lost_after()


def _take(step: ReportJobStep, task: TaskRef, *, tries: int, now: datetime) -> None:
    step.tries = tries
    step.task_id = task.task_id[:64]
    step.task_retries = task.retries
    step.worker_host = task.host[:255]
    step.worker_pid = task.pid
    step.started_at = now
    step.heartbeat_at = now
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
            fail_locked(job, lost_worker_error(job.attempts))
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


def lost_worker_error(attempts: int) -> str:
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
        job = locked(job_id)
        if job is None or job.status in (SUCCEEDED, FAILED) or ReportFile.objects.filter(job=job).exists():
            return None
        if job.status == QUEUED:
            now = timezone.now()
            job_transition(
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


def report_step_beat(*, job_id, run: int, step_kind: str, index: int, task: TaskRef) -> bool:
    """One heartbeat of a step held by `task`: the step's and the job's
    heartbeat become now. True while the step is still `task`'s to do; False
    once the step is finished or taken over, or the job left RUNNING or this
    run, so that a heartbeat never keeps a lost or finished job alive."""
    with transaction.atomic():
        # The job row first, as every other step service locks it: no deadlock.
        job = locked(job_id)
        if job is None or job.status != RUNNING or job.run != run:
            return False
        now = timezone.now()
        held = ReportJobStep.objects.filter(
            job=job,
            run=run,
            step=step_kind,
            index=index,
            finished_at__isnull=True,
            task_id=task.task_id[:64],
            worker_host=task.host[:255],
            worker_pid=task.pid,
        ).update(heartbeat_at=now)
        if not held:
            return False
        job.heartbeat_at = now
        job.save(update_fields=["heartbeat_at"])
    return True


def report_job_plan_sections(*, job_id, run: int, count: int) -> bool:
    """Record that the run is rendered as `count` sections."""
    with transaction.atomic():
        job = locked(job_id)
        if job is None or job.status != RUNNING or job.run != run:
            return False
        job.section_count = count
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["section_count", "heartbeat_at"])
    return True


def report_job_render_done(*, job_id, run: int) -> None:
    """The render step handed the run's sections out; it is finished."""
    with transaction.atomic():
        job = locked(job_id)
        if job is not None and job.run == run:
            _finish_step(job, ReportStepKind.RENDER)


def report_section_start(*, job_id, run: int, index: int, task: TaskRef) -> ReportJob | None:
    """Start rendering section `index` of the run, or None (nothing to do)."""
    with transaction.atomic():
        job = locked(job_id)
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
        job = locked(job_id)
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
        job = locked(job_id)
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
    from reports import documents

    content = rendered.content
    digest = hashlib.sha256(content).hexdigest()
    stored: list[str] = []
    try:
        with transaction.atomic():
            job = locked(job_id)
            if job is None or job.status != RUNNING or job.run != run or ReportFile.objects.filter(job=job).exists():
                return None
            filename = documents.download_filename(job.kind, job.params, str(job.pk))
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
            job_transition(
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
        job = locked(job_id)
        if job is None or job.status != RUNNING or (run is not None and job.run != run):
            return None
        return fail_locked(job, error)


def report_job_sections_delete(*, job_id) -> None:
    """Remove a finished job's section files (the merged file holds them all)."""
    folder = f"reports/{job_id}/sections"
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")
