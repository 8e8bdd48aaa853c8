"""The scorecard API under /api/v1/ (namespace "scorecard-api")."""

app_name = "scorecard-api"

urlpatterns: list = []
