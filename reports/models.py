"""Report jobs and the immutable files they produce."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ReportKind(models.TextChoices):
    PROGRAMME = "programme", "Programme implementation report"
    INSTRUMENT = "instrument", "Instrument implementation report"
    PROJECT = "project", "Project statement"
    AUDIT_TRAIL = "audit_trail", "Audit-trail extract"


class ReportJobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ReportJob(models.Model):
    """One request for a report. A succeeded job's file never changes;
    regenerating a report creates a new job, so the history stays."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ReportJobStatus.choices, default=ReportJobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_jobs")
    queued_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # When the job was last handed to the broker; the sweeper re-sends stale ones.
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at"]
        indexes = [models.Index(fields=["status", "dispatched_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_job_progress_max_100"),
            models.CheckConstraint(condition=Q(kind__in=ReportKind.values), name="report_job_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=ReportJobStatus.values), name="report_job_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.short_id}"

    @property
    def short_id(self) -> str:
        return str(self.id).split("-")[0].upper()


def report_file_path(instance: "ReportFile", filename: str) -> str:
    return f"reports/{instance.job_id}/{filename}"


class ReportFile(models.Model):
    """The rendered PDF of a succeeded job. One per job, enforced by the
    database, so a duplicate delivery of a finished job cannot store a second."""

    job = models.OneToOneField(ReportJob, on_delete=models.PROTECT, related_name="output")
    file = models.FileField(upload_to=report_file_path, max_length=300)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField()
    byte_size = models.PositiveBigIntegerField()
    data_as_of = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="report_file_sha256_hex"),
        ]

    def __str__(self) -> str:
        return self.filename
