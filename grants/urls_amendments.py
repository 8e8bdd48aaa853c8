"""Amendment requests and agreement versions under /amendments/ (namespace "amendments"),
and project status changes."""

app_name = "amendments"

urlpatterns: list = []
