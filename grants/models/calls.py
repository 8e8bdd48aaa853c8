"""Calls for proposals, their envelopes and their evaluation criteria."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.i18n import BilingualName, localized_value, value_language
from core.money import MoneyField, RateField
from grants.models.programmes import Instrument


class CallStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("call status", "Draft")
    OPEN = "open", pgettext_lazy("call status", "Open")
    CLOSED = "closed", pgettext_lazy("call status", "Closed")


class SelectionMethod(models.TextChoices):
    COMPETITIVE = "competitive", _("Competitive selection")
    FIRST_COME = "first_come", _("First come, first served")
    PLANNED = "planned", _("Planning (state project)")


class Call(models.Model):
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="calls", verbose_name=_("instrument")
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    # The call's title as published, in Lithuanian (required) and English.
    title_lt = models.CharField(_("title in Lithuanian"), max_length=250)
    title_en = models.CharField(_("title in English"), max_length=250, blank=True)
    budget_amount = MoneyField(_("budget"))
    opens_at = models.DateTimeField(_("opens at"), help_text=_("Vilnius time."))
    closes_at = models.DateTimeField(_("closes at"), help_text=_("Vilnius time."))
    selection_method = models.CharField(_("selection method"), max_length=12, choices=SelectionMethod.choices)
    status = models.CharField(_("status"), max_length=10, choices=CallStatus.choices, default=CallStatus.DRAFT)
    # The conditions of the call (an envelope may set its own rate and maximum).
    funding_rate = RateField(_("funding rate"), help_text=_("Share of the eligible costs paid by the grant, in %."))
    max_grant_amount = MoneyField(_("maximum grant"), help_text=_("Maximum grant per project."))
    min_own_contribution_percent = RateField(
        _("minimum own contribution"),
        default=Decimal("0.00"),
        help_text=_("The applicant's own contribution as a share of the eligible costs, at least, in %."),
    )
    eligible_applicant_types = models.JSONField(
        _("eligible applicant types"),
        default=list,
        help_text=_("Organisation types that may apply (clusters.OrganisationType values)."),
    )
    quality_threshold = models.DecimalField(
        _("quality threshold"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("50.00"),
        help_text=_("The lowest score (out of 100) an application needs to be funded or put in reserve."),
    )

    # Optimistic locking: every edit states the version it was made from.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["instrument", "opens_at"]
        verbose_name = _("call for proposals")
        verbose_name_plural = _("calls for proposals")
        constraints = [
            models.CheckConstraint(condition=Q(budget_amount__gte=0), name="call_budget_nonneg"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="call_closes_after_opens"),
            models.CheckConstraint(
                condition=Q(funding_rate__gt=0, funding_rate__lte=100), name="call_funding_rate_range"
            ),
            models.CheckConstraint(condition=Q(max_grant_amount__gte=0), name="call_max_grant_nonneg"),
            models.CheckConstraint(
                condition=Q(min_own_contribution_percent__gte=0, min_own_contribution_percent__lte=100),
                name="call_min_own_contribution_range",
            ),
            models.CheckConstraint(
                condition=Q(quality_threshold__gte=0, quality_threshold__lte=100), name="call_quality_threshold_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return localized_value(self, "title")

    @property
    def title_lang(self) -> str:
        return value_language(self, "title")


class Envelope(BilingualName):
    """A part of a call (a smart-specialisation direction, a region) ranked on
    its own, with its own maximum grant and funding rate. An envelope without a
    budget of its own (budget_amount null) draws on the part of the call's
    budget that no envelope holds, together with the other such envelopes."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="envelopes", verbose_name=_("call"))
    code = models.CharField(_("code"), max_length=40)
    budget_amount = MoneyField(_("budget"), null=True, blank=True)
    funding_rate = RateField(_("funding rate"))
    max_grant_amount = MoneyField(_("maximum grant"))

    class Meta:
        ordering = ["call", "code"]
        verbose_name = _("envelope")
        verbose_name_plural = _("envelopes")
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="envelope_code_unique_in_call"),
            models.CheckConstraint(
                condition=Q(budget_amount__isnull=True) | Q(budget_amount__gte=0), name="envelope_budget_nonneg"
            ),
            models.CheckConstraint(
                condition=Q(funding_rate__gt=0, funding_rate__lte=100), name="envelope_funding_rate_range"
            ),
            models.CheckConstraint(condition=Q(max_grant_amount__gte=0), name="envelope_max_grant_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.call.code}/{self.code} {self.name}"


class EvaluationCriterion(BilingualName):
    """A criterion of a call, scored 0..max_score by each evaluator; its weight
    counts in the weighted score (docs/domain.md, "Selection")."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("call"))
    code = models.CharField(_("code"), max_length=20)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=10)

    class Meta:
        ordering = ["call", "code"]
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        constraints = [
            models.UniqueConstraint(fields=["call", "code"], name="criterion_code_unique_in_call"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="criterion_max_score_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
