"""Budget tracking in the API (issue 9), under /api/v1/ (namespace "workspace-api"):

- GET /api/v1/rollups/?level=call|instrument|programme[&as_of=YYYY-MM-DD] — planned,
  grant, claimed, verified eligible, paid and remaining per call, instrument or
  programme, with their total (grants.selectors.budget.budget_rollup, four
  queries). Officers and auditors; for anyone else the roll-ups do not exist (404).
- GET /api/v1/projects/<id>/budget/ — a project's budget lines against its
  claimed, verified eligible and paid expenditure (grants.selectors.budget.
  project_budget), for anyone who may see the project (404 otherwise, as the
  project page).

Amounts are strings (decimals), in EUR."""

from datetime import date

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer
from core.permissions import Access
from grants.selectors.budget import LEVELS, as_cutoff, budget_rollup, project_budget, rollup_total
from grants.selectors.projects import project_get_for

MONEY = {"max_digits": 16, "decimal_places": 2, "read_only": True}
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="Not found, or not visible to the user.")
INVALID = OpenApiResponse(ErrorSerializer, description="A parameter is wrong; `fields` names it.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Not logged in.")


class BudgetRollupRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="The call's title or the name, in the request's language.")
    parent_id = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="A call's instrument, an instrument's programme; null for a programme.",
    )
    allocation = serializers.DecimalField(
        allow_null=True,
        help_text="The call's budget, the instrument's allocation, the sum of a programme's instruments' allocations.",
        **MONEY,
    )
    project_count = serializers.IntegerField(read_only=True)
    planned = serializers.DecimalField(help_text="Eligible cost of the projects.", **MONEY)
    grant = serializers.DecimalField(help_text="Contracted grant of the projects.", **MONEY)
    claimed = serializers.DecimalField(help_text="Expenditure in submitted payment claims.", **MONEY)
    verified = serializers.DecimalField(
        help_text="Declared eligible expenditure: eligible amounts of items of approved or paid claims.", **MONEY
    )
    paid = serializers.DecimalField(help_text="Payments to the projects, advances included.", **MONEY)
    remaining = serializers.DecimalField(help_text="Grant − paid.", **MONEY)


class BudgetRollupTotalSerializer(serializers.Serializer):
    project_count = serializers.IntegerField(read_only=True)
    planned = serializers.DecimalField(**MONEY)
    grant = serializers.DecimalField(**MONEY)
    claimed = serializers.DecimalField(**MONEY)
    verified = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    remaining = serializers.DecimalField(**MONEY)


class BudgetRollupSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVELS, read_only=True)
    as_of = serializers.DateField(read_only=True, help_text="The cut-off date the figures are read at.")
    results = BudgetRollupRowSerializer(many=True, read_only=True)
    total = BudgetRollupTotalSerializer(read_only=True)


class BudgetRollupQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=LEVELS)
    as_of = serializers.DateField(required=False, help_text="Cut-off date (default: today).")


class BudgetLineExpenditureSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", read_only=True)
    cost_category_code = serializers.CharField(source="category_code", read_only=True)
    cost_category = serializers.CharField(source="category_name", read_only=True)
    planned = serializers.DecimalField(**MONEY)
    claimed = serializers.DecimalField(help_text="Expenditure in submitted payment claims.", **MONEY)
    verified = serializers.DecimalField(help_text="Eligible amounts of items of approved or paid claims.", **MONEY)
    paid = serializers.DecimalField(help_text="Verified eligible expenditure of paid claims.", **MONEY)


class ProjectBudgetSerializer(serializers.Serializer):
    lines = BudgetLineExpenditureSerializer(source="rows", many=True, read_only=True)
    planned = serializers.DecimalField(**MONEY)
    claimed = serializers.DecimalField(**MONEY)
    verified = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    grant = serializers.DecimalField(**MONEY)
    payments_total = serializers.DecimalField(help_text="Every payment, advances included.", **MONEY)
    remaining_grant = serializers.DecimalField(help_text="Grant − payments.", **MONEY)


class RollupView(APIView):
    """Budget roll-ups per call, instrument or programme."""

    @extend_schema(
        operation_id="rollups_list",
        summary="Budget roll-up per call, instrument or programme",
        parameters=[
            OpenApiParameter("level", OpenApiTypes.STR, enum=list(LEVELS), required=True),
            OpenApiParameter("as_of", OpenApiTypes.DATE, required=False, description="Cut-off date (default: today)."),
        ],
        responses={200: BudgetRollupSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["budget"],
    )
    def get(self, request):
        if not Access.of(request.user).sees_all_data:
            raise Http404(_("No such list."))
        query = BudgetRollupQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise ValidationError(query.errors)
        day: date | None = query.validated_data.get("as_of")
        cutoff = as_cutoff(day)
        level = query.validated_data["level"]
        rows = budget_rollup(level, cutoff=cutoff)
        total = rollup_total(rows)
        body = {"level": level, "as_of": cutoff.date, "results": rows, "total": total}
        return Response(BudgetRollupSerializer(body).data)


class ProjectBudgetView(APIView):
    """One project's budget lines against its expenditure."""

    @extend_schema(
        operation_id="projects_budget_retrieve",
        summary="A project's budget lines: planned, claimed, verified eligible, paid",
        parameters=[OpenApiParameter("pk", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: ProjectBudgetSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=["budget"],
    )
    def get(self, request, pk: int):
        project = project_get_for(user=request.user, pk=pk)
        table = project_budget(project, payments_total=project.paid_total)
        return Response(ProjectBudgetSerializer(table).data)
