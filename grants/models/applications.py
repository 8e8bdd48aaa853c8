"""Applications to calls and their selection: budget lines, indicator targets,
partners, attachments and declarations; evaluator assignments with the
conflict-of-interest declaration and criterion scores; the funding decision.
Statuses and their allowed moves: grants.services.applications.APPLICATION_TRANSITIONS
and docs/domain.md, "Selection"."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clusters.models import Organisation
from core.money import MoneyField
from grants.models.calls import Call, Envelope, EvaluationCriterion
from grants.models.programmes import CostCategory, Indicator
from grants.models.projects import Project


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("application status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("application status", "Submitted")
    ELIGIBILITY_CHECK = "eligibility_check", pgettext_lazy("application status", "Eligibility check")
    INELIGIBLE = "ineligible", pgettext_lazy("application status", "Ineligible")
    UNDER_EVALUATION = "under_evaluation", pgettext_lazy("application status", "Under evaluation")
    EVALUATED = "evaluated", pgettext_lazy("application status", "Evaluated")
    APPROVED = "approved", pgettext_lazy("application status", "Approved")
    RESERVE = "reserve", pgettext_lazy("application status", "Reserve")
    REJECTED = "rejected", pgettext_lazy("application status", "Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("application status", "Withdrawn")


class FundingDecision(models.Model):
    """The officer's decision on a call: every evaluated application approved,
    put in reserve or rejected in one step, with its reasons."""

    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="decision", verbose_name=_("call"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"))
    reasons = models.TextField(_("reasons"))

    class Meta:
        verbose_name = _("funding decision")
        verbose_name_plural = _("funding decisions")

    def __str__(self) -> str:
        return f"{self.call.code} {self.decided_at:%Y-%m-%d}"


class Application(models.Model):
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("call"))
    envelope = models.ForeignKey(
        Envelope,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("envelope"),
    )
    applicant = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications", verbose_name=_("applicant")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    # The receipt: a number and a moment, given on submission.
    number = models.CharField(_("number"), max_length=40, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Step 1: the project.
    title = models.CharField(_("project title"), max_length=400, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    # Step 2: partners (member organisations of the applicant's cluster).
    partners = models.ManyToManyField(
        Organisation, blank=True, related_name="partner_applications", verbose_name=_("partners")
    )
    # Step 3: the budget, computed by grants.services.applications from the lines.
    eligible_cost = MoneyField(_("eligible costs"), default=0)
    grant_requested = MoneyField(_("grant requested"), default=0)
    own_contribution = MoneyField(_("own contribution"), default=0)
    # Step 6: declarations.
    de_minimis_received = MoneyField(
        _("de minimis aid received in the last three years"),
        null=True,
        blank=True,
        help_text=_("All de minimis aid your undertaking received in the last three years, in EUR."),
    )
    declares_no_double_funding = models.BooleanField(
        _("the same costs are not funded from other sources"), default=False
    )
    declares_data_accurate = models.BooleanField(_("the data in the application are accurate"), default=False)
    # Selection.
    ineligibility_reason = models.TextField(_("reason for ineligibility"), blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    decision = models.ForeignKey(
        FundingDecision,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("funding decision"),
    )
    project = models.OneToOneField(
        Project,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="application",
        verbose_name=_("project"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Optimistic locking: every edit states the version it was made from.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["call", "pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["call", "status"]), models.Index(fields=["applicant", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ApplicationStatus.values), name="application_status_valid"),
            models.CheckConstraint(
                condition=Q(eligible_cost__gte=0) & Q(grant_requested__gte=0) & Q(own_contribution__gte=0),
                name="application_amounts_nonneg",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="application_dates_order",
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | Q(status="withdrawn", submitted_at__isnull=True)
                | Q(number__isnull=False),
                name="application_submitted_has_number",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or f'#{self.pk}'} {self.title}"


class ApplicationBudgetLine(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("application")
    )
    cost_category = models.ForeignKey(
        CostCategory, on_delete=models.PROTECT, related_name="+", verbose_name=_("cost category")
    )
    amount = MoneyField(_("amount"))

    class Meta:
        ordering = ["application", "cost_category__code"]
        verbose_name = _("application budget line")
        verbose_name_plural = _("application budget lines")
        constraints = [
            models.UniqueConstraint(fields=["application", "cost_category"], name="application_budget_line_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="application_budget_line_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.cost_category_id} {self.amount}"


class ApplicationIndicatorTarget(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="indicator_targets", verbose_name=_("application")
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator"))
    target_value = models.DecimalField(_("target value"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["application", "indicator__code"]
        verbose_name = _("application indicator target")
        verbose_name_plural = _("application indicator targets")
        constraints = [
            models.UniqueConstraint(fields=["application", "indicator"], name="application_indicator_unique"),
            models.CheckConstraint(condition=Q(target_value__gte=0), name="application_indicator_target_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.indicator_id} {self.target_value}"


class AttachmentKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX"
    XLSX = "xlsx", "XLSX"


class ApplicationAttachment(models.Model):
    """A file attached to an application, stored outside the static root
    (private storage) and served only through a permission check."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("application")
    )
    file = models.FileField(_("file"), upload_to="applications/%Y/%m/", max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=8, choices=AttachmentKind.choices)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", pgettext_lazy("assignment status", "Assigned")
    CONFLICT = "conflict", pgettext_lazy("assignment status", "Conflict of interest")
    SCORING = "scoring", pgettext_lazy("assignment status", "Scoring")
    COMPLETED = "completed", pgettext_lazy("assignment status", "Completed")


class EvaluatorAssignment(models.Model):
    """An evaluator assigned to an application. The evaluator declares no
    conflict of interest before seeing the application; a declared conflict
    removes them from it (status conflict)."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("application")
    )
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("evaluator")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by")
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # The evaluator's weighted score out of 100, set when they complete scoring.
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["application", "assigned_at"]
        verbose_name = _("evaluator assignment")
        verbose_name_plural = _("evaluator assignments")
        constraints = [
            models.UniqueConstraint(fields=["application", "evaluator"], name="assignment_unique"),
            models.CheckConstraint(condition=Q(status__in=AssignmentStatus.values), name="assignment_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.application} — {self.evaluator}"


class CriterionScore(models.Model):
    assignment = models.ForeignKey(
        EvaluatorAssignment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("assignment")
    )
    criterion = models.ForeignKey(
        EvaluationCriterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["assignment", "criterion__code"]
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="criterion_score_unique"),
            models.CheckConstraint(condition=Q(score__gte=0), name="criterion_score_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.criterion_id} {self.score}"
