"""The selection API under /api/v1/: calls, applications, evaluations, decisions
(issue 8), namespace "grants-api"."""

from rest_framework.routers import SimpleRouter

from grants.apis import ApplicationViewSet, AssignmentViewSet, CallViewSet

app_name = "grants-api"

router = SimpleRouter()
router.register("calls", CallViewSet, basename="call")
router.register("applications", ApplicationViewSet, basename="application")
router.register("assignments", AssignmentViewSet, basename="assignment")

urlpatterns = router.urls
