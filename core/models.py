"""Users with roles, and the append-only audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Programme officer")
    EVALUATOR = "evaluator", _("Evaluator")
    APPLICANT = "applicant", _("Applicant")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


class User(AbstractUser):
    """A person using Fondas. An applicant acts for one organisation
    (clusters.OrganisationUser links the two, so core stays below clusters)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.APPLICANT)
    # The language the user chose with the switcher; blank until they choose.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default="")

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="core_user_role_valid"),
        ]


class AuditEventType(models.TextChoices):
    """Every kind of event the audit trail records; services, builders and
    tests use these members, never string literals."""

    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    DELETED = "deleted", _("Deleted")
    STATUS_CHANGED = "status_changed", _("Status changed")
    LINKED = "linked", _("Linked to an organisation")
    JOINED = "joined", _("Joined")
    LEFT = "left", _("Left")
    AWARDED = "awarded", _("Awarded")
    RECORDED = "recorded", _("Recorded")
    TARGET_SET = "target_set", _("Target set")
    PAID = "paid", _("Paid")
    REPORTED = "reported", _("Value reported")
    REQUESTED = "requested", _("Requested")
    WORKER_LOST = "worker_lost", _("Worker lost")
    DOWNLOADED = "downloaded", _("Downloaded")
    NOTIFIED = "notified", _("Notified by e-mail")


class AuditEvent(models.Model):
    """One state change: who, when, which object, what changed. Rows are only
    ever inserted; the database refuses UPDATE (and DELETE on PostgreSQL) by
    trigger, see migration 0002."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Set when the event is recorded; the demo data and imports of past
    # events give the moment the change happened.
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object ID"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    event_type = models.CharField(_("event type"), max_length=60, choices=AuditEventType.choices)
    old_values = models.JSONField(_("old values"), default=dict, blank=True)
    new_values = models.JSONField(_("new values"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.event_type} {self.object_repr}"
