"""Pages of the officers in the selection of projects (issue 8), included at
/manage/ under the namespace "manage": calls, their applications, the ranking
and decision; and the evaluators' pages under /manage/evaluations/."""

from django.urls import path

from grants.models import CallStatus
from grants.views import evaluations, officer_applications, officer_calls

app_name = "manage"

urlpatterns = [
    path("calls/", officer_calls.call_list, name="call-list"),
    path("calls/new/", officer_calls.call_create_view, name="call-create"),
    path("calls/<int:pk>/", officer_calls.call_detail, name="call-detail"),
    path("calls/<int:pk>/edit/", officer_calls.call_update_view, name="call-update"),
    path("calls/<int:pk>/open/", officer_calls.call_status_change, {"to_status": CallStatus.OPEN}, name="call-open"),
    path(
        "calls/<int:pk>/close/", officer_calls.call_status_change, {"to_status": CallStatus.CLOSED}, name="call-close"
    ),
    path("calls/<int:pk>/envelopes/new/", officer_calls.envelope_edit, name="envelope-create"),
    path("calls/<int:pk>/envelopes/<int:envelope_pk>/edit/", officer_calls.envelope_edit, name="envelope-update"),
    path("calls/<int:pk>/criteria/", officer_calls.criteria_edit, name="criteria-update"),
    path("calls/<int:pk>/applications/", officer_applications.application_list_view, name="application-list"),
    path("calls/<int:pk>/ranking/", officer_calls.ranking_view, name="ranking"),
    path("calls/<int:pk>/decision/", officer_calls.call_decide_view, name="call-decide"),
    path("applications/<int:pk>/", officer_applications.application_detail_view, name="application-detail"),
    path(
        "applications/<int:pk>/eligibility/start/",
        officer_applications.eligibility_start_view,
        name="eligibility-start",
    ),
    path("applications/<int:pk>/eligibility/", officer_applications.eligibility_view, name="eligibility"),
    path("applications/<int:pk>/evaluators/", officer_applications.evaluator_assign_view, name="evaluator-assign"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/",
        officer_applications.attachment_download,
        name="attachment-download",
    ),
    path("evaluations/", evaluations.evaluation_list, name="evaluation-list"),
    path("evaluations/<int:pk>/", evaluations.evaluation_detail, name="evaluation-detail"),
    path("evaluations/<int:pk>/conflict/", evaluations.conflict_declare_view, name="evaluation-declare"),
    path("evaluations/<int:pk>/scores/", evaluations.scores_submit_view, name="evaluation-score"),
]
