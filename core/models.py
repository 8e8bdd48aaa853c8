"""Users with roles, and the append-only audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models


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

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="core_user_role_valid"),
        ]

    @property
    def is_officer(self) -> bool:
        return self.role == Role.OFFICER

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def is_applicant(self) -> bool:
        return self.role == Role.APPLICANT

    @property
    def sees_everything(self) -> bool:
        """Officers and auditors read every programme's data."""
        return self.role in (Role.OFFICER, Role.AUDITOR) or (self.role == Role.ADMINISTRATOR and self.is_superuser)


class AuditEvent(models.Model):
    """One state change: who, when, which object, what changed. Rows are only
    ever inserted; the database refuses UPDATE (and DELETE on PostgreSQL) by
    trigger, see migration 0002."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    object_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    event_type = models.CharField(max_length=60)
    old_values = models.JSONField(default=dict, blank=True)
    new_values = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.event_type} {self.object_repr}"
