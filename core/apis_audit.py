"""The audit trail in the API: GET /api/v1/audit-events/ with the filters of
the audit-trail browser (/audit/, one FilterSet: core.filters.AuditEventFilter),
newest first, paginated by core.api.Pagination. Officers and auditors only;
for anyone else the list does not exist (404)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, viewsets

from core.api import ErrorSerializer, Pagination
from core.filters import AuditEventFilter
from core.models import AuditEvent, AuditEventType
from core.permissions import Access
from core.selectors import audit_event_label, audit_event_list, event_actor


class AuditEventSerializer(serializers.Serializer):
    """One event read as a core.selectors.ROW_FIELDS row."""

    id = serializers.IntegerField(source="pk", read_only=True)
    occurred_at = serializers.DateTimeField(read_only=True)
    actor = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The acting user's id; null: the system."
    )
    actor_name = serializers.SerializerMethodField(help_text="'First Last (username)', or 'System'.")
    event_type = serializers.ChoiceField(choices=AuditEventType.choices, read_only=True)
    event_label = serializers.SerializerMethodField(help_text="The event type in the request's language.")
    object_type = serializers.CharField(read_only=True, help_text="app_label.model, e.g. grants.paymentclaim.")
    object_id = serializers.CharField(read_only=True)
    object_repr = serializers.CharField(read_only=True, help_text="The object as it was named when the event happened.")
    old_values = serializers.JSONField(read_only=True, help_text="The values before the change, keys as recorded.")
    new_values = serializers.JSONField(read_only=True, help_text="The values after the change, keys as recorded.")

    def get_actor_name(self, event) -> str:
        return event_actor(event)

    def get_event_label(self, event) -> str:
        return audit_event_label(event["event_type"])


@extend_schema(tags=["audit"])
@extend_schema_view(
    list=extend_schema(
        summary="List audit-trail events (officers and auditors)",
        description=(
            "Every recorded change of state, newest first. Filter by `object_type` (e.g. grants.project) and "
            "`object_id`, `actor` (a user id, or `system` for events without a person), `event_type`, and "
            "`date_from`/`date_to` (YYYY-MM-DD, whole days in Europe/Vilnius). Others get 404."
        ),
        responses={
            200: AuditEventSerializer(many=True),
            404: OpenApiResponse(ErrorSerializer, description="The user's role does not read the audit trail."),
        },
    ),
)
class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    pagination_class = Pagination
    queryset = AuditEvent.objects.none()  # for the schema; get_queryset answers requests

    def get_queryset(self):
        if not Access.of(self.request.user).reads_audit_trail:
            raise exceptions.NotFound(_("No such page."))
        return audit_event_list()
