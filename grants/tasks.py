"""Celery tasks of grants: the e-mail to the applicant organisation's users when
an application changes status. Tasks take ids and are safe to run twice."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from core.audit import audit_record, object_type_of
from core.mail import email_user
from core.models import AuditEvent, AuditEventType
from grants.models import Application, ApplicationStatus

logger = logging.getLogger(__name__)

EMAIL = "application_status"


def _already_sent(application: Application, status: str, user) -> bool:
    return AuditEvent.objects.filter(
        object_type=object_type_of(application),
        object_id=str(application.pk),
        event_type=AuditEventType.NOTIFIED,
        new_values__email=EMAIL,
        new_values__status=status,
        new_values__user=user.pk,
    ).exists()


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def application_status_email(application_id: int, status: str) -> int:
    """E-mail every active user of the applicant organisation that the
    application reached `status`, each in their own language. An application
    reaches each status at most once (the transition table has no cycles), so
    (application, status, user) names one e-mail: each sent one is recorded in
    the audit trail and not sent again when the task runs twice. Returns the
    number of e-mails sent."""
    application = Application.objects.select_related("call", "applicant", "envelope").filter(pk=application_id).first()
    if application is None or status not in ApplicationStatus.values:
        logger.warning("No status e-mail for application %s (%s): nothing to tell.", application_id, status)
        return 0
    recipients = (
        get_user_model()
        .objects.filter(organisation_link__organisation_id=application.applicant_id, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )
    sent = 0
    for user in recipients:
        if _already_sent(application, status, user):
            continue
        context = {
            "application": application,
            "call": application.call,
            "status": status,
            "status_label": ApplicationStatus(status).label,
        }
        email_user(user, EMAIL, context)
        with transaction.atomic():
            audit_record(
                actor=None,
                obj=application,
                event_type=AuditEventType.NOTIFIED,
                new={"email": EMAIL, "status": status, "user": user.pk},
            )
        sent += 1
    return sent
