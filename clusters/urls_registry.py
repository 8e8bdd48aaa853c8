"""The cluster registry under /clusters/ (namespace "registry"): the list, each cluster's
page, officers' editing pages."""

from django.urls import path

from clusters import views_registry as views

app_name = "registry"

urlpatterns = [
    path("", views.cluster_list, name="cluster-list"),
    path("new/", views.cluster_create_view, name="cluster-create"),
    path("<int:pk>/", views.cluster_detail_view, name="cluster-detail"),
    path("<int:pk>/edit/", views.cluster_update_view, name="cluster-update"),
    path("<int:pk>/members/new/", views.member_add, name="member-add"),
    path("members/<int:pk>/leave/", views.member_leave, name="member-leave"),
    path("<int:pk>/labels/new/", views.label_award, name="label-award"),
    path("labels/<int:pk>/withdraw/", views.label_withdraw, name="label-withdraw"),
    path("<int:pk>/networks/new/", views.network_add, name="network-add"),
    path("networks/<int:pk>/end/", views.network_end, name="network-end"),
    path("<int:pk>/flags/new/", views.commitment_start, name="flag-add"),
    path("flags/<int:pk>/end/", views.commitment_end, name="flag-end"),
    path("<int:pk>/maturity/new/", views.maturity_record, name="maturity-add"),
    path("<int:pk>/activities/new/", views.activity_record, name="activity-add"),
]
