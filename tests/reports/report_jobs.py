"""Helpers for the report API and page tests: jobs requested through the
service (with the broker hand-off captured, never run) and a stored PDF written
directly, so that no test here renders a report."""

import hashlib
from datetime import UTC, datetime
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils import timezone
from pypdf import PdfWriter

from reports.models import ReportFile, ReportJob, ReportJobStatus
from reports.services.jobs import report_job_request


def small_pdf(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": "Fondas test report"})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def request_job(capture, *, actor, kind: str, params: dict) -> ReportJob:
    """A job queued by the service; `capture` is pytest-django's
    django_capture_on_commit_callbacks, so the broker hand-off is recorded and
    not executed."""
    with capture(execute=False) as callbacks:
        job = report_job_request(actor=actor, kind=kind, params=params)
    assert len(callbacks) == 1, "the service hands a queued job to the broker once, after commit"
    return job


def mark_failed(job: ReportJob, error: str = "The programme has no instruments.") -> ReportJob:
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJobStatus.FAILED, error=error, attempts=1, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def mark_running(job: ReportJob, progress: int) -> ReportJob:
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJobStatus.RUNNING, progress=progress, attempts=1)
    job.refresh_from_db()
    return job


def attach_file(job: ReportJob, content: bytes | None = None, *, filename: str = "fondas-test-report.pdf"):
    """Mark the job succeeded with `content` stored as its file; returns (job, bytes)."""
    content = content if content is not None else small_pdf()
    report_file = ReportFile(
        job=job,
        filename=filename,
        sha256=hashlib.sha256(content).hexdigest(),
        page_count=2,
        byte_size=len(content),
        data_as_of=datetime(2024, 6, 30, 12, 0, tzinfo=UTC),
    )
    report_file.file.save(filename, ContentFile(content), save=False)
    report_file.save()
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJobStatus.SUCCEEDED, progress=100, attempts=1, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job, content
