"""Beneficiaries' payment claims under /claims/ (namespace "claims"): drafts, items,
indicator values, XLSX import, submission, documents."""

app_name = "claims"

urlpatterns: list = []
