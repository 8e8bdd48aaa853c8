"""Report jobs as a person or the API sees them: requesting, retrying, handing
to the broker, downloading (audited). A job moves queued → running → succeeded | failed;
a failed job can be queued again, and the sweeper puts a running job whose
worker died back in the queue. Every status change goes through
`core.workflow.transition` with ALLOWED_TRANSITIONS and writes an audit event
in the same transaction."""

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ApplicationError
from core.models import AuditEventType
from core.workflow import transition
from reports import conf
from reports.kinds import get_kind
from reports.models import ReportFile, ReportJob, ReportJobStatus

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


def _require_may_request(actor, kind, params: dict) -> None:
    """The kind decides who may ask for it (e.g. an applicant only the
    statement of its organisation's project)."""
    kind.require_may_request(actor, params)


def locked(job_id) -> ReportJob | None:
    """The job, row-locked until the surrounding transaction ends."""
    return ReportJob.objects.select_for_update().filter(pk=job_id).first()


def job_transition(*, actor, job: ReportJob, to_status: str, details: dict | None = None, **changes) -> ReportJob:
    """Move a job to `to_status` with `changes`, if ALLOWED_TRANSITIONS allows it."""
    return transition(
        actor=actor, obj=job, to_status=to_status, allowed=ALLOWED_TRANSITIONS, changes=changes, details=details
    )


def fail_locked(job: ReportJob, error: str) -> ReportJob:
    now = timezone.now()
    error = (error or "The report could not be rendered.")[:ERROR_MAX_LENGTH]
    return job_transition(
        actor=None, job=job, to_status=FAILED, details={"error": error}, error=error, finished_at=now, heartbeat_at=now
    )


def report_job_request(*, actor, kind: str, params: dict) -> ReportJob:
    """Queue a report for rendering and hand it to the broker once the job is
    committed. The request succeeds even when the broker is down: the job then
    stays queued with no dispatch time and the sweeper sends it later."""
    spec = get_kind(kind)
    _require_may_request(actor, spec, params)
    clean = spec.validate(params)
    _require_may_request(actor, spec, clean)
    with transaction.atomic():
        with translation.override(spec.language(clean)):  # the title of the document, in its language
            title = spec.title(clean)[:300]
        job = ReportJob.objects.create(kind=spec.code, params=clean, title=title, requested_by=actor)
        audit_record(actor=actor, obj=job, event_type=AuditEventType.REQUESTED, new={"kind": kind, "params": clean})
        transaction.on_commit(partial(report_job_dispatch, job_id=job.pk))
    return job


def report_job_retry(*, actor, job: ReportJob) -> ReportJob:
    """Queue a failed job again: the same job, a fresh budget of attempts."""
    _require_may_request(actor, get_kind(job.kind), job.params)
    with transaction.atomic():
        current = locked(job.pk)
        if current.status != FAILED:
            # Running → queued is the sweeper's move, not a person's.
            raise ApplicationError(
                _("Only a failed report can be retried; this one is %(status)s.")
                % {"status": current.get_status_display().lower()},
                field="status",
                details={"from": current.status, "to": QUEUED},
            )
        previous = {"attempts": current.attempts, "error": current.error}
        job_transition(
            actor=actor,
            job=current,
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
        transaction.on_commit(partial(report_job_dispatch, job_id=current.pk))
    return current


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


def report_file_download(*, actor, job: ReportJob) -> ReportFile:
    """Record that `actor` downloads the job's file (who, which job, when) and
    return the file. Raises ReportFile.DoesNotExist when the job has none. The
    caller has already checked that the actor may see the job."""
    with transaction.atomic():
        report_file = ReportFile.objects.get(job=job)
        audit_record(
            actor=actor,
            obj=job,
            event_type=AuditEventType.DOWNLOADED,
            new={"filename": report_file.filename, "sha256": report_file.sha256},
        )
    return report_file
