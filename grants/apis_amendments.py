"""The amendment API under /api/v1/ (issue 9): amendment requests and the
officer's decision, agreement versions, a project's title and dates (PATCH,
optimistic locking) and its status. Writes go through the same services as
the pages (grants.services.amendments, grants.services.projects), reads through
the same selectors: an object the user may not see answers 404, a role that may
not act 403, a broken rule 400, a stale `version` 409."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from clusters.models import Organisation
from core.api import ErrorSerializer, Pagination
from core.permissions import Access
from grants.models import (
    AgreementVersion,
    Amendment,
    AmendmentBudgetLine,
    AmendmentKind,
    BudgetLine,
    Project,
    ProjectStatus,
)
from grants.selectors.amendments import agreement_versions_visible_to, amendments_visible_to
from grants.selectors.projects import projects_visible_to
from grants.services.amendments import (
    acts_for_beneficiary,
    amendment_decide,
    amendment_request,
    amendment_withdraw,
)
from grants.services.projects import project_transition, project_update

MONEY = {"max_digits": 14, "decimal_places": 2}
NOT_OFFICER = _("Only programme officers may do this.")
NOT_BENEFICIARY = _("Only the beneficiary's users may request an amendment of its agreement.")

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A rule was broken; `fields` names the input."),
    403: OpenApiResponse(ErrorSerializer, description="The user's role may not do this."),
    404: OpenApiResponse(ErrorSerializer, description="No such object visible to the user."),
    409: OpenApiResponse(
        ErrorSerializer, description="The object changed since the `version` given; the other change is kept."
    ),
}
PROJECT_FILTER = OpenApiParameter("project", OpenApiTypes.INT, OpenApiParameter.QUERY, description="A project's id.")


def _require_officer(user) -> None:
    if not Access.of(user).manages_programme:
        raise PermissionDenied(str(NOT_OFFICER))


def _project_filter(queryset, request, field: str = "project"):
    value = request.query_params.get("project")
    if not value:
        return queryset
    try:
        return queryset.filter(**{field: int(value)})
    except ValueError:
        return queryset.none()


# --------------------------------------------------------------------------- serializers


class AmendmentBudgetLineSerializer(serializers.ModelSerializer):
    cost_category_code = serializers.CharField(source="budget_line.cost_category.code", read_only=True)
    current_amount = serializers.DecimalField(
        source="budget_line.planned_amount", read_only=True, help_text="The line's planned amount now.", **MONEY
    )

    class Meta:
        model = AmendmentBudgetLine
        fields = ["budget_line", "cost_category_code", "planned_amount", "current_amount"]
        read_only_fields = fields


class AmendmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    project_code = serializers.CharField(source="project.code", read_only=True)
    budget_changes = AmendmentBudgetLineSerializer(many=True, read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, allow_null=True, default=None)
    agreement_version_number = serializers.IntegerField(
        source="agreement_version.number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Amendment
        fields = [
            "id",
            "url",
            "project",
            "project_code",
            "kind",
            "status",
            "justification",
            "budget_changes",
            "new_end_date",
            "partner_added",
            "partner_removed",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "agreement_version",
            "agreement_version_number",
            "version",
        ]
        read_only_fields = fields

    def get_url(self, amendment: Amendment) -> str:
        return reverse("amendments-api:amendment-detail", kwargs={"pk": amendment.pk})


class BudgetLineAmountSerializer(serializers.Serializer):
    budget_line = serializers.IntegerField(help_text="A budget line's id (of the project).")
    planned_amount = serializers.DecimalField(**MONEY)


class AmendmentCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=AmendmentKind.choices)
    justification = serializers.CharField()
    budget_lines = BudgetLineAmountSerializer(
        many=True, required=False, help_text="Reallocation: the new planned amounts (lines left out keep theirs)."
    )
    new_end_date = serializers.DateField(required=False, allow_null=True, help_text="Extension: the new end date.")
    partner_added = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, help_text="Change of partner."
    )
    partner_removed = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, help_text="Change of partner."
    )


class AmendmentDecisionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The amendment's `version` as read (optimistic locking).")
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="Required to reject.")


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The object's `version` as read (optimistic locking).")


@extend_schema_field(OpenApiTypes.OBJECT)
class SnapshotField(serializers.JSONField):
    """The agreement: title, start_date, end_date, eligible_cost, grant_amount,
    own_contribution, funding_rate, budget {cost category code: amount},
    partners [{name, code}], indicator_targets {indicator code: value};
    amounts as strings."""


class AgreementVersionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    project_code = serializers.CharField(source="project.code", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True, default=None)
    amendment = serializers.SerializerMethodField(help_text="The amendment that created it; null for version 1.")
    snapshot = SnapshotField(read_only=True)

    class Meta:
        model = AgreementVersion
        fields = ["id", "url", "project", "project_code", "number", "created_at", "created_by", "amendment", "snapshot"]
        read_only_fields = fields

    def get_url(self, version: AgreementVersion) -> str:
        return reverse("amendments-api:agreement-version-detail", kwargs={"pk": version.pk})

    def get_amendment(self, version: AgreementVersion) -> int | None:
        amendment = getattr(version, "amendment", None)
        return amendment.pk if amendment else None


class ProjectAgreementSerializer(serializers.ModelSerializer):
    beneficiary_name = serializers.CharField(source="beneficiary.name", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "title",
            "status",
            "instrument",
            "beneficiary",
            "beneficiary_name",
            "partners",
            "start_date",
            "end_date",
            "eligible_cost",
            "grant_amount",
            "own_contribution",
            "funding_rate",
            "version",
        ]
        read_only_fields = fields


class ProjectUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="Required: the project's `version` as read before the edit (optimistic locking)."
    )
    title = serializers.CharField(max_length=400, required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)


class ProjectStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProjectStatus.choices)


# --------------------------------------------------------------------------- amendments


@extend_schema(tags=["amendments"])
@extend_schema_view(
    list=extend_schema(
        summary="List amendments",
        description="Of the projects the user sees (officers and auditors: all; an applicant: its organisation's).",
        parameters=[PROJECT_FILTER],
    ),
    retrieve=extend_schema(summary="An amendment", responses={200: AmendmentSerializer, 404: ERRORS[404]}),
)
class AmendmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AmendmentSerializer
    pagination_class = Pagination
    filter_backends: list = []
    queryset = Amendment.objects.none()  # for the schema; get_queryset answers requests

    def get_queryset(self):
        amendments = amendments_visible_to(self.request.user).prefetch_related(
            "budget_changes__budget_line__cost_category"
        )
        return _project_filter(amendments, self.request).order_by("-requested_at", "-pk")

    def _answer(self, amendment: Amendment, status_code=status.HTTP_200_OK) -> Response:
        return Response(AmendmentSerializer(self.get_queryset().get(pk=amendment.pk)).data, status=status_code)

    @extend_schema(
        summary="Request an amendment (the beneficiary's users)",
        description=(
            "A reallocation (`budget_lines`), an extension (`new_end_date`) or a change of partner "
            "(`partner_added` and/or `partner_removed`), with a justification. A reallocation where every line "
            "stays within the instrument's reallocation share of its amount in agreement version 1 applies at once "
            "(status `applied`, a new agreement version); anything else is `requested` until an officer decides."
        ),
        request=AmendmentCreateSerializer,
        responses={201: AmendmentSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    def create(self, request):
        serializer = AmendmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        project = projects_visible_to(request.user).filter(pk=data["project"]).first()
        if project is None:
            raise serializers.ValidationError({"project": [_("No such project.")]})
        if not acts_for_beneficiary(request.user, project):
            raise PermissionDenied(str(NOT_BENEFICIARY))
        budget = None
        if data.get("budget_lines"):
            lines = {line.pk: line for line in BudgetLine.objects.filter(project=project)}
            budget = {}
            for item in data["budget_lines"]:
                if item["budget_line"] not in lines:
                    raise serializers.ValidationError(
                        {"budget_lines": [_("The budget line is not a line of this project.")]}
                    )
                budget[lines[item["budget_line"]]] = item["planned_amount"]
        amendment = amendment_request(
            actor=request.user,
            project=project,
            kind=data["kind"],
            justification=data["justification"],
            budget=budget,
            new_end_date=data.get("new_end_date"),
            partner_added=data.get("partner_added"),
            partner_removed=data.get("partner_removed"),
        )
        return self._answer(amendment, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve or reject a requested amendment (officers)",
        description=(
            "Approval applies the change and writes a new agreement version; rejection needs a note. `version` is "
            "the amendment's version as read: a stale one answers 409 and the other decision stands."
        ),
        request=AmendmentDecisionSerializer,
        responses={200: AmendmentSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404], 409: ERRORS[409]},
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        amendment = self.get_object()
        _require_officer(request.user)
        serializer = AmendmentDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amendment_decide(actor=request.user, amendment=amendment, **serializer.validated_data)
        return self._answer(amendment)

    @extend_schema(
        summary="Withdraw a requested amendment (the beneficiary's users)",
        request=VersionSerializer,
        responses={200: AmendmentSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404], 409: ERRORS[409]},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        amendment = self.get_object()
        if not acts_for_beneficiary(request.user, amendment.project):
            raise PermissionDenied(str(NOT_BENEFICIARY))
        serializer = VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amendment_withdraw(actor=request.user, amendment=amendment, version=serializer.validated_data["version"])
        return self._answer(amendment)


# --------------------------------------------------------------------------- agreement versions


@extend_schema(tags=["amendments"])
@extend_schema_view(
    list=extend_schema(
        summary="List agreement versions",
        description="Of the projects the user sees, by project and number.",
        parameters=[PROJECT_FILTER],
    ),
    retrieve=extend_schema(
        summary="An agreement version with its snapshot", responses={200: AgreementVersionSerializer, 404: ERRORS[404]}
    ),
)
class AgreementVersionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AgreementVersionSerializer
    pagination_class = Pagination
    filter_backends: list = []
    queryset = AgreementVersion.objects.none()  # for the schema

    def get_queryset(self):
        versions = agreement_versions_visible_to(self.request.user).select_related("amendment")
        return _project_filter(versions, self.request).order_by("project_id", "number")


# --------------------------------------------------------------------------- projects


@extend_schema(tags=["amendments"])
@extend_schema_view(
    retrieve=extend_schema(
        summary="A project's agreement facts with its version",
        responses={200: ProjectAgreementSerializer, 404: ERRORS[404]},
    ),
)
class ProjectAgreementViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ProjectAgreementSerializer
    filter_backends: list = []
    queryset = Project.objects.none()  # for the schema

    def get_queryset(self):
        return projects_visible_to(self.request.user).prefetch_related("partners")

    def _answer(self, project: Project) -> Response:
        return Response(ProjectAgreementSerializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(
        summary="Correct a project's title and dates (officers)",
        description=(
            "Any of `title`, `start_date`, `end_date`, and always `version`, the project's version as read. A stale "
            "version answers 409 and the other person's change is kept."
        ),
        request=ProjectUpdateSerializer,
        responses={
            200: ProjectAgreementSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            404: ERRORS[404],
            409: ERRORS[409],
        },
    )
    def partial_update(self, request, pk=None):
        project = self.get_object()
        _require_officer(request.user)
        serializer = ProjectUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project_update(actor=request.user, project=project, **serializer.validated_data)
        return self._answer(project)

    @extend_schema(
        summary="Move a project to another status (officers)",
        description=(
            "Along the transition table; closing (completed → closed) needs a paid final claim, a reported value "
            "for every indicator target and no open claim, each missing one named in the 400 answer."
        ),
        request=ProjectStatusSerializer,
        responses={200: ProjectAgreementSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def change_status(self, request, pk=None):
        project = self.get_object()
        _require_officer(request.user)
        serializer = ProjectStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project_transition(actor=request.user, project=project, to_status=serializer.validated_data["status"])
        return self._answer(project)
