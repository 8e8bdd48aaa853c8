"""Report jobs and the immutable files they produce."""

import enum
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reports.kinds import kind_choices, kind_label


class ReportKind(enum.StrEnum):
    """Codes of the kinds Fondas ships, for code that names one of them. Which
    kinds exist, their labels and the field's choices come from the registry
    (reports.kinds): a new kind needs no change here and no migration."""

    PROGRAMME = "programme"
    INSTRUMENT = "instrument"
    PROJECT = "project"
    AUDIT_TRAIL = "audit_trail"


class ReportJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class ReportJob(models.Model):
    """One request for a report. A succeeded job's file never changes;
    regenerating a report creates a new job, so the history stays."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Choices from the registry (a callable, so a new kind needs no migration);
    # the request services validate the kind against the same registry.
    kind = models.CharField(_("report kind"), max_length=40, choices=kind_choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    # The person-readable title (the kind's title), fixed when requested so
    # that lists show it without looking up each report's subject.
    title = models.CharField(_("title"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportJobStatus.choices, default=ReportJobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="report_jobs"
    )
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    # When the job was last handed to the broker; the sweeper re-sends stale ones.
    dispatched_at = models.DateTimeField(_("handed to the broker at"), null=True, blank=True)
    # How many times the job has been started from the queue. Every task of a
    # run carries this number, so leftovers of an earlier run find a different
    # one and do nothing.
    run = models.PositiveSmallIntegerField(_("run"), default=0)
    # The moment the current run reads the data as of; every section of the
    # run uses the same one, and the stored file records it.
    data_as_of = models.DateTimeField(_("data as of"), null=True, blank=True)
    # The last sign of life of a task working on the job, written by the
    # heartbeat thread of the step it holds (reports.heartbeat); see
    # reports.conf.LOST_AFTER for when the sweeper counts the worker as lost.
    heartbeat_at = models.DateTimeField(_("last heartbeat at"), null=True, blank=True)
    # How many sections the current run is split into (0 until decided).
    section_count = models.PositiveIntegerField(_("sections"), default=0)

    class Meta:
        verbose_name = _("report job")
        verbose_name_plural = _("report jobs")
        ordering = ["-queued_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_job_progress_max_100"),
            models.CheckConstraint(condition=Q(status__in=ReportJobStatus.values), name="report_job_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "dispatched_at"]),
            models.Index(fields=["status", "heartbeat_at"], name="report_job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.short_id}"

    def get_kind_display(self) -> str:
        """The kind's label; the code itself for a kind no longer registered."""
        return kind_label(self.kind)

    @property
    def short_id(self) -> str:
        return str(self.id).split("-")[0].upper()


def report_file_path(instance: "ReportFile", filename: str) -> str:
    return f"reports/{instance.job_id}/{filename}"


class ReportFile(models.Model):
    """The rendered PDF of a succeeded job. One per job, enforced by the
    database, so a duplicate delivery of a finished job cannot store a second."""

    job = models.OneToOneField(ReportJob, verbose_name=_("report job"), on_delete=models.PROTECT, related_name="output")
    file = models.FileField(_("file"), upload_to=report_file_path, max_length=300)
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    page_count = models.PositiveIntegerField(_("pages"))
    byte_size = models.PositiveBigIntegerField(_("size in bytes"))
    data_as_of = models.DateTimeField(_("data as of"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        constraints = [
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="report_file_sha256_hex"),
        ]

    def __str__(self) -> str:
        return self.filename


class ReportStepKind(models.TextChoices):
    RENDER = "render", _("Render")
    SECTION = "section", _("Section")
    MERGE = "merge", _("Merge")


class ReportJobStep(models.Model):
    """One piece of work of a job's run, held by one task at a time: the
    render, each section of a long report, the merge. It records which worker
    process holds it, so that a redelivered message can tell a lost worker
    (take over, counting an attempt) from a live duplicate (do nothing)."""

    job = models.ForeignKey(ReportJob, verbose_name=_("report job"), on_delete=models.CASCADE, related_name="steps")
    run = models.PositiveSmallIntegerField(_("run"))
    step = models.CharField(_("step"), max_length=10, choices=ReportStepKind.choices)
    index = models.PositiveIntegerField(_("section"), default=0)
    tries = models.PositiveSmallIntegerField(_("tries"), default=0)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    task_retries = models.PositiveSmallIntegerField(_("task retries"), default=0)
    worker_host = models.CharField(_("worker host"), max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(_("worker process id"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # The last sign of life of the delivery that holds the step; a heartbeat
    # thread updates it while the step runs, layout included.
    heartbeat_at = models.DateTimeField(_("last heartbeat at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # A finished section's PDF in the default storage.
    path = models.CharField(_("stored section"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("report job step")
        verbose_name_plural = _("report job steps")
        ordering = ["job", "run", "step", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "run", "step", "index"], name="report_job_step_unique"),
            models.CheckConstraint(condition=Q(step__in=ReportStepKind.values), name="report_job_step_kind_valid"),
        ]

    def __str__(self) -> str:
        label = f"{self.step} {self.index}" if self.step == ReportStepKind.SECTION else self.step
        return f"{self.job.short_id} run {self.run} {label}"
