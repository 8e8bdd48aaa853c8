"""Pages of an applicant's organisation (issue 8), included under
"organisation/" with the namespace "clusters"."""

from django.urls import path

from clusters import views

app_name = "clusters"

urlpatterns = [
    path("", views.organisation_detail, name="organisation-detail"),
    path("start/", views.organisation_start, name="organisation-start"),
    path("start/confirmation/", views.confirmation_resend, name="confirmation-resend"),
    path("new/", views.organisation_create, name="organisation-create"),
    path("join/", views.join_request_new, name="join-request-create"),
    path("join/<int:pk>/cancel/", views.join_request_withdraw, name="join-request-cancel"),
    path("requests/", views.join_request_list, name="join-request-list"),
    path("requests/<int:pk>/decide/", views.join_request_decision, name="join-request-decide"),
]
