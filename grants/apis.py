"""The selection API under /api/v1/ (issue 8): calls (with envelopes, criteria,
the ranking list and the decision), applications (steps, submission,
withdrawal, attachments, eligibility, evaluator assignment) and evaluator
assignments (conflict of interest, scores). One ViewSet per resource; every
write goes through the same service as the pages (grants.services), every read
through the same selectors, so the object permissions are the same: an object
the user may not see answers 404, a role that may not act answers 403, a
broken rule 400 with the message and the field."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api import ErrorSerializer, Pagination
from core.concurrency import version_check
from core.errors import ApplicationError
from core.models import Role
from core.permissions import Access
from grants import serializers as s
from grants.models import (
    Application,
    ApplicationAttachment,
    ApplicationStatus,
    Call,
    CallStatus,
    EvaluatorAssignment,
    FundingDecision,
)
from grants.selectors.applications import application_list, applications_visible_to
from grants.selectors.ranking import assignments_for, ranking
from grants.services import applications as application_services
from grants.services import selection as selection_services
from grants.services.instruments import call_create, call_transition

NOT_OFFICER = _("Only programme officers may do this.")
NOT_OFFICER_OR_AUDITOR = _("Only programme officers and auditors may see this.")
NOT_APPLICANT = _("Only applicants may do this, for their own organisation.")

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A rule was broken; `fields` names the input."),
    403: OpenApiResponse(ErrorSerializer, description="The user's role may not do this."),
    404: OpenApiResponse(ErrorSerializer, description="No such object visible to the user."),
    409: OpenApiResponse(
        ErrorSerializer, description="The object changed since the `version` given; the other change is kept."
    ),
}
ATTACHMENT_ID = OpenApiParameter("attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH)
ENVELOPE_ID = OpenApiParameter("envelope_id", OpenApiTypes.INT, OpenApiParameter.PATH)
MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def require_role(user, *roles: str, message=NOT_OFFICER) -> None:
    if Access.of(user).role not in roles:
        raise PermissionDenied(str(message))


class ServiceErrorsMixin:
    """A service that lists several problems (ApplicationError with
    details["fields"], e.g. a submission) answers them all, by field."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        fields = exc.details.get("fields") if isinstance(exc, ApplicationError) else None
        if fields and isinstance(response.data, dict) and "error" in response.data:
            response.data["error"]["fields"] = {
                ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
                for name, messages in fields.items()
            }
        return response


def calls_visible_to(user):
    """Officers see every call; everyone else the calls that have been opened."""
    calls = Call.objects.select_related("instrument", "decision__decided_by").prefetch_related("envelopes", "criteria")
    if Access.of(user).role == Role.OFFICER:
        return calls
    return calls.exclude(status=CallStatus.DRAFT)


# --------------------------------------------------------------------------- calls


@extend_schema(tags=["calls"])
@extend_schema_view(
    list=extend_schema(
        summary="List calls",
        description="Calls with their envelopes, criteria and decision. Officers also see draft calls.",
    ),
    retrieve=extend_schema(summary="A call with its envelopes, criteria and decision"),
)
class CallViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CallSerializer
    pagination_class = Pagination
    queryset = Call.objects.none()  # for the schema; get_queryset answers requests

    def get_queryset(self):
        return calls_visible_to(self.request.user).order_by("-opens_at", "pk")

    def _call_for_officer(self) -> Call:
        require_role(self.request.user, Role.OFFICER)
        return self.get_object()

    def _answer(self, call: Call, status_code=status.HTTP_200_OK) -> Response:
        call = calls_visible_to(self.request.user).get(pk=call.pk)
        return Response(s.CallSerializer(call, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(
        summary="Create a call (draft)",
        request=s.CallWriteSerializer,
        responses={201: s.CallSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request):
        require_role(request.user, Role.OFFICER)
        data = self._valid(s.CallWriteSerializer(data=request.data))
        call = call_create(actor=request.user, **data)
        return self._answer(call, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft call's conditions",
        description=(
            "Any of the call's fields, and always `version`, the call's version as read before the edit. A stale "
            "version answers 409 and the other person's change is kept; read the call again and repeat the edit."
        ),
        request=s.CallUpdateSerializer(partial=True),
        responses={
            200: s.CallSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            404: ERRORS[404],
            409: ERRORS[409],
        },
    )
    def partial_update(self, request, pk=None):
        call = self._call_for_officer()
        changes = self._valid(s.CallUpdateSerializer(data=request.data, partial=True))
        call = selection_services.call_update(actor=request.user, call=call, **changes)
        return self._answer(call)

    @staticmethod
    def _valid(serializer) -> dict:
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _transition(self, to_status: str) -> Response:
        call = self._call_for_officer()
        call_transition(actor=self.request.user, call=call, to_status=to_status)
        return self._answer(call)

    @extend_schema(
        summary="Open a draft call",
        request=None,
        responses={200: s.CallSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._transition(CallStatus.OPEN)

    @extend_schema(
        summary="Close an open call",
        request=None,
        responses={200: s.CallSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(CallStatus.CLOSED)

    @extend_schema(
        summary="Add an envelope to a draft call",
        request=s.EnvelopeWriteSerializer,
        responses={201: s.EnvelopeSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def envelopes(self, request, pk=None):
        call = self._call_for_officer()
        data = self._valid(s.EnvelopeWriteSerializer(data=request.data))
        envelope = selection_services.envelope_create(actor=request.user, call=call, **data)
        return Response(s.EnvelopeSerializer(envelope).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an envelope of a draft call",
        parameters=[ENVELOPE_ID],
        request=s.EnvelopeWriteSerializer(partial=True),
        responses={200: s.EnvelopeSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["patch"], url_path=r"envelopes/(?P<envelope_id>\d+)", url_name="envelope")
    def envelope(self, request, pk=None, envelope_id=None):
        call = self._call_for_officer()
        envelope = get_object_or_404(call.envelopes.all(), pk=envelope_id)
        changes = self._valid(s.EnvelopeWriteSerializer(data=request.data, partial=True))
        current = {name: getattr(envelope, name) for name in s.EnvelopeWriteSerializer().fields}
        envelope = selection_services.envelope_update(actor=request.user, envelope=envelope, **{**current, **changes})
        return Response(s.EnvelopeSerializer(envelope).data)

    @extend_schema(
        summary="Set a draft call's evaluation criteria (the whole list)",
        request=s.CriteriaSetSerializer,
        responses={200: s.CallSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["put"])
    def criteria(self, request, pk=None):
        call = self._call_for_officer()
        data = self._valid(s.CriteriaSetSerializer(data=request.data))
        criteria = [dict(item) for item in data["criteria"]]
        selection_services.criteria_set(actor=request.user, call=call, criteria=criteria)
        return self._answer(call)

    @extend_schema(
        summary="The ranking list of a call, per budget pool",
        description=(
            "Evaluated applications by score (descending), then earlier submission, then number; per envelope "
            "with a budget of its own, and one list for the call's shared budget. Officers and auditors."
        ),
        responses={200: s.RankingSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def ranking(self, request, pk=None):
        require_role(request.user, Role.OFFICER, Role.AUDITOR, message=NOT_OFFICER_OR_AUDITOR)
        call = self.get_object()
        return Response(s.RankingSerializer(ranking_data(call)).data)

    @extend_schema(
        summary="Take the funding decision on a call",
        description=(
            "Approves from the top of each list while the budget lasts, puts the rest above the quality threshold "
            "in reserve, rejects those below it; creates the approved projects. Once per call, and only when "
            "every eligible application is evaluated."
        ),
        request=s.DecisionRequestSerializer,
        responses={201: s.DecisionSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        call = self._call_for_officer()
        data = self._valid(s.DecisionRequestSerializer(data=request.data))
        decision = selection_services.call_decide(actor=request.user, call=call, reasons=data["reasons"])
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


def ranking_data(call: Call) -> dict:
    """The ranking selector's pools in the API's shape."""
    pools = [
        {
            "envelope": pool.envelope.pk if pool.envelope else None,
            "envelope_code": pool.envelope.code if pool.envelope else None,
            "envelope_codes": [envelope.code for envelope in pool.envelopes],
            "budget_amount": pool.budget,
            "pending": pool.pending,
            "rows": pool.rows,
        }
        for pool in ranking(call)
    ]
    decided = FundingDecision.objects.filter(call=call).exists()
    return {"call": call.pk, "quality_threshold": call.quality_threshold, "decided": decided, "pools": pools}


# --------------------------------------------------------------------------- applications

CALL_FILTER = OpenApiParameter("call", OpenApiTypes.INT, OpenApiParameter.QUERY, description="A call's id.")
STATUS_FILTER = OpenApiParameter(
    "status", str, OpenApiParameter.QUERY, enum=ApplicationStatus.values, description="An application status."
)


@extend_schema(tags=["applications"])
@extend_schema_view(
    list=extend_schema(
        summary="List applications",
        description=(
            "An applicant: its organisation's; an officer or auditor: all; an evaluator: those assigned to them "
            "after declaring no conflict of interest."
        ),
        parameters=[CALL_FILTER, STATUS_FILTER],
        responses={200: s.ApplicationSerializer(many=True)},
    ),
    retrieve=extend_schema(summary="An application with every step", responses={200: s.ApplicationDetailSerializer}),
)
class ApplicationViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = Pagination
    filter_backends: list = []
    queryset = Application.objects.none()  # for the schema; get_queryset answers requests

    def get_serializer_class(self):
        return s.ApplicationSerializer if self.action == "list" else s.ApplicationDetailSerializer

    def get_queryset(self):
        if self.action == "list":
            return self._list_queryset()
        return (
            applications_visible_to(self.request.user)
            .select_related("call", "envelope", "applicant")
            .prefetch_related("partners", "budget_lines__cost_category", "indicator_targets__indicator", "attachments")
        )

    def _list_queryset(self):
        params = self.request.query_params
        call = None
        if params.get("call"):
            try:
                call = Call.objects.filter(pk=int(params["call"])).first()
            except ValueError:
                call = None
            if call is None:
                return Application.objects.none()
        status_value = params.get("status") or None
        if status_value is not None and status_value not in ApplicationStatus.values:
            return Application.objects.none()
        applications = application_list(self.request.user, call=call, status=status_value)
        return applications.select_related("call", "envelope", "applicant").order_by("-pk")

    def _detail(self, application: Application, status_code=status.HTTP_200_OK) -> Response:
        application = self.get_queryset().get(pk=application.pk)
        return Response(
            s.ApplicationDetailSerializer(application, context=self.get_serializer_context()).data, status_code
        )

    @staticmethod
    def _valid(serializer) -> dict:
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        summary="Start a draft application for the user's organisation",
        request=s.ApplicationCreateSerializer,
        responses={201: s.ApplicationDetailSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request):
        require_role(request.user, Role.APPLICANT, message=NOT_APPLICANT)
        data = self._valid(s.ApplicationCreateSerializer(data=request.data))
        if data["call"].status == CallStatus.DRAFT:
            raise Http404
        application = application_services.application_create(
            actor=request.user, call=data["call"], envelope=data.get("envelope")
        )
        return self._detail(application, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Save steps of a draft application",
        description=(
            "Any of the steps, each checked by its service, all or nothing: project (title, summary, start_date, "
            "end_date, envelope), partners, budget_lines (the whole budget; the financing is recomputed), "
            "indicator_targets (every target), declarations (de_minimis_received, declares_no_double_funding, "
            "declares_data_accurate). Always `version`, the application's version as read before the edit: a "
            "stale one answers 409 and the other person's change is kept."
        ),
        request=s.ApplicationUpdateSerializer,
        responses={
            200: s.ApplicationDetailSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            404: ERRORS[404],
            409: ERRORS[409],
        },
    )
    def partial_update(self, request, pk=None):
        application = self.get_object()
        data = self._valid(s.ApplicationUpdateSerializer(data=request.data))
        actor = request.user
        # Each step checks the version it is given and bumps it; the next step
        # of the same request continues from the version the last one saved.
        version = data.pop("version")
        if not data:
            # Nothing to change: a stale version is still refused, so that the
            # client learns it is behind.
            version_check(application, version)
        with transaction.atomic():
            if {"title", "summary", "start_date", "end_date", "envelope"} & data.keys():
                fields = {name: data.get(name, getattr(application, name)) for name in ("title", "summary")}
                fields.update({name: data.get(name, getattr(application, name)) for name in ("start_date", "end_date")})
                envelope = data.get("envelope", application.envelope)
                version = application_services.application_project_update(
                    actor=actor, application=application, envelope=envelope, version=version, **fields
                ).version
            if "partners" in data:
                version = application_services.application_partners_set(
                    actor=actor, application=application, partners=list(data["partners"]), version=version
                ).version
            if "budget_lines" in data:
                lines = {line["cost_category"]: line["amount"] for line in data["budget_lines"]}
                version = application_services.application_budget_set(
                    actor=actor, application=application, lines=lines, version=version
                ).version
            if "indicator_targets" in data:
                targets = {target["indicator"]: target["target_value"] for target in data["indicator_targets"]}
                version = application_services.application_indicators_set(
                    actor=actor, application=application, targets=targets, version=version
                ).version
            declarations = ("de_minimis_received", "declares_no_double_funding", "declares_data_accurate")
            if set(declarations) & data.keys():
                application.refresh_from_db()
                application_services.application_declarations_set(
                    actor=actor,
                    application=application,
                    de_minimis_received=data.get("de_minimis_received", application.de_minimis_received),
                    no_double_funding=data.get("declares_no_double_funding", application.declares_no_double_funding),
                    data_accurate=data.get("declares_data_accurate", application.declares_data_accurate),
                    version=version,
                )
        return self._detail(application)

    @extend_schema(
        summary="Submit a draft application",
        description="Checks every step and the call's deadline; gives the application its number and moment.",
        request=None,
        responses={200: s.ApplicationDetailSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = application_services.application_submit(actor=request.user, application=self.get_object())
        return self._detail(application)

    @extend_schema(
        summary="Withdraw an application (before the decision)",
        request=None,
        responses={200: s.ApplicationDetailSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = self.get_object()
        application_services.application_withdraw(actor=request.user, application=application)
        return self._detail(application)

    @extend_schema(
        methods=["GET"],
        summary="The application's attachments",
        responses={200: s.AttachmentSerializer(many=True), 404: ERRORS[404]},
    )
    @extend_schema(
        methods=["POST"],
        summary="Attach a file to a draft application (multipart/form-data, field `file`)",
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
    )
    def attachments(self, request, pk=None):
        application = self.get_object()
        if request.method == "GET":
            return Response(s.AttachmentSerializer(application.attachments.all(), many=True).data)
        data = self._valid(s.AttachmentUploadSerializer(data=request.data))
        attachment = application_services.application_attachment_add(
            actor=request.user, application=application, upload=data["file"]
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    def _attachment(self, attachment_id) -> ApplicationAttachment:
        application = self.get_object()
        return get_object_or_404(ApplicationAttachment.objects.filter(application=application), pk=attachment_id)

    def perform_content_negotiation(self, request, force=False):
        # The download's client asks for the file's type; errors still come back as JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "attachment")

    @extend_schema(
        methods=["GET"],
        summary="Download an attachment",
        parameters=[ATTACHMENT_ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file."),
            404: ERRORS[404],
        },
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Remove an attachment of a draft application",
        parameters=[ATTACHMENT_ID],
        responses={204: None, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"attachments/(?P<attachment_id>\d+)",
        url_name="attachment-download",
    )
    def attachment(self, request, pk=None, attachment_id=None):
        attachment = self._attachment(attachment_id)
        if request.method == "DELETE":
            application_services.application_attachment_delete(actor=request.user, attachment=attachment)
            return Response(status=status.HTTP_204_NO_CONTENT)
        try:
            handle = attachment.file.open("rb")
        except OSError:
            raise Http404 from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type=MIME_TYPES.get(attachment.kind, "application/octet-stream"),
        )
        response["X-Content-SHA256"] = attachment.sha256
        response["Cache-Control"] = "private, max-age=0"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        summary="Start the eligibility check of a submitted application",
        request=None,
        responses={200: s.ApplicationDetailSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"], url_path="eligibility/start", url_name="eligibility-start")
    def eligibility_start(self, request, pk=None):
        require_role(request.user, Role.OFFICER)
        application = self.get_object()
        selection_services.eligibility_start(actor=request.user, application=application)
        return self._detail(application)

    @extend_schema(
        summary="Decide the eligibility of an application",
        description="Eligible: the application goes to evaluation. Ineligible needs a reason.",
        request=s.EligibilityDecisionSerializer,
        responses={200: s.ApplicationDetailSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"], url_path="eligibility/decision", url_name="eligibility-decision")
    def eligibility_decide(self, request, pk=None):
        require_role(request.user, Role.OFFICER)
        application = self.get_object()
        data = self._valid(s.EligibilityDecisionSerializer(data=request.data))
        selection_services.eligibility_decide(actor=request.user, application=application, **data)
        return self._detail(application)

    @extend_schema(
        summary="Assign an evaluator to an application under evaluation",
        request=s.AssignmentCreateSerializer,
        responses={201: s.AssignmentSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def assignments(self, request, pk=None):
        require_role(request.user, Role.OFFICER)
        application = self.get_object()
        data = self._valid(s.AssignmentCreateSerializer(data=request.data))
        assignment = selection_services.evaluator_assign(
            actor=request.user, application=application, evaluator=data["evaluator"]
        )
        assignment = EvaluatorAssignment.objects.select_related("evaluator", "application").get(pk=assignment.pk)
        return Response(s.AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- assignments


def assignments_visible_to(user):
    role = Access.of(user).role
    assignments = EvaluatorAssignment.objects.select_related("evaluator", "application")
    if role in (Role.OFFICER, Role.AUDITOR):
        return assignments
    if role == Role.EVALUATOR:
        return assignments.filter(pk__in=assignments_for(user).values("pk"))
    return assignments.none()


@extend_schema(tags=["evaluations"])
@extend_schema_view(
    list=extend_schema(summary="Evaluator assignments", description="An evaluator: their own; officers: all."),
    retrieve=extend_schema(summary="An evaluator assignment"),
)
class AssignmentViewSet(ServiceErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AssignmentSerializer
    pagination_class = Pagination
    filter_backends: list = []
    queryset = EvaluatorAssignment.objects.none()  # for the schema; get_queryset answers requests

    def get_queryset(self):
        return assignments_visible_to(self.request.user).order_by("-assigned_at", "-pk")

    def _own(self) -> EvaluatorAssignment:
        assignment = self.get_object()
        if assignment.evaluator_id != self.request.user.pk:
            raise PermissionDenied(str(_("Only the assigned evaluator may do this.")))
        return assignment

    def _answer(self, assignment: EvaluatorAssignment) -> Response:
        return Response(s.AssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data)

    @extend_schema(
        summary="Declare whether the evaluator has a conflict of interest",
        description="Before seeing the application. A conflict removes the evaluator from it.",
        request=s.ConflictDeclarationSerializer,
        responses={200: s.AssignmentSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def conflict(self, request, pk=None):
        assignment = self._own()
        serializer = s.ConflictDeclarationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        selection_services.conflict_declare(
            actor=request.user, assignment=assignment, has_conflict=serializer.validated_data["has_conflict"]
        )
        return self._answer(assignment)

    @extend_schema(
        summary="Submit the scores of every criterion, with comments",
        request=s.ScoresSubmitSerializer,
        responses={200: s.AssignmentSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    )
    @action(detail=True, methods=["post"])
    def scores(self, request, pk=None):
        assignment = self._own()
        serializer = s.ScoresSubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        scores = {item["criterion"]: (item["score"], item["comment"]) for item in serializer.validated_data["scores"]}
        selection_services.scores_submit(actor=request.user, assignment=assignment, scores=scores)
        return self._answer(assignment)
