"""The cluster registry API under /api/v1/clusters/ (namespace "registry-api"):
the list with the page's filters, a cluster with everything its page shows,
and an officer's edit of a cluster (PATCH with `version`; 409 when stale).
Officers, auditors and applicants read; anyone else gets 404, as on the pages."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from clusters import serializers_registry as s
from clusters.forms_registry import ClusterFilterForm
from clusters.models import Cluster, CommitmentKind, LabelLevel, MaturityLevel, Region
from clusters.selectors.registry import cluster_detail, cluster_projects, clusters_filtered
from clusters.services.registry import cluster_update
from core.api import ErrorSerializer, Pagination
from core.permissions import Access

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A rule was broken; `fields` names the input."),
    403: OpenApiResponse(ErrorSerializer, description="Only programme officers edit the registry."),
    404: OpenApiResponse(ErrorSerializer, description="No such cluster, or the role may not read the registry."),
    409: OpenApiResponse(ErrorSerializer, description="The cluster changed since `version`; reload it."),
}


def _choices(values) -> str:
    return ", ".join(f"`{v}`" for v in values)


FILTERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Part of the name, the coordinator's name or company code."),
    OpenApiParameter("sector", OpenApiTypes.STR, description="The cluster's sector, as written."),
    OpenApiParameter("region", OpenApiTypes.STR, description=f"The coordinator's region: {_choices(Region.values)}."),
    OpenApiParameter(
        "label",
        OpenApiTypes.STR,
        description=f"A label valid on the day: `any`, `none` or a level ({_choices(LabelLevel.values)}).",
    ),
    OpenApiParameter("network", OpenApiTypes.STR, description="In an international network on the day: `yes`/`no`."),
    OpenApiParameter(
        "commitments",
        OpenApiTypes.STR,
        many=True,
        description=f"Strategy flags held on the day, every one given: {_choices(CommitmentKind.values)}.",
    ),
    OpenApiParameter(
        "maturity",
        OpenApiTypes.STR,
        description=f"The latest assessment on or before the day: {_choices(MaturityLevel.values)} or `none`.",
    ),
    OpenApiParameter("state", OpenApiTypes.STR, description="`active` or `dissolved` on the day."),
    OpenApiParameter("target", OpenApiTypes.STR, description="A national target's id: the clusters behind it."),
    OpenApiParameter("on", OpenApiTypes.DATE, description="The day (YYYY-MM-DD); today when absent."),
]


def _require_reader(user) -> Access:
    access = Access.of(user)
    if not (access.sees_all_data or access.acts_for_organisation):
        raise Http404
    return access


@extend_schema(tags=["clusters"])
@extend_schema_view(
    list=extend_schema(
        summary="List clusters",
        description="The cluster registry as of a day, with the list page's search and filters.",
        parameters=FILTERS,
        responses={200: s.ClusterListSerializer(many=True), 400: ERRORS[400], 404: ERRORS[404]},
    ),
    retrieve=extend_schema(
        summary="A cluster",
        description="Members over time, labels with their status, networks, strategy flags, maturity, "
        "activities and the projects of its organisations (an applicant: its own organisation's).",
        parameters=[FILTERS[-1]],
        responses={200: s.ClusterDetailSerializer, 404: ERRORS[404]},
    ),
)
class ClusterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ClusterListSerializer
    pagination_class = Pagination
    queryset = Cluster.objects.none()  # for the schema; get_queryset answers requests

    def _day(self):
        form = ClusterFilterForm({"on": self.request.query_params.get("on", "")})
        form.is_valid()
        if "on" in form.errors:
            raise ValidationError({"on": form.errors["on"]})
        return form.cleaned_data.get("on") or timezone.localdate()

    def get_queryset(self):
        _require_reader(self.request.user)
        data = self.request.query_params.copy()
        form = ClusterFilterForm(data)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        params = form.params()
        return clusters_filtered(params, params.get("on") or timezone.localdate())

    def retrieve(self, request, pk=None):
        _require_reader(request.user)
        detail = cluster_detail(pk, self._day())
        detail.projects = cluster_projects(detail.cluster, user=request.user)
        return Response(s.ClusterDetailSerializer(detail).data)

    @extend_schema(
        summary="Edit a cluster (officers)",
        description="Change the cluster's own data; `version` is the one the edit was made from.",
        request=s.ClusterWriteSerializer,
        responses={200: s.ClusterDetailSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        access = _require_reader(request.user)
        cluster = get_object_or_404(Cluster.objects.select_related("coordinator"), pk=pk)
        if not access.manages_programme:
            raise PermissionDenied(str(_("Only programme officers may do this.")))
        serializer = s.ClusterWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        values = {
            "name": cluster.name,
            "coordinator": cluster.coordinator,
            "sector": cluster.sector,
            "established_on": cluster.established_on,
            "dissolved_on": cluster.dissolved_on,
            "is_new_initiative": cluster.is_new_initiative,
        }
        values.update({k: v for k, v in data.items() if k != "version"})
        cluster_update(actor=request.user, cluster=cluster, version=data["version"], **values)
        detail = cluster_detail(cluster.pk, timezone.localdate())
        detail.projects = cluster_projects(detail.cluster, user=request.user)
        return Response(s.ClusterDetailSerializer(detail).data)
