"""The payment-claim API under /api/v1/ (namespace "claims-api"): claims, items, indicator
values, verification, payment."""

app_name = "claims-api"

urlpatterns: list = []
