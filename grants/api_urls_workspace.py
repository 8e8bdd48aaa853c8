"""The project list API under /api/v1/ (namespace "workspace-api"): filters as the
officers' list, budget roll-ups."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from grants.apis_budget import ProjectBudgetView, RollupView
from grants.apis_workspace import WorkspaceProjectViewSet

app_name = "workspace-api"

urlpatterns: list = []

# The officers' project list (workspace): GET /api/v1/projects/.
workspace_router = SimpleRouter()
workspace_router.register("projects", WorkspaceProjectViewSet, basename="project")
urlpatterns += workspace_router.urls

# Budget roll-ups and a project's budget (budget): GET /api/v1/rollups/?level=…,
# GET /api/v1/projects/<id>/budget/.
urlpatterns += [
    path("rollups/", RollupView.as_view(), name="rollups"),
    path("projects/<int:pk>/budget/", ProjectBudgetView.as_view(), name="project-budget"),
]
