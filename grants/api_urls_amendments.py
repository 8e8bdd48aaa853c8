"""The amendment and project API under /api/v1/ (namespace "amendments-api"): amendment
requests and decisions, agreement versions, project PATCH and status."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from grants.apis_amendments import AgreementVersionViewSet, AmendmentViewSet, ProjectAgreementViewSet

app_name = "amendments-api"

router = SimpleRouter()
router.register("amendments", AmendmentViewSet, basename="amendment")
router.register("agreement-versions", AgreementVersionViewSet, basename="agreement-version")

# /api/v1/projects/ (the list) belongs to the workspace API; only one project's
# routes are here.
project = ProjectAgreementViewSet.as_view({"get": "retrieve", "patch": "partial_update"})
project_status = ProjectAgreementViewSet.as_view({"post": "change_status"})

urlpatterns = [
    *router.urls,
    path("projects/<int:pk>/", project, name="project-detail"),
    path("projects/<int:pk>/status/", project_status, name="project-status"),
]
