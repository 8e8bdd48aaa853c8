"""HTML pages of report jobs, included at /reports/ (namespace "reports")."""

from django.urls import path

from reports import views, views_receipts

app_name = "reports"

urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("new/", views.job_create, name="job-create"),
    path("<uuid:job_id>/download/", views.job_download, name="job-download"),
    path("<uuid:job_id>/retry/", views.job_retry, name="job-retry"),
    path("receipts/<int:application_id>.pdf", views_receipts.application_receipt, name="application-receipt"),
]
