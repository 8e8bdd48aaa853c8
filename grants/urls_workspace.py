"""The officers' project list under /manage/projects/ (namespace "workspace"): search,
filters, sorting, CSV and XLSX export."""

from django.urls import path

from grants.views import workspace

app_name = "workspace"

urlpatterns = [
    path("", workspace.project_list, name="project-list"),
]
