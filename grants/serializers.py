"""Shapes of the selection API (/api/v1/): calls with their envelopes and
criteria, applications and their steps, attachments, evaluator assignments,
the ranking list and the funding decision. Input serializers check shapes
only; every rule is the services' (grants.services.*). Field names and enum
values are English identifiers; amounts are strings with two decimals."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clusters.models import Organisation, OrganisationType
from core.models import Role, User
from grants.models import (
    Application,
    ApplicationAttachment,
    Call,
    CostCategory,
    Envelope,
    EvaluationCriterion,
    EvaluatorAssignment,
    FundingDecision,
    Indicator,
    Instrument,
    SelectionMethod,
)

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 5, "decimal_places": 2}

# --------------------------------------------------------------------------- calls


class EnvelopeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="In the request's language (Lithuanian when none).")
    budget_amount = serializers.DecimalField(
        **MONEY,
        allow_null=True,
        required=False,
        help_text="Null: the envelope competes for the part of the call budget that no envelope holds.",
    )

    class Meta:
        model = Envelope
        fields = ["id", "code", "name", "name_lt", "name_en", "budget_amount", "funding_rate", "max_grant_amount"]
        read_only_fields = ["id", "name"]


class CriterionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="In the request's language (Lithuanian when none).")

    class Meta:
        model = EvaluationCriterion
        fields = ["id", "code", "name", "name_lt", "name_en", "weight", "max_score"]
        read_only_fields = ["id", "name"]


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username", read_only=True)

    class Meta:
        model = FundingDecision
        fields = ["id", "decided_by", "decided_at", "reasons"]
        read_only_fields = fields


class CallSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text="In the request's language (Lithuanian when none).")
    instrument_code = serializers.CharField(source="instrument.code", read_only=True)
    envelopes = EnvelopeSerializer(many=True, read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    decision = serializers.SerializerMethodField(help_text="The funding decision; null until it is taken.")
    url = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id",
            "url",
            "code",
            "title",
            "title_lt",
            "title_en",
            "instrument",
            "instrument_code",
            "status",
            "selection_method",
            "budget_amount",
            "opens_at",
            "closes_at",
            "funding_rate",
            "max_grant_amount",
            "min_own_contribution_percent",
            "eligible_applicant_types",
            "quality_threshold",
            "envelopes",
            "criteria",
            "decision",
            "version",
        ]
        read_only_fields = fields

    def get_url(self, call: Call) -> str:
        return reverse("grants-api:call-detail", kwargs={"pk": call.pk})

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, call: Call) -> dict | None:
        try:
            decision = call.decision
        except FundingDecision.DoesNotExist:
            return None
        return DecisionSerializer(decision, context=self.context).data


class CallWriteSerializer(serializers.Serializer):
    """POST /calls/ and PATCH /calls/{id}/ (any of the fields). Conditions left
    out of a new call take the instrument's (funding rate, maximum grant), no
    minimum own contribution, every applicant type and a threshold of 50."""

    instrument = serializers.PrimaryKeyRelatedField(queryset=Instrument.objects.all())
    code = serializers.CharField(max_length=40)
    title_lt = serializers.CharField(max_length=250)
    title_en = serializers.CharField(max_length=250, required=False, allow_blank=True)
    budget_amount = serializers.DecimalField(**MONEY)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    selection_method = serializers.ChoiceField(choices=SelectionMethod.choices, required=False)
    funding_rate = serializers.DecimalField(**RATE, required=False)
    max_grant_amount = serializers.DecimalField(**MONEY, required=False)
    min_own_contribution_percent = serializers.DecimalField(**RATE, required=False)
    eligible_applicant_types = serializers.ListField(
        child=serializers.ChoiceField(choices=OrganisationType.choices), required=False
    )
    quality_threshold = serializers.DecimalField(**RATE, required=False)


class CallUpdateSerializer(CallWriteSerializer):
    """PATCH /calls/{id}/: any of the call's fields and, always, `version` (the
    call's version the edit was made from; a stale one answers 409 and the
    other person's change is kept)."""

    version = serializers.IntegerField(
        min_value=1, help_text="Required: the call's `version` as read before the edit (optimistic locking)."
    )

    def validate(self, attrs):
        if "version" not in attrs:
            raise serializers.ValidationError({"version": [_("This field is required.")]})
        return attrs


class EnvelopeWriteSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name_lt = serializers.CharField(max_length=250)
    name_en = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    budget_amount = serializers.DecimalField(**MONEY, allow_null=True, required=False, default=None)
    funding_rate = serializers.DecimalField(**RATE)
    max_grant_amount = serializers.DecimalField(**MONEY)


class CriterionWriteSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=20)
    name_lt = serializers.CharField(max_length=250)
    name_en = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")
    weight = serializers.DecimalField(**RATE)
    max_score = serializers.IntegerField(min_value=1, max_value=1000)


class CriteriaSetSerializer(serializers.Serializer):
    criteria = CriterionWriteSerializer(many=True, help_text="The call's whole list of criteria.")


# --------------------------------------------------------------------------- applications


class BudgetLineSerializer(serializers.Serializer):
    cost_category = serializers.PrimaryKeyRelatedField(queryset=CostCategory.objects.all())
    cost_category_code = serializers.CharField(source="cost_category.code", read_only=True)
    amount = serializers.DecimalField(**MONEY)


class IndicatorTargetSerializer(serializers.Serializer):
    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all())
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    target_value = serializers.DecimalField(max_digits=16, decimal_places=2)


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ApplicationAttachment
        fields = ["id", "original_name", "kind", "size", "sha256", "uploaded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, attachment: ApplicationAttachment) -> str:
        return reverse(
            "grants-api:application-attachment-download",
            kwargs={"pk": attachment.application_id, "attachment_id": attachment.pk},
        )


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="PDF, DOCX or XLSX, at most 10 MB; the type is checked by content.")


class ApplicationSerializer(serializers.ModelSerializer):
    """An application as the list shows it."""

    call_code = serializers.CharField(source="call.code", read_only=True)
    envelope_code = serializers.CharField(source="envelope.code", read_only=True, allow_null=True, default=None)
    applicant_name = serializers.CharField(source="applicant.name", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "url",
            "number",
            "status",
            "call",
            "call_code",
            "envelope",
            "envelope_code",
            "applicant",
            "applicant_name",
            "title",
            "submitted_at",
            "eligible_cost",
            "grant_requested",
            "own_contribution",
            "score",
        ]
        read_only_fields = fields

    def get_url(self, application: Application) -> str:
        return reverse("grants-api:application-detail", kwargs={"pk": application.pk})


class ApplicationDetailSerializer(ApplicationSerializer):
    """An application with every step."""

    partners = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    budget_lines = BudgetLineSerializer(many=True, read_only=True)
    indicator_targets = IndicatorTargetSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    receipt_url = serializers.SerializerMethodField(help_text="The receipt PDF; null before submission.")

    class Meta(ApplicationSerializer.Meta):
        fields = [
            *ApplicationSerializer.Meta.fields,
            "summary",
            "start_date",
            "end_date",
            "partners",
            "budget_lines",
            "indicator_targets",
            "attachments",
            "de_minimis_received",
            "declares_no_double_funding",
            "declares_data_accurate",
            "ineligibility_reason",
            "project",
            "receipt_url",
            "version",
        ]
        read_only_fields = fields

    def get_receipt_url(self, application: Application) -> str | None:
        if not application.number:
            return None
        return f"/api/v1/applications/{application.pk}/receipt/"


class ApplicationCreateSerializer(serializers.Serializer):
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.all())
    envelope = serializers.PrimaryKeyRelatedField(queryset=Envelope.objects.all(), required=False, allow_null=True)


class ApplicationUpdateSerializer(serializers.Serializer):
    """PATCH /applications/{id}/: any steps of a draft, each through its
    service, all or nothing. Project: title, summary, start_date, end_date,
    envelope; partners; budget_lines (the whole budget); indicator_targets
    (every target); declarations: de_minimis_received,
    declares_no_double_funding, declares_data_accurate."""

    title = serializers.CharField(max_length=400, required=False, allow_blank=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    envelope = serializers.PrimaryKeyRelatedField(queryset=Envelope.objects.all(), required=False, allow_null=True)
    partners = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), many=True, required=False)
    budget_lines = BudgetLineSerializer(many=True, required=False)
    indicator_targets = IndicatorTargetSerializer(many=True, required=False)
    de_minimis_received = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    declares_no_double_funding = serializers.BooleanField(required=False)
    declares_data_accurate = serializers.BooleanField(required=False)
    version = serializers.IntegerField(
        min_value=1,
        help_text="Required: the application's `version` as read before the edit (optimistic locking; a stale one "
        "answers 409 and the other person's change is kept).",
    )


# --------------------------------------------------------------------------- selection


class EligibilityDecisionSerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="Required when ineligible.")
    checklist = serializers.DictField(
        child=serializers.BooleanField(), required=False, default=dict, help_text="Checklist item → met."
    )


class AssignmentSerializer(serializers.ModelSerializer):
    evaluator = serializers.CharField(source="evaluator.username", read_only=True)
    application_number = serializers.CharField(source="application.number", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = EvaluatorAssignment
        fields = [
            "id",
            "url",
            "application",
            "application_number",
            "evaluator",
            "status",
            "assigned_at",
            "declared_at",
            "completed_at",
            "score",
        ]
        read_only_fields = fields

    def get_url(self, assignment: EvaluatorAssignment) -> str:
        return reverse("grants-api:assignment-detail", kwargs={"pk": assignment.pk})


class AssignmentCreateSerializer(serializers.Serializer):
    evaluator = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))

    def validate_evaluator(self, user: User) -> User:
        if user.role != Role.EVALUATOR:
            raise serializers.ValidationError(_("Choose a user with the evaluator role."))
        return user


class ConflictDeclarationSerializer(serializers.Serializer):
    has_conflict = serializers.BooleanField(help_text="True removes the evaluator from the application.")


class CriterionScoreInputSerializer(serializers.Serializer):
    criterion = serializers.PrimaryKeyRelatedField(queryset=EvaluationCriterion.objects.all())
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ScoresSubmitSerializer(serializers.Serializer):
    scores = CriterionScoreInputSerializer(many=True, help_text="One score for each criterion of the call.")


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    application = serializers.IntegerField(source="application.pk")
    number = serializers.CharField(source="application.number")
    applicant_name = serializers.CharField(source="application.applicant.name")
    title = serializers.CharField(source="application.title")
    submitted_at = serializers.DateTimeField(source="application.submitted_at")
    status = serializers.CharField(source="application.status")
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    grant = serializers.DecimalField(**MONEY)
    cumulative = serializers.DecimalField(**MONEY)
    fits = serializers.BooleanField(help_text="Whether the grant fits the pool's budget with those ranked above.")
    outcome = serializers.ChoiceField(
        choices=["approved", "reserve", "rejected"], help_text="Provisional before the decision, then decided."
    )
    above_threshold = serializers.BooleanField(help_text="The score reaches the call's quality threshold.")


class RankingPoolSerializer(serializers.Serializer):
    envelope = serializers.IntegerField(allow_null=True, help_text="Null: the call's shared budget.")
    envelope_code = serializers.CharField(allow_null=True)
    envelope_codes = serializers.ListField(
        child=serializers.CharField(), help_text="The envelopes drawing on this pool (none: a call without envelopes)."
    )
    budget_amount = serializers.DecimalField(**MONEY)
    pending = serializers.IntegerField(help_text="Applications of the pool still in eligibility check or evaluation.")
    rows = RankingRowSerializer(many=True)


class RankingSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    quality_threshold = serializers.DecimalField(**RATE)
    decided = serializers.BooleanField()
    pools = RankingPoolSerializer(many=True)


class DecisionRequestSerializer(serializers.Serializer):
    reasons = serializers.CharField(help_text="The reasons of the decision (required).")
