"""The API schema class: drf-spectacular's, with the one error shape documented
for every code an operation can answer. Apart from core.api because DRF loads the
pagination class while drf-spectacular imports DRF's generic views."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse

from core.api import ErrorSerializer


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


# Documented on every operation that does not document the code itself.
ERRORS_EVERYWHERE = {
    "403": _error("Not logged in, or the user's role may not do this."),
    "406": _error("The Accept header asks for a type this operation does not produce."),
    "429": _error("Too many requests; retry after the seconds in the Retry-After header."),
    "500": _error("An unexpected error on the server."),
}
ERRORS_WITH_BODY = {
    "400": _error("Invalid input; `fields` names each field (a path such as `params.object_id` for nested input)."),
    "413": _error("The request body is larger than the server accepts."),
    "415": _error("The request body's Content-Type is not accepted (send application/json)."),
}
ERRORS_ON_LISTS = {"400": _error("Invalid filter or page; `fields` names the query parameter.")}
ERRORS_ON_OBJECTS = {"404": _error("No such object visible to the user.")}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, with the error shape documented for each code
    an operation can answer, unless the view documents that code itself."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        extra = dict(ERRORS_EVERYWHERE)
        if self.method in ("POST", "PUT", "PATCH"):
            extra.update(ERRORS_WITH_BODY)
        if self._is_list_view() and self.method == "GET":
            extra.update(ERRORS_ON_LISTS)
        if "{" in self.path:
            extra.update(ERRORS_ON_OBJECTS)
        for code, response in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return dict(sorted(responses.items()))
