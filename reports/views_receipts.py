"""The receipt PDF of a submitted application, on the pages
(/reports/receipts/<id>.pdf) and on the API. Only for users who may see the
application (grants.selectors.applications.applications_visible_to); anyone
else, and a draft without a number, gets 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from core.api import ErrorSerializer
from grants.models import Application
from grants.selectors.applications import applications_visible_to
from reports.receipts import receipt_filename, receipt_pdf


def receipt_application(user, application_id: int) -> Application:
    """The submitted application `application_id` if `user` may see it, else Http404."""
    application = (
        applications_visible_to(user)
        .filter(pk=application_id, number__isnull=False, submitted_at__isnull=False)
        .select_related("created_by")
        .first()
    )
    if application is None:
        raise Http404("No such application.")
    return application


def receipt_response(application: Application, language: str | None = None) -> HttpResponse:
    rendered = receipt_pdf(application, language=language)
    response = HttpResponse(rendered.content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipt_filename(application)}"'
    response["Cache-Control"] = "private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def application_receipt(request, application_id: int):
    """GET /reports/receipts/<id>.pdf: the receipt in the applicant's language
    (or `?language=lt|en`)."""
    application = receipt_application(request.user, application_id)
    return receipt_response(application, request.GET.get("language"))


class ApplicationReceiptApi(APIView):
    """GET /api/v1/applications/<id>/receipt/ (routed in reports/api_urls.py)."""

    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # The client asks for application/pdf; errors still come back as JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        tags=["applications"],
        operation_id="applications_receipt_retrieve",
        summary="The receipt of a submitted application as a PDF",
        description=(
            "Number, submission time (Europe/Vilnius), call, applicant, title, amounts and the attachments with "
            "their SHA-256, as a tagged PDF/A-3a. In the applicant's language unless `language` is given."
        ),
        parameters=[
            OpenApiParameter("application_id", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter("language", str, OpenApiParameter.QUERY, enum=["lt", "en"], required=False),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            404: OpenApiResponse(ErrorSerializer, description="No submitted application visible to the user."),
        },
    )
    def get(self, request, application_id: int):
        application = receipt_application(request.user, application_id)
        return receipt_response(application, request.query_params.get("language"))
