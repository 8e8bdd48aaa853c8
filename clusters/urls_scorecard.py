"""The national cluster-policy scorecard under /clusters/scorecard/ (namespace
"scorecard")."""

from django.urls import path

from clusters import views_scorecard

app_name = "scorecard"

urlpatterns = [
    path("", views_scorecard.scorecard_page, name="scorecard"),
]
