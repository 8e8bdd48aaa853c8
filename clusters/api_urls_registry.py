"""The cluster registry API under /api/v1/ (namespace "registry-api")."""

app_name = "registry-api"

urlpatterns: list = []
