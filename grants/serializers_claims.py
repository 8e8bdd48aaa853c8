"""Shapes of the payment-claim API (/api/v1/claims/): claims with their items,
indicator values and rounds, the payable preview, and the inputs of each action.
Input serializers check shapes only; every rule is grants.services.claims'.
Amounts are strings with two decimals."""

from datetime import date

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grants.models import (
    ClaimIndicatorValue,
    ClaimKind,
    ClaimRound,
    ClaimStatus,
    ExpenditureItem,
    Indicator,
    IneligibilityReason,
    PaymentClaim,
    Project,
)
from grants.services.claims import claim_days_left, claim_is_overdue, vilnius_date

MONEY = {"max_digits": 14, "decimal_places": 2}


# Other resources have fields called `status` and `kind` with other values, and
# the schema's enum naming (drf-spectacular) would warn about the collision: the
# claim's enums are written inline (wrapped in allOf, which the naming hook
# leaves alone) until config's ENUM_NAME_OVERRIDES names them (requested).
@extend_schema_field({"allOf": [{"type": "string", "enum": ClaimStatus.values}], "readOnly": True})
class ClaimStatusField(serializers.CharField):
    pass


@extend_schema_field({"allOf": [{"type": "string", "enum": ClaimKind.values}]})
class ClaimKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ClaimKind.choices, **kwargs)


class ExpenditureItemSerializer(serializers.ModelSerializer):
    cost_category = serializers.CharField(source="budget_line.cost_category.code", read_only=True)
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = ExpenditureItem
        fields = [
            "id",
            "version",
            "budget_line",
            "cost_category",
            "supplier_name",
            "supplier_code",
            "document_number",
            "document_date",
            "amount_excl_vat",
            "vat_amount",
            "vat_recoverable",
            "claimed_amount",
            "document_name",
            "document_size",
            "document_sha256",
            "document_url",
            "double_funding_override_reason",
            "eligible_amount",
            "ineligibility_reason",
            "ineligibility_note",
            "verified_at",
        ]
        read_only_fields = fields

    def get_document_url(self, item: ExpenditureItem) -> str | None:
        if not item.document:
            return None
        return reverse("claims-api:claim-item-document", kwargs={"pk": item.claim_id, "item_id": item.pk})


class ClaimIndicatorValueSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)

    class Meta:
        model = ClaimIndicatorValue
        fields = ["id", "indicator", "indicator_code", "value", "evidence", "evidence_file_name"]
        read_only_fields = fields


class ClaimRoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClaimRound
        fields = [
            "number",
            "submitted_at",
            "submitted_by",
            "response",
            "returned_at",
            "returned_by",
            "return_reason",
            "snapshot",
        ]
        read_only_fields = fields


class PaymentClaimSerializer(serializers.ModelSerializer):
    """A claim as the list shows it (totals summed by the database)."""

    url = serializers.SerializerMethodField()
    reference = serializers.CharField(read_only=True)
    status = ClaimStatusField(read_only=True)
    kind = ClaimKindField(read_only=True)
    project_code = serializers.CharField(source="project.code", read_only=True)
    claimed_total = serializers.DecimalField(**MONEY, read_only=True)
    eligible_total = serializers.DecimalField(**MONEY, read_only=True)
    item_count = serializers.IntegerField(read_only=True)
    days_left = serializers.SerializerMethodField(help_text="Days to the payment deadline (negative: past it).")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = PaymentClaim
        fields = [
            "id",
            "url",
            "reference",
            "project",
            "project_code",
            "number",
            "kind",
            "period_start",
            "period_end",
            "status",
            "version",
            "submitted_at",
            "payment_due_on",
            "days_left",
            "overdue",
            "claimed_total",
            "eligible_total",
            "item_count",
            "eligible_amount",
            "gross_payable_amount",
            "advance_offset_amount",
            "payable_amount",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields

    def get_url(self, claim: PaymentClaim) -> str:
        return reverse("claims-api:claim-detail", kwargs={"pk": claim.pk})

    def _today(self) -> date:
        return self.context.get("today") or vilnius_date()

    def get_days_left(self, claim: PaymentClaim) -> int | None:
        return claim_days_left(claim, self._today())

    def get_overdue(self, claim: PaymentClaim) -> bool:
        return claim_is_overdue(claim, self._today())


class PaymentClaimDetailSerializer(PaymentClaimSerializer):
    items = ExpenditureItemSerializer(many=True, read_only=True)
    indicator_values = ClaimIndicatorValueSerializer(many=True, read_only=True)
    rounds = ClaimRoundSerializer(many=True, read_only=True)

    class Meta(PaymentClaimSerializer.Meta):
        fields = [*PaymentClaimSerializer.Meta.fields, "items", "indicator_values", "rounds"]
        read_only_fields = fields


class PayableSerializer(serializers.Serializer):
    eligible = serializers.DecimalField(**MONEY, help_text="Σ verified eligible amounts (unverified items: 0).")
    gross = serializers.DecimalField(**MONEY, help_text="eligible × the project's funding rate.")
    advance_offset = serializers.DecimalField(**MONEY, help_text="The part withheld against the advance.")
    payable = serializers.DecimalField(**MONEY, help_text="What the payment would be.")
    capped = serializers.BooleanField(help_text="The grant's remainder, not the claim, set the payable amount.")
    outstanding_advance = serializers.DecimalField(**MONEY)
    grant_left = serializers.DecimalField(**MONEY)


# --------------------------------------------------------------------------- inputs


class ClaimCreateSerializer(serializers.Serializer):
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all())
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    kind = ClaimKindField(default=ClaimKind.INTERIM)


class ClaimUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version the change was made from.")
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    kind = ClaimKindField(required=False)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version the action was taken on.")


class SubmitSerializer(VersionSerializer):
    response = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="The answer to the officer's questions."
    )


class ReturnSerializer(VersionSerializer):
    reason = serializers.CharField(help_text="The questions for the beneficiary.")


class ApproveSerializer(VersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RejectSerializer(VersionSerializer):
    note = serializers.CharField(help_text="Why the claim is rejected.")


class PaySerializer(serializers.Serializer):
    paid_on = serializers.DateField()


ITEM_HELP = "A budget line of the claim's project (its id)."


class ItemWriteSerializer(serializers.Serializer):
    budget_line = serializers.IntegerField(help_text=ITEM_HELP)
    supplier_name = serializers.CharField(max_length=250)
    supplier_code = serializers.CharField(max_length=40, help_text="Stored without spaces, upper case.")
    document_number = serializers.CharField(max_length=80, help_text="Stored without spaces, upper case.")
    document_date = serializers.DateField()
    amount_excl_vat = serializers.DecimalField(**MONEY)
    vat_amount = serializers.DecimalField(**MONEY, required=False, default="0.00")
    vat_recoverable = serializers.BooleanField(required=False, default=False)
    document = serializers.FileField(
        required=False, help_text="The supporting document: PDF, DOCX or XLSX (multipart/form-data)."
    )
    double_funding_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Officers with the permission only: why a document claimed before is accepted.",
    )


class ItemUpdateSerializer(ItemWriteSerializer):
    """Used partially: the fields not sent keep their values; `version` is required."""

    version = serializers.IntegerField(min_value=1, help_text="The version the change was made from.")


class ItemVerifySerializer(VersionSerializer):
    eligible_amount = serializers.DecimalField(**MONEY)
    ineligibility_reason = serializers.ChoiceField(
        choices=IneligibilityReason.choices, required=False, allow_blank=True, default=""
    )
    ineligibility_note = serializers.CharField(required=False, allow_blank=True, default="")


class IndicatorValueWriteSerializer(serializers.Serializer):
    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all())
    value = serializers.DecimalField(max_digits=16, decimal_places=2)
    evidence = serializers.CharField()
    evidence_file = serializers.FileField(required=False)
