"""Admin of grants data. Programmes, cost categories and indicators are
reference data the administrator edits here, audited like every change. Instruments, calls, projects,
budgets, indicator values and payments carry money invariants and an audit
trail, so only grants.services writes them; the admin shows them read-only.
So are payment claims (their statuses change only through
grants.services.claims), amendments and agreement versions."""

from django.contrib import admin

from core.admin import AuditedModelAdmin, ReadOnlyAdminMixin
from grants.models import (
    AgreementVersion,
    Amendment,
    BudgetLine,
    Call,
    ClaimIndicatorValue,
    ClaimRound,
    CostCategory,
    ExpenditureItem,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Instrument,
    InstrumentIndicator,
    Payment,
    PaymentClaim,
    Programme,
    Project,
)


@admin.register(Programme)
class ProgrammeAdmin(AuditedModelAdmin):
    list_display = ("code", "name_lt", "name_en", "period_start", "period_end")
    search_fields = ("code", "name_lt", "name_en")


@admin.register(CostCategory)
class CostCategoryAdmin(AuditedModelAdmin):
    list_display = ("code", "name_lt", "name_en")
    search_fields = ("code", "name_lt", "name_en")


@admin.register(Indicator)
class IndicatorAdmin(AuditedModelAdmin):
    list_display = ("code", "name_lt", "name_en", "unit", "kind")
    list_filter = ("kind", "unit")
    search_fields = ("code", "name_lt", "name_en")


class InstrumentIndicatorInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = InstrumentIndicator
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "code",
        "name_lt",
        "name_en",
        "allocation_amount",
        "funding_rate",
        "max_grant_amount",
        "state_aid_regime",
    )
    search_fields = ("code", "name_lt", "name_en")
    inlines = [InstrumentIndicatorInline]


@admin.register(Call)
class CallAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title_lt", "title_en", "instrument", "budget_amount", "opens_at", "closes_at", "status")
    search_fields = ("code", "title_lt", "title_en")
    list_filter = ("instrument", "status")


class BudgetLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BudgetLine
    extra = 0


class IndicatorTargetInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = IndicatorTarget
    extra = 0


class PaymentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payment
    extra = 0


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "title", "instrument", "beneficiary", "status", "grant_amount")
    list_filter = ("instrument", "status")
    search_fields = ("code", "title", "beneficiary__name")
    list_select_related = ("instrument", "beneficiary")
    inlines = [BudgetLineInline, IndicatorTargetInline, PaymentInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("project", "indicator", "reported_on", "value")
    list_select_related = ("project", "indicator")
    list_filter = ("indicator",)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("project", "kind", "paid_on", "amount")
    list_select_related = ("project",)
    list_filter = ("kind",)


class ExpenditureItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ExpenditureItem
    extra = 0
    fields = (
        "budget_line",
        "supplier_name",
        "supplier_code",
        "document_number",
        "document_date",
        "amount_excl_vat",
        "vat_amount",
        "vat_recoverable",
        "claimed_amount",
        "document",
        "eligible_amount",
        "ineligibility_reason",
        "double_funding_override_reason",
    )


class ClaimIndicatorValueInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ClaimIndicatorValue
    extra = 0
    fields = ("indicator", "value", "evidence", "evidence_file")


class ClaimRoundInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ClaimRound
    extra = 0
    fields = ("number", "submitted_at", "submitted_by", "response", "returned_at", "returned_by", "return_reason")


@admin.register(PaymentClaim)
class PaymentClaimAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "project",
        "kind",
        "period_start",
        "period_end",
        "status",
        "submitted_at",
        "payment_due_on",
        "payable_amount",
    )
    list_filter = ("status", "kind", "project__instrument")
    search_fields = ("project__code", "project__title", "items__document_number", "items__supplier_code")
    list_select_related = ("project",)
    date_hierarchy = "submitted_at"
    inlines = [ExpenditureItemInline, ClaimIndicatorValueInline, ClaimRoundInline]


@admin.register(Amendment)
class AmendmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "project", "kind", "status")
    list_filter = ("kind", "status")
    search_fields = ("project__code", "justification")
    list_select_related = ("project",)


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("project", "number", "created_at", "created_by")
    search_fields = ("project__code",)
    list_select_related = ("project", "created_by")
