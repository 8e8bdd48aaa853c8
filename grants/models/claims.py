"""Payment claims: what a beneficiary declares it spent in a period
(expenditure items with their supporting documents, indicator values with their
evidence), the officer's verification of each item, the rounds of clarification,
and the one payment each approved claim gives rise to."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.money import MoneyField
from grants.models.programmes import Indicator
from grants.models.projects import BudgetLine, Project

# Regulation (EU) 2021/1060, Article 74(1)(b): the managing authority pays
# within 80 days of the claim's submission; the days the claim spends with
# the beneficiary for clarification (Article 74(2)) do not count.
PAYMENT_DEADLINE_DAYS = 80


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("claim status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("claim status", "Submitted")
    UNDER_VERIFICATION = "under_verification", pgettext_lazy("claim status", "Under verification")
    RETURNED = "returned", pgettext_lazy("claim status", "Returned for clarification")
    APPROVED = "approved", pgettext_lazy("claim status", "Approved")
    REJECTED = "rejected", pgettext_lazy("claim status", "Rejected")
    PAID = "paid", pgettext_lazy("claim status", "Paid")


# Claims the officer still has to act on (the verification queue).
CLAIM_OPEN_FOR_OFFICER = (ClaimStatus.SUBMITTED, ClaimStatus.UNDER_VERIFICATION)
# Claims not yet finished: a project with one of these cannot close.
CLAIM_OPEN = (
    ClaimStatus.DRAFT,
    ClaimStatus.SUBMITTED,
    ClaimStatus.UNDER_VERIFICATION,
    ClaimStatus.RETURNED,
    ClaimStatus.APPROVED,
)
# Claims whose items count as claimed expenditure (submitted at least once).
CLAIM_DECLARED = (
    ClaimStatus.SUBMITTED,
    ClaimStatus.UNDER_VERIFICATION,
    ClaimStatus.RETURNED,
    ClaimStatus.APPROVED,
    ClaimStatus.PAID,
)
# Claims whose verified amounts count (verification finished).
CLAIM_VERIFIED = (ClaimStatus.APPROVED, ClaimStatus.PAID)


class ClaimKind(models.TextChoices):
    INTERIM = "interim", pgettext_lazy("claim kind", "Interim")
    FINAL = "final", pgettext_lazy("claim kind", "Final")


class PaymentClaim(models.Model):
    """A beneficiary's payment claim for one period of one project."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="claims", verbose_name=_("project"))
    # 1, 2, 3 … within the project; shown as "<project code>-MP<number>".
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=10, choices=ClaimKind.choices, default=ClaimKind.INTERIM)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(_("status"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    # Optimistic locking: every edit states the version it was made from.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # First submission; the payment deadline runs from it.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Submission + 80 days + the days spent with the beneficiary after a return.
    payment_due_on = models.DateField(_("payment due on"), null=True, blank=True, db_index=True)
    # Set on approval (the officer's verification result).
    eligible_amount = MoneyField(_("verified eligible amount"), null=True, blank=True)
    gross_payable_amount = MoneyField(_("eligible amount × funding rate"), null=True, blank=True)
    advance_offset_amount = MoneyField(_("advance offset"), null=True, blank=True)
    payable_amount = MoneyField(_("payable amount"), null=True, blank=True)
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

    class Meta:
        ordering = ["project", "number"]
        verbose_name = _("payment claim")
        verbose_name_plural = _("payment claims")
        permissions = [("override_double_funding", _("May override the double-funding check"))]
        indexes = [models.Index(fields=["status", "submitted_at"])]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="claim_number_unique_in_project"),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=ClaimKind.values), name="claim_kind_valid"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="claim_period_order"),
            models.CheckConstraint(
                condition=Q(payable_amount__isnull=True) | Q(payable_amount__gte=0), name="claim_payable_nonneg"
            ),
            # A project has one final claim (that is not rejected).
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(kind="final") & ~Q(status="rejected"),
                name="claim_one_final_per_project",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.project.code}-MP{self.number}"


class ClaimRound(models.Model):
    """One submission of a claim and, when the officer returned it, the return.
    Each round keeps a copy of the items and indicator values as submitted."""

    claim = models.ForeignKey(
        PaymentClaim, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("payment claim")
    )
    number = models.PositiveIntegerField(_("round"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    # The beneficiary's answer to the previous round's questions (blank in round 1).
    response = models.TextField(_("beneficiary's response"), blank=True)
    snapshot = models.JSONField(_("content as submitted"), default=dict)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("returned by"),
    )
    return_reason = models.TextField(_("questions for the beneficiary"), blank=True)

    class Meta:
        ordering = ["claim", "number"]
        verbose_name = _("claim round")
        verbose_name_plural = _("claim rounds")
        constraints = [
            models.UniqueConstraint(fields=["claim", "number"], name="claim_round_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.claim.reference} #{self.number}"


class IneligibilityReason(models.TextChoices):
    NOT_IN_BUDGET = "not_in_budget", _("Not provided for in the project budget")
    OUTSIDE_PERIOD = "outside_period", _("Incurred outside the eligibility period")
    INSUFFICIENT_EVIDENCE = "insufficient_evidence", _("Insufficient supporting documents")
    PROCUREMENT = "procurement", _("Procurement rules not followed")
    NOT_NECESSARY = "not_necessary", _("Not necessary for the project")
    RECOVERABLE_VAT = "recoverable_vat", _("Recoverable VAT")
    OVER_LIMIT = "over_limit", _("Above the budget line or cost limit")
    DOUBLE_FUNDING = "double_funding", _("Already funded")
    OTHER = "other", _("Other")


class ExpenditureItem(models.Model):
    """One expenditure document declared in a claim."""

    claim = models.ForeignKey(
        PaymentClaim, on_delete=models.CASCADE, related_name="items", verbose_name=_("payment claim")
    )
    budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="expenditure_items", verbose_name=_("budget line")
    )
    supplier_name = models.CharField(_("supplier"), max_length=250)
    # Company code (or personal business certificate number) of the supplier,
    # stored without spaces, upper case: the double-funding check compares it.
    supplier_code = models.CharField(_("supplier code"), max_length=30)
    document_number = models.CharField(_("document number"), max_length=60)
    document_date = models.DateField(_("document date"))
    amount_excl_vat = MoneyField(_("amount excluding VAT"))
    vat_amount = MoneyField(_("VAT"), default=0)
    vat_recoverable = models.BooleanField(_("VAT is recoverable"), default=False)
    # amount excluding VAT + VAT when the VAT is not recoverable (Regulation
    # (EU) 2021/1060, Article 64(1)(c)); set by the service, summed in SQL.
    claimed_amount = MoneyField(_("claimed amount"))
    document = models.FileField(_("supporting document"), upload_to="claims/%Y/%m/", max_length=300, blank=True)
    document_name = models.CharField(_("file name"), max_length=255, blank=True)
    document_size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    document_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # The double-funding check, overridden by an officer with the permission.
    double_funding_override_reason = models.TextField(_("reason for accepting a repeated document"), blank=True)
    double_funding_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("repeated document accepted by"),
    )
    # Verification.
    eligible_amount = MoneyField(_("eligible amount"), null=True, blank=True)
    ineligibility_reason = models.CharField(
        _("reason for the ineligible part"), max_length=30, choices=IneligibilityReason.choices, blank=True
    )
    ineligibility_note = models.TextField(_("explanation"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["claim", "id"]
        verbose_name = _("expenditure item")
        verbose_name_plural = _("expenditure items")
        indexes = [models.Index(fields=["supplier_code", "document_number"], name="expenditure_document_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_excl_vat__gt=0), name="expenditure_amount_positive"),
            models.CheckConstraint(condition=Q(vat_amount__gte=0), name="expenditure_vat_nonneg"),
            models.CheckConstraint(
                condition=Q(eligible_amount__isnull=True)
                | (Q(eligible_amount__gte=0) & Q(eligible_amount__lte=F("claimed_amount"))),
                name="expenditure_eligible_within_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_name} {self.document_number}"


class ClaimIndicatorValue(models.Model):
    """An indicator value achieved in the claim's period, with its evidence.
    It counts towards the project's progress once the claim is approved."""

    claim = models.ForeignKey(
        PaymentClaim, on_delete=models.CASCADE, related_name="indicator_values", verbose_name=_("payment claim")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="claim_values", verbose_name=_("indicator")
    )
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    evidence = models.TextField(_("evidence"))
    evidence_file = models.FileField(_("evidence file"), upload_to="claims/%Y/%m/", max_length=300, blank=True)
    evidence_file_name = models.CharField(_("file name"), max_length=255, blank=True)

    class Meta:
        ordering = ["claim", "indicator__code"]
        verbose_name = _("indicator value in a claim")
        verbose_name_plural = _("indicator values in claims")
        constraints = [
            models.UniqueConstraint(fields=["claim", "indicator"], name="claim_indicator_unique"),
            models.CheckConstraint(condition=Q(value__gte=0), name="claim_indicator_value_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.claim.reference}: {self.indicator.code} = {self.value}"
