"""Changes to a grant agreement: the beneficiary's amendment requests (budget
reallocation, date extension, change of partner), the officer's decision, and
the agreement versions that approved changes create (earlier versions stay
readable)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clusters.models import Organisation
from core.money import MoneyField
from grants.models.projects import BudgetLine, Project


class AmendmentKind(models.TextChoices):
    BUDGET_REALLOCATION = "budget_reallocation", _("Budget reallocation")
    DATE_EXTENSION = "date_extension", _("Extension of the end date")
    PARTNER_CHANGE = "partner_change", _("Change of partner")


class AmendmentStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("amendment status", "Requested")
    APPROVED = "approved", pgettext_lazy("amendment status", "Approved")
    REJECTED = "rejected", pgettext_lazy("amendment status", "Rejected")
    # A reallocation within the instrument's share takes effect without an
    # officer's approval.
    APPLIED = "applied", pgettext_lazy("amendment status", "Applied without approval")
    WITHDRAWN = "withdrawn", pgettext_lazy("amendment status", "Withdrawn")


class AgreementVersion(models.Model):
    """The grant agreement as it stood after its signature (version 1) or after
    an approved amendment: a frozen copy of the dates, amounts, budget lines,
    partners and indicator targets."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="agreement_versions", verbose_name=_("project")
    )
    number = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    snapshot = models.JSONField(_("agreement content"), default=dict)

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="agreement_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} v{self.number}"


class Amendment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=30, choices=AmendmentKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=AmendmentStatus.choices, default=AmendmentStatus.REQUESTED
    )
    justification = models.TextField(_("justification"))
    # Date extension.
    new_end_date = models.DateField(_("new end date"), null=True, blank=True)
    # Change of partner: one partner leaves, one joins, or both.
    partner_removed = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("partner leaving"),
    )
    partner_added = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("partner joining"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    # The agreement version the approval created.
    agreement_version = models.OneToOneField(
        AgreementVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendment",
        verbose_name=_("agreement version"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["project", "requested_at", "id"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AmendmentKind.values), name="amendment_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=AmendmentStatus.values), name="amendment_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.get_kind_display()}"


class AmendmentBudgetLine(models.Model):
    """A budget line's new planned amount in a reallocation request."""

    amendment = models.ForeignKey(
        Amendment, on_delete=models.CASCADE, related_name="budget_changes", verbose_name=_("amendment")
    )
    budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="+", verbose_name=_("budget line")
    )
    planned_amount = MoneyField(_("new planned amount"))

    class Meta:
        ordering = ["amendment", "budget_line__cost_category__code"]
        verbose_name = _("budget line change")
        verbose_name_plural = _("budget line changes")
        constraints = [
            models.UniqueConstraint(fields=["amendment", "budget_line"], name="amendment_budget_line_unique"),
            models.CheckConstraint(condition=Q(planned_amount__gte=0), name="amendment_budget_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.budget_line}: {self.planned_amount}"
