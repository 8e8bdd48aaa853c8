"""Officers' verification of payment claims under /manage/claims/ (namespace
"verification"): the queue, item verification, return, approval, rejection,
payment, and the verification record (a PDF report)."""

from django.urls import path

from grants.views import verification

app_name = "verification"

urlpatterns = [
    path("", verification.queue, name="queue"),
    path("<int:pk>/", verification.claim_verify, name="claim-verify"),
    path("<int:pk>/start/", verification.claim_start, name="claim-start"),
    path("items/<int:pk>/", verification.item_verify, name="item-verify"),
    path("<int:pk>/return/", verification.claim_action, {"action": "return"}, name="claim-return"),
    path("<int:pk>/approve/", verification.claim_action, {"action": "approve"}, name="claim-approve"),
    path("<int:pk>/reject/", verification.claim_action, {"action": "reject"}, name="claim-reject"),
    path("<int:pk>/pay/", verification.claim_action, {"action": "pay"}, name="claim-pay"),
    path("<int:pk>/record/", verification.claim_record, name="claim-record"),
]
