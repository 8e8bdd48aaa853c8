"""The officers' project list under /manage/projects/ (namespace "workspace"): search,
filters, sorting, CSV and XLSX export."""

app_name = "workspace"

urlpatterns: list = []
