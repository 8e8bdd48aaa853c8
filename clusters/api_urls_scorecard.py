"""The scorecard API under /api/v1/ (namespace "scorecard-api")."""

from django.urls import path

from clusters.apis_scorecard import ScorecardView

app_name = "scorecard-api"

urlpatterns = [
    path("scorecard/", ScorecardView.as_view(), name="scorecard"),
]
