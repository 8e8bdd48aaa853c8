"""Pages of the applicants in the selection of projects (issue 8): the open
calls, the application's steps, its review, receipt and withdrawal, and the
organisation's applications."""

from django.urls import path

from grants.views import applications, calls_public

urlpatterns = [
    path("calls/", calls_public.call_list, name="call-list"),
    path("calls/<int:pk>/", calls_public.call_detail, name="call-detail"),
    path("calls/<int:pk>/apply/", calls_public.call_apply, name="call-apply"),
    path("applications/", applications.application_list, name="application-list"),
    path("applications/<int:pk>/", applications.application_detail, name="application-detail"),
    path("applications/<int:pk>/step/<int:step>/", applications.application_step, name="application-step"),
    path("applications/<int:pk>/submit/", applications.application_submit, name="application-submit"),
    path("applications/<int:pk>/receipt/", applications.application_receipt, name="application-receipt"),
    path("applications/<int:pk>/withdraw/", applications.application_withdraw, name="application-withdraw"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_id>/",
        applications.attachment_download,
        name="application-attachment",
    ),
    path(
        "applications/<int:pk>/attachments/<int:attachment_id>/delete/",
        applications.attachment_delete,
        name="application-attachment-delete",
    ),
]
