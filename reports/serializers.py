"""Shapes of report jobs on the REST API: the request body, the job as the
API shows it, and the error body (for the schema)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import ErrorSerializer  # noqa: F401  (the API's one error shape, re-exported for the schema)
from reports.kinds import kind_choices
from reports.models import ReportFile, ReportJob, ReportJobStatus


def report_title(job: ReportJob) -> str:
    """The person-readable title of a job, e.g. "Programme implementation report
    — … as of …", fixed when the job was requested."""
    return job.title or job.get_kind_display()


class ReportJobRequestSerializer(serializers.Serializer):
    """POST /api/v1/reports/. Only the shape is checked here; which parameters a
    kind needs, and whether the user may ask for it, is the service's to decide."""

    kind = serializers.ChoiceField(choices=())
    params = serializers.DictField(
        required=False,
        default=dict,
        help_text="The kind's parameters, and `language` ('lt' or 'en'; default: the request's language).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()  # the registry's kinds (reports.kinds)


class ReportFileSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportFile
        fields = ["filename", "sha256", "page_count", "byte_size", "data_as_of", "download_url"]

    def get_download_url(self, report_file: ReportFile) -> str:
        return reverse("reports-api:report-job-download", kwargs={"pk": report_file.job_id})


class ReportJobSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    title = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    url = serializers.SerializerMethodField()
    output = serializers.SerializerMethodField(help_text="The stored PDF; null until the job has succeeded.")

    class Meta:
        model = ReportJob
        fields = [
            "id",
            "url",
            "kind",
            "kind_display",
            "title",
            "params",
            "status",
            "status_display",
            "progress",
            "requested_by",
            "queued_at",
            "started_at",
            "finished_at",
            "attempts",
            "error",
            "output",
        ]
        read_only_fields = fields

    def get_title(self, job: ReportJob) -> str:
        return report_title(job)

    def get_url(self, job: ReportJob) -> str:
        return reverse("reports-api:report-job-detail", kwargs={"pk": job.pk})

    @extend_schema_field(ReportFileSerializer(allow_null=True))
    def get_output(self, job: ReportJob) -> dict | None:
        if job.status != ReportJobStatus.SUCCEEDED:
            return None
        try:
            report_file = job.output
        except ReportFile.DoesNotExist:
            return None
        return ReportFileSerializer(report_file, context=self.context).data
