"""REST API of report jobs (/api/v1/reports/): request a report (answered at once
with 202 Accepted; a worker renders it), follow its progress, download the PDF,
retry a failed job. One ViewSet; the rules live in reports.services/selectors."""

import uuid

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api import Pagination
from core.i18n import active_language, supported_language
from core.permissions import UsesReports
from reports.filters import ReportJobFilter
from reports.models import ReportJob
from reports.selectors import report_job_get_for, report_jobs_visible_to
from reports.serializers import ErrorSerializer, ReportJobRequestSerializer, ReportJobSerializer
from reports.services.jobs import report_job_request, report_job_retry
from reports.views import ReportFileMissingError, ReportNotReadyError, report_download_response


class ReportJobPagination(Pagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ReportNotReadyApiError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "report_not_ready"
    default_detail = _("The report has not been produced yet.")


class ReportFileGoneApiError(exceptions.APIException):
    status_code = status.HTTP_410_GONE
    default_code = "report_file_missing"
    default_detail = _("The stored file of this report cannot be read. Request the report again.")


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid kind or parameters; `fields` names the input."),
    403: OpenApiResponse(ErrorSerializer, description="The user's role may not do this."),
    404: OpenApiResponse(ErrorSerializer, description="No such job visible to the user."),
}
LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, description="The job's URL, e.g. /api/v1/reports/{id}/.", response=[202]
)
JOB_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The report job's id.")


@extend_schema(tags=["reports"])
@extend_schema_view(
    list=extend_schema(
        summary="List report jobs",
        description="The jobs visible to the user, newest first, filterable by kind and status.",
        responses={200: ReportJobSerializer(many=True), 400: ERRORS[400], 403: ERRORS[403]},
    ),
    retrieve=extend_schema(
        summary="A report job's status and, when it has succeeded, its file",
        parameters=[JOB_ID],
        responses={200: ReportJobSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    ),
)
class ReportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, UsesReports]
    serializer_class = ReportJobSerializer
    filterset_class = ReportJobFilter
    pagination_class = ReportJobPagination
    queryset = ReportJob.objects.none()  # for the schema; get_queryset answers requests

    def get_queryset(self):
        return (
            report_jobs_visible_to(self.request.user)
            .select_related("requested_by", "output")
            .order_by("-queued_at", "-pk")
        )

    def get_object(self) -> ReportJob:
        try:
            job_id = uuid.UUID(str(self.kwargs[self.lookup_field]))
        except ValueError:
            raise exceptions.NotFound() from None
        return report_job_get_for(user=self.request.user, job_id=job_id)

    def perform_content_negotiation(self, request, force=False):
        # A client of the download asks for application/pdf; its errors still
        # come back as the API's JSON error body rather than 406.
        return super().perform_content_negotiation(request, force=force or self.action == "download")

    def _accepted(self, job: ReportJob) -> Response:
        location = reverse("reports-api:report-job-detail", kwargs={"pk": job.pk})
        data = ReportJobSerializer(job, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(
        summary="Request a report",
        description=(
            "Queues the report and answers at once with 202 Accepted; a worker renders it. "
            "Follow the job at the URL in the Location header until its status is `succeeded` or `failed`. "
            "`params.language` ('lt' or 'en') is the language the report is written in; without it, the "
            "request's language (Accept-Language) is stored with the job."
        ),
        request=ReportJobRequestSerializer,
        parameters=[LOCATION],
        responses={202: ReportJobSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request):
        serializer = ReportJobRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        params = serializer.validated_data["params"]
        if "language" not in params:
            # The requester's language, fixed now and stored with the job.
            language = supported_language(getattr(request, "LANGUAGE_CODE", None)) or active_language()
            params = {**params, "language": language}
        job = report_job_request(actor=request.user, kind=serializer.validated_data["kind"], params=params)
        return self._accepted(job)

    @extend_schema(
        summary="Download the report's PDF",
        description=(
            "The stored PDF as an attachment. `X-Content-SHA256` (hex) and `Repr-Digest`/`Digest` (base64) "
            "carry the SHA-256 of the bytes. 409 while the job has not succeeded."
        ),
        parameters=[
            JOB_ID,
            OpenApiParameter("X-Content-SHA256", str, OpenApiParameter.HEADER, response=[200]),
            OpenApiParameter("Repr-Digest", str, OpenApiParameter.HEADER, response=[200]),
            OpenApiParameter("Content-Disposition", str, OpenApiParameter.HEADER, response=[200]),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            403: ERRORS[403],
            404: ERRORS[404],
            409: OpenApiResponse(ErrorSerializer, description="The job is queued, running or failed."),
            410: OpenApiResponse(ErrorSerializer, description="The stored file cannot be read."),
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        try:
            return report_download_response(job, actor=request.user)
        except ReportNotReadyError as exc:
            raise ReportNotReadyApiError(exc.message) from None
        except ReportFileMissingError:
            raise ReportFileGoneApiError() from None

    @extend_schema(
        summary="Retry a failed report job",
        description=(
            "Queues a failed job again, with a fresh count of attempts. Officers and auditors may retry any job, "
            "an applicant its organisation's statements."
        ),
        request=None,
        parameters=[JOB_ID, LOCATION],
        responses={
            202: ReportJobSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The job has not failed."),
            403: ERRORS[403],
            404: ERRORS[404],
        },
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        job = report_job_retry(actor=request.user, job=self.get_object())
        return self._accepted(job)
