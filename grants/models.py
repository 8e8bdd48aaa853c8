"""Money and results: programmes, instruments, calls, projects, budget lines,
indicators and payments. Invariants that one row can express are database
constraints; those that span rows are checked in grants.services."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from clusters.models import Organisation
from core.i18n import BilingualName, localized_value, value_language
from core.money import MoneyField, RateField

HALF_CENT = Decimal("0.005")


class Programme(BilingualName):
    code = models.CharField(max_length=30, unique=True)
    country = models.CharField(max_length=2, default="LT")
    period_start = models.DateField()
    period_end = models.DateField()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gt=F("period_start")), name="programme_period_order"),
        ]

    def __str__(self) -> str:
        return self.name


class CostCategory(BilingualName):
    code = models.CharField(max_length=30, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "cost categories"

    def __str__(self) -> str:
        return self.name


class StateAidRegime(models.TextChoices):
    DE_MINIMIS = "de_minimis", "De minimis (Reg. (EU) 2023/2831)"
    GBER = "gber", "GBER (Reg. (EU) 651/2014)"
    NONE = "none", "No state aid"


class Instrument(BilingualName):
    """A support measure of a programme (e.g. Business Cluster LT)."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="instruments")
    code = models.CharField(max_length=30, unique=True)
    allocation_amount = MoneyField()
    funding_rate = RateField(help_text="Maximum share of eligible cost paid by the grant, in %.")
    max_grant_amount = MoneyField(help_text="Maximum grant per project.")
    eligible_cost_categories = models.ManyToManyField(CostCategory, related_name="instruments")
    reallocation_share = RateField(help_text="Share of a budget line that may move to another line, in %.")
    state_aid_regime = models.CharField(max_length=12, choices=StateAidRegime.choices)

    class Meta:
        ordering = ["programme", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(allocation_amount__gte=0), name="instrument_allocation_nonneg"),
            models.CheckConstraint(condition=Q(max_grant_amount__gte=0), name="instrument_max_grant_nonneg"),
            models.CheckConstraint(
                condition=Q(funding_rate__gt=0, funding_rate__lte=100), name="instrument_funding_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(reallocation_share__gte=0, reallocation_share__lte=100),
                name="instrument_reallocation_share_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorKind(models.TextChoices):
    OUTPUT = "output", "Output"
    RESULT = "result", "Result"


class Indicator(BilingualName):
    code = models.CharField(max_length=30, unique=True)
    unit = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=IndicatorKind.choices)
    instruments = models.ManyToManyField(Instrument, through="InstrumentIndicator", related_name="indicators")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class InstrumentIndicator(models.Model):
    """An indicator an instrument reports on, with the instrument's target."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="indicator_targets")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="instrument_targets")
    target_value = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["instrument", "indicator__code"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "indicator"], name="instrument_indicator_unique"),
            models.CheckConstraint(condition=Q(target_value__gte=0), name="instrument_indicator_target_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code}: {self.indicator.code}"


class CallStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class SelectionMethod(models.TextChoices):
    COMPETITIVE = "competitive", "Competitive ranking"
    FIRST_COME = "first_come", "First come, first served"
    PLANNED = "planned", "Planned (state project)"


class Call(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="calls")
    code = models.CharField(max_length=40, unique=True)
    # The call's title as published, in Lithuanian (required) and English.
    title_lt = models.CharField(max_length=250)
    title_en = models.CharField(max_length=250, blank=True)
    budget_amount = MoneyField()
    opens_at = models.DateTimeField(help_text="Europe/Vilnius")
    closes_at = models.DateTimeField(help_text="Europe/Vilnius")
    selection_method = models.CharField(max_length=12, choices=SelectionMethod.choices)
    status = models.CharField(max_length=10, choices=CallStatus.choices, default=CallStatus.DRAFT)

    class Meta:
        ordering = ["instrument", "opens_at"]
        constraints = [
            models.CheckConstraint(condition=Q(budget_amount__gte=0), name="call_budget_nonneg"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="call_closes_after_opens"),
        ]

    @property
    def title(self) -> str:
        return localized_value(self, "title")

    @property
    def title_lang(self) -> str:
        return value_language(self, "title")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ProjectStatus(models.TextChoices):
    CONTRACTED = "contracted", "Contracted"
    IN_IMPLEMENTATION = "in_implementation", "In implementation"
    SUSPENDED = "suspended", "Suspended"
    COMPLETED = "completed", "Completed"
    CLOSED = "closed", "Closed"
    TERMINATED = "terminated", "Terminated"


class Project(models.Model):
    """A funded operation under a grant agreement."""

    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=400)
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="projects")
    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.PROTECT, related_name="projects")
    beneficiary = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="projects")
    partners = models.ManyToManyField(Organisation, blank=True, related_name="partner_projects")
    status = models.CharField(max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.CONTRACTED)
    start_date = models.DateField()
    end_date = models.DateField()
    eligible_cost = MoneyField()
    grant_amount = MoneyField()
    own_contribution = MoneyField()

    class Meta:
        ordering = ["instrument", "code"]
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
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class BudgetLine(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    cost_category = models.ForeignKey(CostCategory, on_delete=models.PROTECT, related_name="budget_lines")
    planned_amount = MoneyField()

    class Meta:
        ordering = ["project", "cost_category__code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "cost_category"], name="budget_line_unique_category"),
            models.CheckConstraint(condition=Q(planned_amount__gte=0), name="budget_line_amount_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.cost_category}"


class IndicatorTarget(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicator_targets")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="project_targets")
    target_value = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["project", "indicator__code"]
        constraints = [
            models.UniqueConstraint(fields=["project", "indicator"], name="indicator_target_unique"),
            models.CheckConstraint(condition=Q(target_value__gte=0), name="indicator_target_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.indicator.code} target {self.target_value}"


class IndicatorValue(models.Model):
    """A value reported by the beneficiary for a period; achieved = sum of values."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicator_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    reported_on = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["project", "indicator__code", "reported_on"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="indicator_value_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.indicator.code} = {self.value}"


class PaymentKind(models.TextChoices):
    ADVANCE = "advance", "Advance"
    INTERIM = "interim", "Interim"
    FINAL = "final", "Final"


class Payment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=PaymentKind.choices)
    paid_on = models.DateField()
    amount = MoneyField()

    class Meta:
        ordering = ["project", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=PaymentKind.values), name="payment_kind_valid"),
            models.UniqueConstraint(
                fields=["project"], condition=Q(kind="final"), name="payment_one_final_per_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.get_kind_display()} {self.amount} EUR on {self.paid_on}"
