"""Programmes, their instruments (support measures), cost categories and
results indicators with their targets."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.i18n import BilingualName
from core.money import MoneyField, RateField


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
    # E.g. patents and licences: at most 25 % of a project's eligible costs.
    max_share_percent = RateField(
        _("maximum share of eligible costs"),
        null=True,
        blank=True,
        help_text=_("The most this category may take of a project's eligible costs, in %; empty for no cap."),
    )

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
    # The advance is offset against the claims' payments: each claim gives up
    # this share of its payable amount until the advance is cleared; the final
    # claim clears whatever is left.
    advance_offset_share = RateField(
        _("advance offset share"),
        default=100,
        help_text=_("Share of each claim's payable amount withheld until the advance is offset, in %."),
    )

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
            models.CheckConstraint(
                condition=Q(advance_offset_share__gte=0, advance_offset_share__lte=100),
                name="instrument_advance_offset_share_range",
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
