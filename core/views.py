"""Django's error handlers (config/urls.py handler400/403/404/500): under /api/
the answer is JSON in the API's error shape, elsewhere the 400/403/404/500.html
page (Django's minimal page while a template is missing)."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from core.api import error_response, is_api_request
from core.i18n import supported_language
from core.middleware import LANGUAGE_SESSION_KEY
from core.services import user_language_set


def bad_request(request, exception):
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return error_response(413, "request_too_large", _("The request body is larger than the API accepts."))
    return error_response(400, "bad_request", _("The request could not be read."))


def permission_denied(request, exception):
    if not is_api_request(request):
        return defaults.permission_denied(request, exception)
    return error_response(403, "permission_denied", _("You do not have permission to perform this action."))


def page_not_found(request, exception):
    if not is_api_request(request):
        return defaults.page_not_found(request, exception)
    return error_response(404, "not_found", _("Not found."))


def server_error(request):
    if not is_api_request(request):
        return defaults.server_error(request)
    return error_response(500, "server_error", _("A server error occurred."))


def api_not_found(request, *args, **kwargs):
    """The last URL under /api/: whatever no API route matched is a JSON 404,
    also with DEBUG on (when Django shows its own 404 page instead of handler404).
    A URL that only lacks its trailing slash says so."""
    with_slash = request.path_info + "/"
    if not request.path_info.endswith("/"):
        try:
            if resolve(with_slash).func is not api_not_found:
                return error_response(
                    404,
                    "not_found",
                    _("Not found. Did you mean %(url)s (with a slash at the end)?") % {"url": with_slash},
                )
        except Resolver404:
            pass
    return error_response(404, "not_found", _("Not found."))


@require_POST
def language_set(request):
    """The language switcher's target: Django's `set_language` (cookie and
    redirect back), and the choice kept in the session and, for a signed-in
    user, in their profile."""
    response = set_language(request)
    language = supported_language(request.POST.get("language"))
    if language:
        request.session[LANGUAGE_SESSION_KEY] = language
        user = request.user
        if user.is_authenticated and user.language != language:
            user_language_set(actor=user, user=user, language=language)
    return response
