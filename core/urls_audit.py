"""The audit-trail browser under /audit/ (namespace "audit"): filters, pages, CSV export."""

from django.urls import path

from core import views_audit

app_name = "audit"

urlpatterns = [
    path("", views_audit.event_list, name="event-list"),
]
