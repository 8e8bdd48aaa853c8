"""The sweeper, run by Celery beat: delivers what the broker never got or
lost, and recovers jobs whose worker died."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEventType
from reports import conf
from reports.models import ReportJob, ReportJobStep, ReportStepKind
from reports.services.jobs import QUEUED, RUNNING, fail_locked, job_transition, locked, report_job_dispatch
from reports.services.steps import lost_after, lost_worker_error, stale_steps

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    sent: int = 0
    requeued: int = 0
    failed: int = 0


SWEEP_BATCH = 200


def _lost_steps(job: ReportJob, *, now: datetime) -> list[dict] | None:
    """What of the locked running job was lost with its worker (its silent
    steps, or [] for a run that waited too long with no step held), or None
    when the job is still alive or merely waiting in the queue."""
    silent = [
        {"step": step.step, "index": step.index, "worker": f"{step.worker_host} {step.worker_pid}"}
        for step in stale_steps(job, now=now)
    ]
    if silent:
        return silent
    run_steps = ReportJobStep.objects.filter(job=job, run=job.run)
    if run_steps.filter(finished_at__isnull=True).exists():
        return None  # held, and its holder is alive
    # No step held. Once the render step handed the sections out, they (or the
    # merge) may be waiting behind other reports in the queue: that is no loss
    # until WAITING_LOST_AFTER, when their messages were probably lost.
    handed_out = run_steps.filter(step=ReportStepKind.RENDER, finished_at__isnull=False).exists()
    if handed_out and job.heartbeat_at >= now - timedelta(seconds=conf.WAITING_LOST_AFTER):
        return None
    return []


def report_jobs_sweep(*, now: datetime | None = None) -> SweepResult:
    """Deliver what the broker never got or lost, and recover from dead workers:

    - a queued job never handed to the broker (it was down when the job was
      requested) is sent once it is UNSENT_GRACE seconds old;
    - a queued job sent REDISPATCH_AFTER seconds ago and still not started is
      sent again (its message may have been lost);
    - a running job lost its worker when a step of its run is held by a
      process that wrote no heartbeat for LOST_AFTER seconds, or when it holds
      no step (its sections or merge wait in the queue) and nothing happened
      for WAITING_LOST_AFTER seconds: it is queued again as a new run, with
      the loss in the audit trail, or failed once it has used MAX_ATTEMPTS."""
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
    dead_before = now - lost_after()
    dead = ReportJob.objects.filter(status=RUNNING, heartbeat_at__lt=dead_before).values_list("pk", flat=True)
    for job_id in list(dead[:SWEEP_BATCH]):
        with transaction.atomic():
            job = locked(job_id)
            if job is None or job.status != RUNNING or not job.heartbeat_at or job.heartbeat_at >= dead_before:
                continue
            lost = _lost_steps(job, now=now)
            if lost is None:
                continue
            if job.attempts >= conf.MAX_ATTEMPTS:
                fail_locked(job, lost_worker_error(job.attempts))
                result.failed += 1
                continue
            audit_record(
                actor=None,
                obj=job,
                event_type=AuditEventType.WORKER_LOST,
                old={"run": job.run, "last_heartbeat": job.heartbeat_at, "steps": lost},
                new={"attempts": job.attempts, "requeued": True},
            )
            job_transition(
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
