"""Funded projects (grant agreements): budget lines, indicator targets and
values, payments."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clusters.models import Organisation
from core.formatting import format_money
from core.money import MoneyField, RateField
from grants.models.calls import Call
from grants.models.programmes import CostCategory, Indicator, Instrument

HALF_CENT = Decimal("0.005")


class ProjectStatus(models.TextChoices):
    # In context: "Contracted" is also the contracted amount's column.
    CONTRACTED = "contracted", pgettext_lazy("project status", "Contracted")
    IN_IMPLEMENTATION = "in_implementation", pgettext_lazy("project status", "In implementation")
    SUSPENDED = "suspended", pgettext_lazy("project status", "Suspended")
    COMPLETED = "completed", pgettext_lazy("project status", "Completed")
    CLOSED = "closed", pgettext_lazy("project status", "Closed")
    TERMINATED = "terminated", pgettext_lazy("project status", "Terminated")


class Project(models.Model):
    """A funded operation under a grant agreement."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=400)
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="projects", verbose_name=_("instrument")
    )
    call = models.ForeignKey(
        Call,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("call for proposals"),
    )
    beneficiary = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="projects", verbose_name=_("beneficiary")
    )
    partners = models.ManyToManyField(
        Organisation, blank=True, related_name="partner_projects", verbose_name=_("partners")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.CONTRACTED
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    eligible_cost = MoneyField(_("eligible costs"))
    grant_amount = MoneyField(_("grant"))
    own_contribution = MoneyField(_("own contribution"))
    # The agreement's funding rate: a claim's verified eligible amount × this
    # rate is what the claim may pay (before the advance offset and the cap).
    funding_rate = RateField(_("funding rate"))
    # Optimistic locking: every edit states the version it was made from.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["instrument", "code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [models.Index(fields=["instrument", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(eligible_cost__gte=0), name="project_eligible_cost_nonneg"),
            models.CheckConstraint(condition=Q(grant_amount__gte=0), name="project_grant_nonneg"),
            models.CheckConstraint(condition=Q(own_contribution__gte=0), name="project_own_contribution_nonneg"),
            models.CheckConstraint(
                condition=Q(grant_amount__lte=F("eligible_cost")), name="project_grant_within_eligible_cost"
            ),
            # grant + own contribution = eligible cost. Written as a half-cent band
            # because SQLite compares decimals as binary floats; amounts are whole
            # cents, so the band admits exactly the balanced rows on either database.
            models.CheckConstraint(
                condition=Q(own_contribution__gte=F("eligible_cost") - F("grant_amount") - HALF_CENT)
                & Q(own_contribution__lte=F("eligible_cost") - F("grant_amount") + HALF_CENT),
                name="project_financing_balances",
            ),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="project_dates_order"),
            models.CheckConstraint(condition=Q(status__in=ProjectStatus.values), name="project_status_valid"),
            models.CheckConstraint(
                condition=Q(funding_rate__gt=0, funding_rate__lte=100), name="project_funding_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class BudgetLine(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("project")
    )
    cost_category = models.ForeignKey(
        CostCategory, on_delete=models.PROTECT, related_name="budget_lines", verbose_name=_("cost category")
    )
    planned_amount = MoneyField(_("planned amount"))

    class Meta:
        ordering = ["project", "cost_category__code"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(fields=["project", "cost_category"], name="budget_line_unique_category"),
            models.CheckConstraint(condition=Q(planned_amount__gte=0), name="budget_line_amount_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.cost_category}"


class IndicatorTarget(models.Model):
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="indicator_targets", verbose_name=_("project")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="project_targets", verbose_name=_("indicator")
    )
    target_value = models.DecimalField(_("target value"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["project", "indicator__code"]
        verbose_name = _("project indicator target")
        verbose_name_plural = _("project indicator targets")
        constraints = [
            models.UniqueConstraint(fields=["project", "indicator"], name="indicator_target_unique"),
            models.CheckConstraint(condition=Q(target_value__gte=0), name="indicator_target_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.indicator.code} = {self.target_value}"


class IndicatorValue(models.Model):
    """A value reported by the beneficiary for a period; achieved = sum of values."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="indicator_values", verbose_name=_("project")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="values", verbose_name=_("indicator")
    )
    reported_on = models.DateField(_("reported on"))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    # Set when the value comes from an approved payment claim; blank for a
    # progress report.
    claim = models.ForeignKey(
        "grants.PaymentClaim",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_indicator_values",
        verbose_name=_("payment claim"),
    )

    class Meta:
        ordering = ["project", "indicator__code", "reported_on"]
        verbose_name = _("reported indicator value")
        verbose_name_plural = _("reported indicator values")
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="indicator_value_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.indicator.code} = {self.value}"


class PaymentKind(models.TextChoices):
    ADVANCE = "advance", pgettext_lazy("payment kind", "Advance")
    INTERIM = "interim", pgettext_lazy("payment kind", "Interim")
    FINAL = "final", pgettext_lazy("payment kind", "Final")


class Payment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="payments", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=10, choices=PaymentKind.choices)
    paid_on = models.DateField(_("paid on"))
    amount = MoneyField(_("amount"))
    # The claim this payment settles: one payment per claim, enforced by the
    # database (two officers paying the same claim at once get one payment).
    claim = models.OneToOneField(
        "grants.PaymentClaim",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
        verbose_name=_("payment claim"),
    )

    class Meta:
        ordering = ["project", "paid_on", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=PaymentKind.values), name="payment_kind_valid"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(kind="final"), name="payment_one_final_per_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.get_kind_display()} {format_money(self.amount)} {self.paid_on.isoformat()}"
