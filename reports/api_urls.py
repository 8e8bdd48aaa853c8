"""REST API of report jobs, included at /api/v1/ (namespace "reports-api")."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from reports import views_receipts
from reports.apis import ReportJobViewSet

app_name = "reports-api"

router = SimpleRouter()
router.register("reports", ReportJobViewSet, basename="report-job")

urlpatterns = [
    *router.urls,
    path(
        "applications/<int:application_id>/receipt/",
        views_receipts.ApplicationReceiptApi.as_view(),
        name="application-receipt",
    ),
]
