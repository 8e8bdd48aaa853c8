"""The amendment and project API under /api/v1/ (namespace "amendments-api"): amendment
requests and decisions, agreement versions, project PATCH and status."""

app_name = "amendments-api"

urlpatterns: list = []
