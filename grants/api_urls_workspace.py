"""The project list API under /api/v1/ (namespace "workspace-api"): filters as the
officers' list, budget roll-ups."""

app_name = "workspace-api"

urlpatterns: list = []
