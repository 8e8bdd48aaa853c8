"""REST API of report jobs, included at /api/v1/ (namespace "reports-api")."""

from rest_framework.routers import SimpleRouter

from reports.apis import ReportJobViewSet

app_name = "reports-api"

router = SimpleRouter()
router.register("reports", ReportJobViewSet, basename="report-job")

urlpatterns = router.urls
