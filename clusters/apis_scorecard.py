"""GET /api/v1/scorecard/?day=YYYY-MM-DD: the national cluster-policy scorecard
as of a day (today in Vilnius by default), the same data as the page, from the
same selector. Decimals are strings; a bad day answers 400 in the error shape.
Officers, auditors and applicants; other roles 404."""

from datetime import date

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from clusters.selectors.scorecard import scorecard
from clusters.views_scorecard import may_see_scorecard
from core.api import ErrorSerializer
from core.errors import ApplicationError


class TrendPointSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="31 December of a year, or the scorecard's day (the last point).")
    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, coerce_to_string=True)
    is_day = serializers.BooleanField()


class TargetSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="networks, gold_label, circular, sustainability, digital, …")
    text = serializers.CharField(help_text="The published wording, in the request's language.")
    comparison = serializers.ChoiceField(choices=[">", ">="])
    target = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    unit = serializers.CharField()
    value = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, coerce_to_string=True, help_text="Null without clusters."
    )
    met = serializers.BooleanField(allow_null=True)
    part = serializers.IntegerField(allow_null=True)
    whole = serializers.IntegerField(allow_null=True)
    clusters = serializers.IntegerField(allow_null=True, help_text="Clusters behind the value.")
    clusters_url = serializers.CharField(allow_null=True, help_text="The registry list filtered by the target.")
    basis = serializers.CharField()
    trend = TrendPointSerializer(many=True)


class EuShareSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    clusters = serializers.IntegerField()
    share = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True)


class EuPremiumSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    percent = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=True)


class EuBenchmarksSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    shares = EuShareSerializer(many=True)
    premiums = EuPremiumSerializer(many=True)


class ScorecardSerializer(serializers.Serializer):
    day = serializers.DateField()
    cluster_count = serializers.IntegerField()
    new_initiatives = serializers.IntegerField()
    targets = TargetSerializer(many=True)
    eu = EuBenchmarksSerializer()


def _target_data(target, day: date, today: bool) -> dict:
    url = None
    if target.clusters is not None:
        url = f"/clusters/?target={target.id}" + ("" if today else f"&on={day.isoformat()}")
    return {
        "id": target.id,
        "text": target.text,
        "comparison": target.comparison,
        "target": target.target,
        "unit": target.unit,
        "value": target.value,
        "met": target.met,
        "part": target.part,
        "whole": target.whole,
        "clusters": target.clusters,
        "clusters_url": url,
        "basis": target.basis,
        "trend": [{"day": p.day, "value": p.value, "is_day": p.is_day} for p in target.trend],
    }


class ScorecardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="scorecard_retrieve",
        summary="The national cluster-policy scorecard as of a day",
        parameters=[
            OpenApiParameter(
                "day", OpenApiTypes.DATE, OpenApiParameter.QUERY, description="YYYY-MM-DD; today (Vilnius) when absent."
            )
        ],
        responses={
            200: ScorecardSerializer,
            400: OpenApiResponse(ErrorSerializer, description="`day` is not a date YYYY-MM-DD."),
            404: OpenApiResponse(ErrorSerializer, description="The user's role does not see the scorecard."),
        },
    )
    def get(self, request):
        if not may_see_scorecard(request.user):
            raise Http404
        raw = request.query_params.get("day", "").strip()
        day = None
        if raw:
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                raise ApplicationError(
                    _("“%(value)s” is not a day; give it as YYYY-MM-DD.") % {"value": raw}, field="day"
                ) from None
        card = scorecard(day)
        today = day is None
        data = {
            "day": card.day,
            "cluster_count": card.cluster_count,
            "new_initiatives": card.new_initiatives,
            "targets": [_target_data(t, card.day, today) for t in card.targets],
            "eu": {
                "total": card.eu.total,
                "shares": [vars(s) for s in card.eu.shares],
                "premiums": [vars(p) for p in card.eu.premiums],
            },
        }
        return Response(ScorecardSerializer(data).data)
