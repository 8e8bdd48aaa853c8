"""The audit-trail browser under /audit/ (namespace "audit"): filters, pages, CSV export."""

app_name = "audit"

urlpatterns: list = []
