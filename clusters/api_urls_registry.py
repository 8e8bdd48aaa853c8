"""The cluster registry API under /api/v1/ (namespace "registry-api")."""

from rest_framework.routers import SimpleRouter

from clusters.apis_registry import ClusterViewSet

app_name = "registry-api"

router = SimpleRouter()
router.register("clusters", ClusterViewSet, basename="cluster")

urlpatterns = router.urls
