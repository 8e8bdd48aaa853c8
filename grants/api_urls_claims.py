"""The payment-claim API under /api/v1/ (namespace "claims-api"): claims, items, indicator
values, verification, payment."""

from rest_framework.routers import SimpleRouter

from grants.apis_claims import ClaimViewSet

app_name = "claims-api"

router = SimpleRouter()
router.register("claims", ClaimViewSet, basename="claim")

urlpatterns = router.urls
