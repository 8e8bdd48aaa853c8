"""The sweeper, run by Celery beat: delivers what the broker never got or
lost, and recovers jobs whose worker died."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from reports import conf
from reports.models import ReportJob
from reports.services.jobs import QUEUED, RUNNING, fail_locked, job_transition, locked, report_job_dispatch
from reports.services.steps import lost_worker_error, running_stale_after

logger = logging.getLogger(__name__)


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
            job = locked(job_id)
            if job is None or job.status != RUNNING or not job.heartbeat_at or job.heartbeat_at >= dead_before:
                continue
            if job.attempts >= conf.MAX_ATTEMPTS:
                fail_locked(job, lost_worker_error(job.attempts))
                result.failed += 1
                continue
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
