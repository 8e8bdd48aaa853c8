"""Read-only admin of report jobs: the administrator sees what workers did
(status, attempts, errors, steps, the stored file) but changes nothing here;
jobs change only through reports.services, and stored files never change."""

from django.contrib import admin

from reports.models import ReportFile, ReportJob, ReportJobStep


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportFileInline(ReadOnlyMixin, admin.StackedInline):
    model = ReportFile
    fields = ("filename", "file", "sha256", "page_count", "byte_size", "data_as_of", "created_at")
    readonly_fields = fields
    extra = 0


class ReportJobStepInline(ReadOnlyMixin, admin.TabularInline):
    model = ReportJobStep
    fields = ("run", "step", "index", "tries", "worker_host", "worker_pid", "started_at", "finished_at")
    readonly_fields = fields
    extra = 0


@admin.register(ReportJob)
class ReportJobAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("short_id", "kind", "status", "progress", "attempts", "requested_by", "queued_at", "finished_at")
    list_filter = ("status", "kind")
    search_fields = ("id", "requested_by__username", "error")
    list_select_related = ("requested_by",)
    readonly_fields = [f.name for f in ReportJob._meta.fields]
    inlines = [ReportFileInline, ReportJobStepInline]


@admin.register(ReportFile)
class ReportFileAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("filename", "job", "page_count", "byte_size", "data_as_of", "created_at")
    search_fields = ("filename", "sha256")
    list_select_related = ("job",)
    readonly_fields = [f.name for f in ReportFile._meta.fields]
