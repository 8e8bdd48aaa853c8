"""The audit-trail API under /api/v1/ (namespace "audit-api")."""

app_name = "audit-api"

urlpatterns: list = []
