"""Money and results: programmes, instruments, calls, projects, budget lines,
indicators and payments. Invariants that one row can express are database
constraints; those that span rows are checked in grants.services."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clusters.models import Organisation
from core.formatting import format_money
from core.i18n import BilingualName, localized_value, value_language
from core.money import MoneyField, RateField

HALF_CENT = Decimal("0.005")


class Programme(BilingualName):
    code = models.CharField(_("code"), max_length=30, unique=True)
    country = models.CharField(_("country"), max_length=2, default="LT")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gt=F("period_start")), name="programme_period_order"),
        ]

    def __str__(self) -> str:
        return self.name


class CostCategory(BilingualName):
    code = models.CharField(_("code"), max_length=30, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("cost category")
        verbose_name_plural = _("cost categories")

    def __str__(self) -> str:
        return self.name


class StateAidRegime(models.TextChoices):
    DE_MINIMIS = "de_minimis", _("De minimis aid (Regulation (EU) 2023/2831)")
    GBER = "gber", _("GBER (Regulation (EU) No 651/2014)")
    NONE = "none", _("No state aid")


class Instrument(BilingualName):
    """A support measure of a programme (e.g. Business Cluster LT)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="instruments", verbose_name=_("programme")
    )
    code = models.CharField(_("code"), max_length=30, unique=True)
    allocation_amount = MoneyField(_("allocation"))
    funding_rate = RateField(
        _("funding rate"), help_text=_("Maximum share of the eligible costs paid by the grant, in %.")
    )
    max_grant_amount = MoneyField(_("maximum grant"), help_text=_("Maximum grant per project."))
    eligible_cost_categories = models.ManyToManyField(
        CostCategory, related_name="instruments", verbose_name=_("eligible cost categories")
    )
    reallocation_share = RateField(
        _("reallocation share"), help_text=_("Share of a budget line that may move to another line, in %.")
    )
    state_aid_regime = models.CharField(_("state aid regime"), max_length=12, choices=StateAidRegime.choices)

    class Meta:
        ordering = ["programme", "code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
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
    OUTPUT = "output", _("Output indicator")
    RESULT = "result", _("Result indicator")


class IndicatorUnit(models.TextChoices):
    """What an indicator counts. The value is an English identifier kept in
    the database; the label is what people read, in their language."""

    COMPANIES = "companies", _("companies")
    ORGANISATIONS = "organisations", _("organisations")
    CLUSTERS = "clusters", _("clusters")
    MEMBERS = "members", _("members")
    MEMBERSHIPS = "memberships", _("memberships")
    PROTOTYPES = "prototypes", _("prototypes")
    SESSIONS = "sessions", _("sessions")
    RESEARCHERS = "researchers", _("researchers")
    EUR = "EUR", _("EUR")


def unit_label(unit: str) -> str:
    """The label of an indicator unit in the active language (lazy); a unit
    outside IndicatorUnit (an older row) is shown as stored."""
    return IndicatorUnit(unit).label if unit in IndicatorUnit.values else unit


class Indicator(BilingualName):
    code = models.CharField(_("code"), max_length=30, unique=True)
    unit = models.CharField(_("unit"), max_length=40, choices=IndicatorUnit.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=IndicatorKind.choices)
    instruments = models.ManyToManyField(
        Instrument, through="InstrumentIndicator", related_name="indicators", verbose_name=_("instruments")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def unit_label(self) -> str:
        return unit_label(self.unit)


class InstrumentIndicator(models.Model):
    """An indicator an instrument reports on, with the instrument's target."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="indicator_targets", verbose_name=_("instrument")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="instrument_targets", verbose_name=_("indicator")
    )
    target_value = models.DecimalField(_("target value"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["instrument", "indicator__code"]
        verbose_name = _("instrument indicator target")
        verbose_name_plural = _("instrument indicator targets")
        constraints = [
            models.UniqueConstraint(fields=["instrument", "indicator"], name="instrument_indicator_unique"),
            models.CheckConstraint(condition=Q(target_value__gte=0), name="instrument_indicator_target_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code}: {self.indicator.code}"


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

    class Meta:
        ordering = ["instrument", "opens_at"]
        verbose_name = _("call for proposals")
        verbose_name_plural = _("calls for proposals")
        constraints = [
            models.CheckConstraint(condition=Q(budget_amount__gte=0), name="call_budget_nonneg"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="call_closes_after_opens"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def title(self) -> str:
        return localized_value(self, "title")

    @property
    def title_lang(self) -> str:
        return value_language(self, "title")


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
