"""Request-level guards that run before any view: the API's answer to a body too
large to read, and the client address used by the login lock-out."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.api import error_response, is_api_request


class ApiBodySizeMiddleware:
    """An API request whose declared body is larger than Django will read
    (DATA_UPLOAD_MAX_MEMORY_SIZE) is answered 413 in the API's error shape before
    anything reads it. Pages outside the API keep Django's own handling."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and is_api_request(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                return error_response(
                    413,
                    "request_too_large",
                    _("The request body is %(size)d bytes; the API accepts at most %(limit)d.")
                    % {"size": length, "limit": limit},
                )
        return self.get_response(request)


def client_ip(request) -> str | None:
    """The client's address: the connection's, or, behind FONDAS_TRUSTED_PROXIES
    reverse proxies, the one the outermost trusted proxy saw (counted from the
    right of X-Forwarded-For, so a client cannot forge it by sending the header)."""
    proxies = settings.FONDAS_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR")
