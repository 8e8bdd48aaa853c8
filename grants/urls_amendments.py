"""Amendment requests and agreement versions under /amendments/ (namespace "amendments"),
and project status changes."""

from django.urls import path

from grants.views import amendments as views

app_name = "amendments"

urlpatterns = [
    path("new/<int:project_pk>/", views.amendment_create, name="amendment-create"),
    path("<int:pk>/", views.amendment_detail, name="amendment-detail"),
    path("<int:pk>/decision/", views.amendment_decide_view, name="amendment-decide"),
    path("<int:pk>/withdraw/", views.amendment_withdraw_view, name="amendment-withdraw"),
    path("version/<int:pk>/", views.agreement_version_detail, name="agreement-version"),
    path("project/<int:project_pk>/status/", views.project_status, name="project-status"),
    path("project/<int:project_pk>/edit/", views.project_edit, name="project-edit"),
]
