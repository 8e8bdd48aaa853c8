"""The payment-claim API under /api/v1/claims/ (issue 9): claims, their
expenditure items (with the supporting document), indicator values, the
verification actions and the payment. Every write goes through
grants.services.claims and every read through grants.selectors.claims, so the
rules and the visibility are the pages': a claim, item or document the user may
not see answers 404, a role that may not act 403, a broken rule 400 with the
message by the field, a stale version 409."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api import ErrorSerializer, Pagination
from core.models import Role
from grants import serializers_claims as s
from grants.apis import ERRORS, MIME_TYPES, ServiceErrorsMixin, require_role
from grants.models import ClaimStatus, PaymentClaim
from grants.selectors.claims import claim_with_totals, claims_visible_to
from grants.services import claims as services

NOT_BENEFICIARY = _("Only the beneficiary's users may do this.")
NOT_ITEM_EDITOR = _("Only the beneficiary's users (or an officer accepting a repeated document) may do this.")
RESPONSES = {400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]}
WRITE_RESPONSES = {
    **RESPONSES,
    409: OpenApiResponse(ErrorSerializer, description="The claim or item changed meanwhile (stale version): reload."),
}
ITEM_ID = OpenApiParameter("item_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="An item's id.")
VALUE_ID = OpenApiParameter("value_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="An indicator value's id.")
VERSION_QUERY = OpenApiParameter(
    "version", OpenApiTypes.INT, OpenApiParameter.QUERY, required=True, description="The version being deleted."
)
PROJECT_FILTER = OpenApiParameter("project", OpenApiTypes.INT, OpenApiParameter.QUERY, description="A project's id.")
STATUS_FILTER = OpenApiParameter(
    "status", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=ClaimStatus.values, description="A claim status."
)
ITEM_FIELDS = [name for name in s.ItemWriteSerializer().fields if name not in ("document",)]


def _valid(serializer) -> dict:
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _version_from_query(request) -> int:
    try:
        return int(request.query_params["version"])
    except (KeyError, ValueError):
        message = str(_("State the version you are deleting (?version=…)."))
        raise exceptions.ValidationError({"version": [message]}) from None


def _required_version(data: dict) -> int:
    if "version" not in data:
        raise exceptions.ValidationError({"version": [str(_("This field is required."))]})
    return data["version"]


@extend_schema(tags=["claims"])
@extend_schema_view(
    list=extend_schema(
        summary="List payment claims",
        description="An applicant: the claims of its organisation's projects; officers and auditors: all.",
        parameters=[PROJECT_FILTER, STATUS_FILTER],
    ),
    retrieve=extend_schema(
        summary="A payment claim with its items, indicator values and rounds",
        responses={200: s.PaymentClaimDetailSerializer, 404: ERRORS[404]},
    ),
)
class ClaimViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = Pagination
    filter_backends: list = []
    queryset = PaymentClaim.objects.none()  # for the schema; get_queryset answers requests

    def get_serializer_class(self):
        return s.PaymentClaimSerializer if self.action == "list" else s.PaymentClaimDetailSerializer

    def get_queryset(self):
        claims = claim_with_totals(claims_visible_to(self.request.user))
        if self.action == "list":
            params = self.request.query_params
            if params.get("project"):
                try:
                    claims = claims.filter(project_id=int(params["project"]))
                except ValueError:
                    return claims.none()
            if params.get("status"):
                claims = claims.filter(status=params["status"])
            return claims.order_by("-pk")
        return claims.prefetch_related("items__budget_line__cost_category", "indicator_values__indicator", "rounds")

    def _answer(self, claim: PaymentClaim, status_code=status.HTTP_200_OK) -> Response:
        claim = self.get_queryset().get(pk=claim.pk)
        return Response(s.PaymentClaimDetailSerializer(claim, context=self.get_serializer_context()).data, status_code)

    # ----------------------------------------------------------------- the claim

    @extend_schema(
        summary="Start a payment claim (draft) for a project of the user's organisation",
        request=s.ClaimCreateSerializer,
        responses={201: s.PaymentClaimDetailSerializer, **RESPONSES},
    )
    def create(self, request):
        require_role(request.user, Role.APPLICANT, message=NOT_BENEFICIARY)
        data = _valid(s.ClaimCreateSerializer(data=request.data))
        claim = services.claim_create(actor=request.user, **data)
        return self._answer(claim, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft or returned claim's period or kind",
        request=s.ClaimUpdateSerializer,
        responses={200: s.PaymentClaimDetailSerializer, **WRITE_RESPONSES},
    )
    def partial_update(self, request, pk=None):
        require_role(request.user, Role.APPLICANT, message=NOT_BENEFICIARY)
        claim = self.get_object()
        data = _valid(s.ClaimUpdateSerializer(data=request.data, partial=True))
        version = _required_version(data)
        services.claim_update(
            actor=request.user,
            claim=claim,
            version=version,
            period_start=data.get("period_start", claim.period_start),
            period_end=data.get("period_end", claim.period_end),
            kind=data.get("kind", claim.kind),
        )
        return self._answer(claim)

    @extend_schema(
        summary="Delete a draft claim",
        parameters=[VERSION_QUERY],
        responses={204: None, **WRITE_RESPONSES},
    )
    def destroy(self, request, pk=None):
        require_role(request.user, Role.APPLICANT, message=NOT_BENEFICIARY)
        claim = self.get_object()
        services.claim_delete(actor=request.user, claim=claim, version=_version_from_query(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Submit (or resubmit) a claim",
        description=(
            "Needs at least one item, every item's document, no repeated document; records a round with the "
            "claim's content; the first submission starts the 80-day payment deadline, a resubmission moves it "
            "by the days the claim was returned."
        ),
        request=s.SubmitSerializer,
        responses={200: s.PaymentClaimDetailSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        require_role(request.user, Role.APPLICANT, message=NOT_BENEFICIARY)
        claim = self.get_object()
        data = _valid(s.SubmitSerializer(data=request.data))
        services.claim_submit(actor=request.user, claim=claim, **data)
        return self._answer(claim)

    @extend_schema(
        summary="Start verifying a submitted claim",
        request=None,
        responses={200: s.PaymentClaimDetailSerializer, **RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="start-verification", url_name="start-verification")
    def start_verification(self, request, pk=None):
        require_role(request.user, Role.OFFICER)
        claim = self.get_object()
        services.claim_verification_start(actor=request.user, claim=claim)
        return self._answer(claim)

    @extend_schema(
        summary="Return a claim to the beneficiary with questions",
        request=s.ReturnSerializer,
        responses={200: s.PaymentClaimDetailSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        require_role(request.user, Role.OFFICER)
        claim = self.get_object()
        data = _valid(s.ReturnSerializer(data=request.data))
        services.claim_return(actor=request.user, claim=claim, **data)
        return self._answer(claim)

    @extend_schema(
        summary="Approve a verified claim",
        description=(
            "Every item verified; each budget line within its amount plus the reallocation share. Stores the "
            "eligible, gross, advance-offset and payable amounts; the indicator values count from now on."
        ),
        request=s.ApproveSerializer,
        responses={200: s.PaymentClaimDetailSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        require_role(request.user, Role.OFFICER)
        claim = self.get_object()
        data = _valid(s.ApproveSerializer(data=request.data))
        services.claim_approve(actor=request.user, claim=claim, **data)
        return self._answer(claim)

    @extend_schema(
        summary="Reject a claim under verification",
        request=s.RejectSerializer,
        responses={200: s.PaymentClaimDetailSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        require_role(request.user, Role.OFFICER)
        claim = self.get_object()
        data = _valid(s.RejectSerializer(data=request.data))
        services.claim_reject(actor=request.user, claim=claim, **data)
        return self._answer(claim)

    @extend_schema(
        summary="Pay an approved claim (once)",
        description="Creates the payment of the payable amount; a claim fully offset against the advance is "
        "marked paid without a payment. A second payment of the same claim is refused.",
        request=s.PaySerializer,
        responses={200: s.PaymentClaimDetailSerializer, **RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        require_role(request.user, Role.OFFICER)
        claim = self.get_object()
        data = _valid(s.PaySerializer(data=request.data))
        services.claim_pay(actor=request.user, claim=claim, **data)
        return self._answer(claim)

    @extend_schema(
        summary="What the claim pays if approved now",
        description="eligible × funding rate, less the advance offset, within the grant's remainder.",
        responses={200: s.PayableSerializer, 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def payable(self, request, pk=None):
        claim = self.get_object()
        return Response(s.PayableSerializer(services.claim_payable_compute(claim)).data)

    # ----------------------------------------------------------------- items

    def _item(self, item_id):
        claim = self.get_object()
        return get_object_or_404(claim.items.select_related("claim__project"), pk=item_id)

    def _require_item_editor(self) -> None:
        require_role(self.request.user, Role.APPLICANT, Role.OFFICER, message=NOT_ITEM_EDITOR)

    @extend_schema(
        summary="Add an expenditure item (JSON, or multipart/form-data with the document)",
        request={"application/json": s.ItemWriteSerializer, "multipart/form-data": s.ItemWriteSerializer},
        responses={201: s.ExpenditureItemSerializer, **RESPONSES},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def items(self, request, pk=None):
        self._require_item_editor()
        claim = self.get_object()
        data = _valid(s.ItemWriteSerializer(data=request.data))
        item = services.item_add(actor=request.user, claim=claim, **data)
        return Response(s.ExpenditureItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Change an item (JSON, or multipart/form-data with a new document)",
        parameters=[ITEM_ID],
        request={"application/json": s.ItemUpdateSerializer, "multipart/form-data": s.ItemUpdateSerializer},
        responses={200: s.ExpenditureItemSerializer, **WRITE_RESPONSES},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Remove an item of a draft or returned claim",
        parameters=[ITEM_ID, VERSION_QUERY],
        request=None,
        responses={204: None, **WRITE_RESPONSES},
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"items/(?P<item_id>\d+)",
        url_name="item",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def item(self, request, pk=None, item_id=None):
        self._require_item_editor()
        item = self._item(item_id)
        if request.method == "DELETE":
            services.item_delete(actor=request.user, item=item, version=_version_from_query(request))
            return Response(status=status.HTTP_204_NO_CONTENT)
        data = _valid(s.ItemUpdateSerializer(data=request.data, partial=True))
        version = _required_version(data)
        fields = {name: data.get(name, getattr(item, name)) for name in ITEM_FIELDS}
        if "budget_line" not in data:
            fields["budget_line"] = item.budget_line
        if "double_funding_override_reason" not in data:
            fields["double_funding_override_reason"] = item.double_funding_override_reason
        item = services.item_update(
            actor=request.user, item=item, version=version, document=data.get("document"), **fields
        )
        return Response(s.ExpenditureItemSerializer(item).data)

    @extend_schema(
        summary="Verify an item: its eligible amount (an ineligible part needs a reason and a note)",
        parameters=[ITEM_ID],
        request=s.ItemVerifySerializer,
        responses={200: s.ExpenditureItemSerializer, **WRITE_RESPONSES},
    )
    @action(detail=True, methods=["post"], url_path=r"items/(?P<item_id>\d+)/verify", url_name="item-verify")
    def item_verify(self, request, pk=None, item_id=None):
        require_role(request.user, Role.OFFICER)
        item = self._item(item_id)
        data = _valid(s.ItemVerifySerializer(data=request.data))
        item = services.item_verify(actor=request.user, item=item, **data)
        return Response(s.ExpenditureItemSerializer(item).data)

    def perform_content_negotiation(self, request, force=False):
        # The download's client asks for the file's type; errors still come back as JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "item_document")

    @extend_schema(
        summary="Download an item's supporting document",
        parameters=[ITEM_ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            404: ERRORS[404],
        },
    )
    @action(detail=True, methods=["get"], url_path=r"items/(?P<item_id>\d+)/document", url_name="item-document")
    def item_document(self, request, pk=None, item_id=None):
        item = self._item(item_id)
        if not item.document:
            raise Http404
        try:
            handle = item.document.open("rb")
        except OSError:
            raise Http404 from None
        extension = item.document_name.rsplit(".", 1)[-1].lower() if "." in item.document_name else ""
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=item.document_name,
            content_type=MIME_TYPES.get(extension, "application/octet-stream"),
        )
        response["X-Content-SHA256"] = item.document_sha256
        response["Cache-Control"] = "private, max-age=0"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    # ----------------------------------------------------------------- indicator values

    @extend_schema(
        summary="Set an indicator value achieved in the claim's period, with its evidence",
        request={
            "application/json": s.IndicatorValueWriteSerializer,
            "multipart/form-data": s.IndicatorValueWriteSerializer,
        },
        responses={200: s.ClaimIndicatorValueSerializer, **RESPONSES},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="indicator-values",
        url_name="indicator-values",
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def indicator_values(self, request, pk=None):
        require_role(request.user, Role.APPLICANT, message=NOT_BENEFICIARY)
        claim = self.get_object()
        data = _valid(s.IndicatorValueWriteSerializer(data=request.data))
        value = services.indicator_value_set(actor=request.user, claim=claim, **data)
        return Response(s.ClaimIndicatorValueSerializer(value).data)

    @extend_schema(
        summary="Remove an indicator value of a draft or returned claim",
        parameters=[VALUE_ID],
        request=None,
        responses={204: None, **RESPONSES},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"indicator-values/(?P<value_id>\d+)",
        url_name="indicator-value",
    )
    def indicator_value(self, request, pk=None, value_id=None):
        require_role(request.user, Role.APPLICANT, message=NOT_BENEFICIARY)
        claim = self.get_object()
        value = get_object_or_404(claim.indicator_values.select_related("claim__project"), pk=value_id)
        services.indicator_value_delete(actor=request.user, value=value)
        return Response(status=status.HTTP_204_NO_CONTENT)
