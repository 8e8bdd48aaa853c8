"""The officers' project list in the API: GET /api/v1/projects/ with the
filters, search and sorting of /manage/projects/ (one FilterSet,
grants.filters.WorkspaceProjectFilter), paginated by core.api.Pagination.
Officers and auditors only; for anyone else the list does not exist (404)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets

from core.api import ErrorSerializer, Pagination
from core.permissions import Access
from grants.filters import WorkspaceProjectFilter
from grants.models import Call, Instrument, Project, ProjectStatus
from grants.selectors.workspace import workspace_projects

MONEY = {"max_digits": 16, "decimal_places": 2, "read_only": True}


class _BeneficiarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    legal_code = serializers.CharField(read_only=True, help_text="The company code (9 digits).")


class _InstrumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instrument
        fields = ["id", "code"]


class _CallSerializer(serializers.ModelSerializer):
    class Meta:
        model = Call
        fields = ["id", "code"]


class WorkspaceProjectSerializer(serializers.ModelSerializer):
    beneficiary = _BeneficiarySerializer(read_only=True)
    instrument = _InstrumentSerializer(read_only=True)
    call = _CallSerializer(read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    paid_total = serializers.DecimalField(help_text="The sum of the project's payments (EUR).", **MONEY)
    open_claim_count = serializers.IntegerField(
        read_only=True,
        help_text="Payment claims not yet finished (draft, submitted, under verification, returned, approved).",
    )
    has_overdue_claims = serializers.BooleanField(
        read_only=True,
        help_text="A claim waits for payment (submitted, under verification or approved) after its due date "
        "(payment_due_on before today in Vilnius).",
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "title",
            "beneficiary",
            "instrument",
            "call",
            "status",
            "status_label",
            "start_date",
            "end_date",
            "eligible_cost",
            "grant_amount",
            "paid_total",
            "open_claim_count",
            "has_overdue_claims",
        ]
        read_only_fields = fields


@extend_schema(tags=["projects"])
@extend_schema_view(
    list=extend_schema(
        summary="List projects (officers and auditors)",
        description=(
            "Every project with what has been paid, its open payment claims and whether a claim is overdue, "
            "filtered and sorted as the officers' project list (/manage/projects/): `q` searches the code, "
            "title and the beneficiary's name or company code; `sort` is one of code, title, beneficiary, "
            "grant, paid, status, end (prefix `-` for descending); `beneficiary` is the beneficiary's company code; "
            "`overdue` is `yes` or `no`. Others get 404."
        ),
        responses={
            200: WorkspaceProjectSerializer(many=True),
            404: OpenApiResponse(ErrorSerializer, description="The user's role does not see the project list."),
        },
    ),
)
class WorkspaceProjectViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = WorkspaceProjectSerializer
    filterset_class = WorkspaceProjectFilter
    pagination_class = Pagination
    queryset = Project.objects.none()  # for the schema; get_queryset answers requests

    def get_queryset(self):
        if not Access.of(self.request.user).sees_all_data:
            raise exceptions.NotFound(_("No such page."))
        return workspace_projects()
