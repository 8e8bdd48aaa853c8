"""The audit-trail API under /api/v1/ (namespace "audit-api")."""

from rest_framework.routers import SimpleRouter

from core.apis_audit import AuditEventViewSet

app_name = "audit-api"

router = SimpleRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")

urlpatterns = router.urls
