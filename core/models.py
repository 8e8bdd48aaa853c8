"""Users with roles, and the append-only audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", "Programme officer"
    EVALUATOR = "evaluator", "Evaluator"
    APPLICANT = "applicant", "Applicant"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"


class User(AbstractUser):
    """A person using Fondas. An applicant acts for one organisation
    (clusters.OrganisationUser links the two, so core stays below clusters)."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.APPLICANT)
    # The language the user chose with the switcher; blank until they choose.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="core_user_role_valid"),
        ]


class AuditEventType(models.TextChoices):
    """Every kind of event the audit trail records; services, builders and
    tests use these members, never string literals."""

    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"
    STATUS_CHANGED = "status_changed", "Status changed"
    LINKED = "linked", "Linked to an organisation"
    JOINED = "joined", "Joined"
    LEFT = "left", "Left"
    AWARDED = "awarded", "Awarded"
    RECORDED = "recorded", "Recorded"
    TARGET_SET = "target_set", "Target set"
    PAID = "paid", "Paid"
    REPORTED = "reported", "Value reported"
    REQUESTED = "requested", "Requested"
    WORKER_LOST = "worker_lost", "Worker lost"
    DOWNLOADED = "downloaded", "Downloaded"


class AuditEvent(models.Model):
    """One state change: who, when, which object, what changed. Rows are only
    ever inserted; the database refuses UPDATE (and DELETE on PostgreSQL) by
    trigger, see migration 0002."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the event is recorded; the demo data and imports of past
    # events give the moment the change happened.
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    object_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    event_type = models.CharField(max_length=60, choices=AuditEventType.choices)
    old_values = models.JSONField(default=dict, blank=True)
    new_values = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.event_type} {self.object_repr}"
