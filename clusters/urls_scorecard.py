"""The national cluster-policy scorecard under /clusters/scorecard/ (namespace
"scorecard")."""

app_name = "scorecard"

urlpatterns: list = []
