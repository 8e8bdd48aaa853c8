"""Beneficiaries' payment claims under /claims/ (namespace "claims"): drafts, items,
indicator values, XLSX import, submission, documents."""

from django.urls import path

from grants.views import claims

app_name = "claims"

urlpatterns = [
    path("", claims.claim_list, name="claim-list"),
    path("template.xlsx", claims.import_template, name="import-template"),
    path("new/<int:project_pk>/", claims.claim_create, name="claim-create"),
    path("<int:pk>/", claims.claim_detail, name="claim-detail"),
    path("<int:pk>/edit/", claims.claim_update, name="claim-update"),
    path("<int:pk>/delete/", claims.claim_delete, name="claim-delete"),
    path("<int:pk>/submit/", claims.claim_submit, name="claim-submit"),
    path("<int:pk>/import/", claims.claim_import, name="claim-import"),
    path("<int:pk>/items/new/", claims.item_create, name="item-create"),
    path("<int:pk>/indicators/<int:indicator_pk>/", claims.indicator_value, name="indicator-value"),
    path("items/<int:pk>/edit/", claims.item_update, name="item-update"),
    path("items/<int:pk>/delete/", claims.item_delete, name="item-delete"),
    path("items/<int:pk>/document/", claims.item_document, name="item-document"),
    path("indicator-values/<int:pk>/evidence/", claims.indicator_evidence, name="indicator-evidence"),
]
