"""Report jobs as a person or the API sees them: requesting, retrying, handing
to the broker, downloading. A job moves queued → running → succeeded | failed;
a failed job can be queued again, and the sweeper puts a running job whose
worker died back in the queue. Every status change goes through
`core.workflow.transition` with ALLOWED_TRANSITIONS and writes an audit event
in the same transaction."""

import logging
from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from clusters.selectors import organisation_id_for
from core.audit import audit_record
from core.errors import ApplicationError
from core.models import AuditEventType
from core.permissions import Access
from core.workflow import transition
from grants.models import Project
from reports import conf
from reports.models import ReportJob, ReportJobStatus, ReportKind

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
        current = locked(job.pk)
        if current.status != FAILED:
            # Running → queued is the sweeper's move, not a person's.
            raise ApplicationError(
                f"Only a failed report can be retried; this one is {current.status}.",
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
