"""One error shape for every error of the API:
{"error": {"code": ..., "message": ..., "fields": {...}}}; the exception handler
that produces it, its serializer for the schema (core.schema documents it on every
operation), and the pagination that every list uses (an impossible page is a 400
in the same shape)."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import InvalidPage
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.concurrency import StaleEditError
from core.errors import ApplicationError

API_PREFIX = "/api/"


def is_api_request(request) -> bool:
    """Whether `request` is for the API, whose every answer is JSON."""
    return request.path_info.startswith(API_PREFIX)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def error_response(status_code: int, code: str, message: str, fields: dict | None = None) -> JsonResponse:
    """The error shape as a plain Django response, for answers given outside DRF
    (URL resolution, Django's own 400/404/500, middleware)."""
    return JsonResponse(error_body(code, message, fields), status=status_code)


def exception_handler(exc, context):
    request = context.get("request")
    if request is not None:
        # An error is JSON whatever the client asked for (the schema's YAML, a PDF
        # download, the browsable API), so that every client can read it.
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    # Messages are put into words here, in the language of the request
    # (core.middleware.LanguageMiddleware; the API follows Accept-Language).
    if isinstance(exc, StaleEditError):
        # Optimistic locking (core.concurrency): the row changed meanwhile.
        message = str(exc.message)
        return Response(error_body("conflict", message, {"version": [message]}), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ApplicationError):
        message = str(exc.message)
        fields = {exc.field: [message]} if exc.field else {}
        return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {}
        message = "; ".join(exc.messages)
        return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an API exception: Django answers 500 through core.views.server_error,
        # in the same shape.
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = error_body("invalid", _("The request has invalid fields."), fields)
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else str(data)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", None) or "error"
        response.data = error_body(str(code), str(detail))
    return response


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable identifier, e.g. `invalid`, `not_found`, `throttled`.")
    message = serializers.CharField(help_text="For a person to read.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For `invalid`: the messages of each input field, by field name or path.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (core.api.exception_handler)."""

    error = ErrorDetailSerializer()


class Pagination(PageNumberPagination):
    """The API's page-number pagination. A page that does not exist (`page=0`,
    past the last, not a number) is a 400 naming `page`, not a bare 404."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        self.request = request
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage:
            message = _("Page %(page)s does not exist; choose a whole number from 1 to %(last)s.") % {
                "page": page_number,
                "last": paginator.num_pages,
            }
            raise exceptions.ValidationError({self.page_query_param: [message]}) from None
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return list(self.page)
