"""The cluster registry under /clusters/ (namespace "registry"): the list, each cluster's
page, officers' editing pages."""

app_name = "registry"

urlpatterns: list = []
