"""Read-only admin of report jobs: the administrator sees what workers did
(status, attempts, errors, steps, the stored file) but changes nothing here;
jobs change only through reports.services, and stored files never change."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin
from reports.models import ReportFile, ReportJob, ReportJobStep


class ReportFileInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = ReportFile
    fields = ("filename", "file", "sha256", "page_count", "byte_size", "data_as_of", "created_at")
    readonly_fields = fields
    extra = 0


class ReportJobStepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReportJobStep
    fields = ("run", "step", "index", "tries", "worker_host", "worker_pid", "started_at", "finished_at")
    readonly_fields = fields
    extra = 0


@admin.register(ReportJob)
class ReportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("short_id", "kind", "status", "progress", "attempts", "requested_by", "queued_at", "finished_at")
    list_filter = ("status", "kind")
    search_fields = ("id", "requested_by__username", "error")
    list_select_related = ("requested_by",)
    readonly_fields = [f.name for f in ReportJob._meta.fields]
    inlines = [ReportFileInline, ReportJobStepInline]


@admin.register(ReportFile)
class ReportFileAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("filename", "job", "page_count", "byte_size", "data_as_of", "created_at")
    search_fields = ("filename", "sha256")
    list_select_related = ("job",)
    readonly_fields = [f.name for f in ReportFile._meta.fields]
