"""Celery tasks of the report pipeline. They take ids, call reports.services
and reports.documents, and are safe to receive twice.

A report of one section is rendered by `report_job_render` alone. A long one
is split: `report_job_render` hands out one `report_section_render` per
section (a group, so that every free worker takes one) and the task that
stores the last section hands out `report_sections_merge`. The join is counted
in the database rather than with a Celery chord: Fondas runs without a result
backend, and the count survives worker restarts.

Errors: database, broker and storage errors are transient and retried with
exponential backoff; anything else (invalid parameters, a template or layout
error, the soft time limit) fails the job with its message. The hard time limit
kills the worker child; Celery then calls `on_failure` in the worker's main
process, which fails the job. A child killed by anything else (the out-of-memory
killer, a crash) returns its message to the queue (acks_late +
reject_on_worker_lost); the next delivery takes over and counts an attempt,
and after MAX_ATTEMPTS the job fails instead of looping. While a task holds a
step, reports.heartbeat writes the step's and the job's heartbeat from a
thread; when a whole worker is lost (the machine died, and with it the
messages it held), the heartbeat stops and the sweeper queues the job again
after LOST_AFTER."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Task, group, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.errors import ApplicationError
from reports import conf, documents
from reports.heartbeat import heartbeat
from reports.models import ReportStepKind
from reports.services import steps, sweeper

logger = logging.getLogger(__name__)

# OSError covers storage errors and the builtin ConnectionError/TimeoutError.
TRANSIENT_ERRORS = (
    DatabaseOperationalError,
    InterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
)


def _time_limit_error(seconds: int) -> str:
    return (
        f"The report took longer than {seconds} s to render and was stopped. "
        "A shorter period or a smaller report may succeed; otherwise tell an administrator."
    )


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, SoftTimeLimitExceeded):
        return _time_limit_error(settings.CELERY_TASK_SOFT_TIME_LIMIT)
    if isinstance(exc, TimeLimitExceeded):
        limit = exc.args[0] if exc.args and isinstance(exc.args[0], int | float) else settings.CELERY_TASK_TIME_LIMIT
        return _time_limit_error(limit)
    return f"The report could not be rendered: {type(exc).__name__}: {exc}"


class ReportTask(Task):
    """Retries transient errors with backoff (2, 4, 8 … s, capped, jittered);
    acknowledges a message only when the task is done, and returns it to the
    queue when the worker child dies."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 2
    retry_backoff_max = conf.RETRY_BACKOFF_MAX
    retry_jitter = True
    max_retries = conf.MAX_RETRIES
    acks_late = True
    reject_on_worker_lost = True

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Transient errors that outlived their retries, and the hard time
        limit (called in the worker's main process after it killed the child)."""
        job_id = args[0] if args else kwargs.get("job_id")
        logger.error("Report job %s: %s failed: %r", job_id, self.name, exc)
        try:
            steps.report_job_fail(job_id=job_id, error=_error_text(exc))
        except Exception:  # the database may be what failed; the sweeper recovers the job later
            logger.exception("Report job %s could not be marked failed.", job_id)


def _task_ref(task: Task) -> steps.TaskRef:
    request = task.request
    delivery = request.delivery_info or {}
    return steps.TaskRef(
        task_id=request.id or "",
        retries=request.retries or 0,
        redelivered=bool(delivery.get("redelivered")),
    )


@contextmanager
def _failing_job_on_permanent_errors(job_id: str, run: int) -> Iterator[None]:
    """Transient errors go up to Celery's retry; any other error fails the job."""
    try:
        yield
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        if not isinstance(exc, ApplicationError | SoftTimeLimitExceeded):
            logger.exception("Report job %s failed.", job_id)
        steps.report_job_fail(job_id=job_id, error=_error_text(exc), run=run)


@shared_task(bind=True, base=ReportTask, name="reports.tasks.report_job_render")
def report_job_render(self, job_id: str) -> None:
    """Render a queued job (or hand out its sections). Does nothing for a job
    that is finished or that another live delivery is rendering."""
    task = _task_ref(self)
    job = steps.report_job_start(job_id=job_id, task=task)
    if job is None:
        return
    run = job.run
    beating = heartbeat(job_id=job_id, run=run, step_kind=ReportStepKind.RENDER, task=task)
    with beating, _failing_job_on_permanent_errors(job_id, run):
        count = documents.section_count(job.kind, job.params)
        if count <= 1:
            rendered = documents.render_report(
                kind=job.kind,
                params=job.params,
                report_id=str(job.pk),
                as_of=job.data_as_of,
                progress=lambda percent: steps.report_job_progress(job_id=job_id, run=run, percent=percent),
            )
            steps.report_job_succeed(job_id=job_id, run=run, rendered=rendered)
            return
        steps.report_job_plan_sections(job_id=job_id, run=run, count=count)
        group(report_section_render.si(str(job.pk), run, index) for index in range(count)).apply_async()
        steps.report_job_render_done(job_id=job_id, run=run)


@shared_task(bind=True, base=ReportTask, name="reports.tasks.report_section_render")
def report_section_render(self, job_id: str, run: int, index: int) -> None:
    """Render and store one section; the delivery that stores the last one hands out the merge."""
    task = _task_ref(self)
    job = steps.report_section_start(job_id=job_id, run=run, index=index, task=task)
    if job is None:
        # A duplicate, or the retry of a delivery whose section was stored but
        # whose merge could not be handed out: hand it out now.
        if steps.report_sections_merge_due(job_id=job_id, run=run):
            report_sections_merge.delay(job_id, run)
        return
    beating = heartbeat(job_id=job_id, run=run, step_kind=ReportStepKind.SECTION, index=index, task=task)
    with beating, _failing_job_on_permanent_errors(job_id, run):
        content = documents.render_section(
            kind=job.kind, params=job.params, report_id=str(job.pk), as_of=job.data_as_of, index=index
        )
        if steps.report_section_finish(job_id=job_id, run=run, index=index, content=content):
            report_sections_merge.delay(job_id, run)


@shared_task(bind=True, base=ReportTask, name="reports.tasks.report_sections_merge")
def report_sections_merge(self, job_id: str, run: int) -> None:
    """Join the stored sections into the report's one file."""
    task = _task_ref(self)
    started = steps.report_merge_start(job_id=job_id, run=run, task=task)
    if started is None:
        return
    job, paths = started
    beating = heartbeat(job_id=job_id, run=run, step_kind=ReportStepKind.MERGE, task=task)
    with beating, _failing_job_on_permanent_errors(job_id, run):
        sections = []
        for path in paths:
            with default_storage.open(path, "rb") as section:
                sections.append(section.read())
        rendered = documents.merge_sections(
            kind=job.kind, params=job.params, report_id=str(job.pk), as_of=job.data_as_of, sections=sections
        )
        if steps.report_job_succeed(job_id=job_id, run=run, rendered=rendered, step=ReportStepKind.MERGE):
            try:
                steps.report_job_sections_delete(job_id=job_id)
            except OSError:
                logger.warning("Report job %s: section files were not removed.", job_id, exc_info=True)


@shared_task(name="reports.tasks.report_jobs_sweep")
def report_jobs_sweep() -> None:
    """Run by Celery beat every FONDAS_REPORT_SWEEP_INTERVAL seconds."""
    sweeper.report_jobs_sweep()
