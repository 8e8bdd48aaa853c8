"""The project list API under /api/v1/ (namespace "workspace-api"): filters as the
officers' list, budget roll-ups."""

from rest_framework.routers import SimpleRouter

from grants.apis_workspace import WorkspaceProjectViewSet

app_name = "workspace-api"

urlpatterns: list = []

# The officers' project list (workspace): GET /api/v1/projects/.
workspace_router = SimpleRouter()
workspace_router.register("projects", WorkspaceProjectViewSet, basename="project")
urlpatterns += workspace_router.urls
