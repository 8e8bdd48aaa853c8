"""Request-level work that runs before any view: the API's answer to a body too
large to read, the language of the request, and the client address used by the
login lock-out."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
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


LANGUAGE_SESSION_KEY = "fondas_language"


def request_language(request) -> str:
    """The language a request is answered in (docs/architecture.md, "Languages"):

    - API requests: the Accept-Language header, else the user's saved language;
    - pages: the choice made in this session (the switcher), else the user's
      saved language, else the language cookie the switcher sets;
    - then Lithuanian for applicants and anonymous visitors, and for staff the
      browser's Accept-Language (falling back to Lithuanian).
    """
    from core.i18n import LITHUANIAN, supported_language
    from core.permissions import Access

    user = getattr(request, "user", None)
    saved = supported_language(getattr(user, "language", "")) if user is not None and user.is_authenticated else None
    if is_api_request(request):
        header = request.META.get("HTTP_ACCEPT_LANGUAGE")
        from_header = supported_language(translation.get_language_from_request(request)) if header else None
        return from_header or saved or LITHUANIAN
    session = getattr(request, "session", None)
    chosen = supported_language(session.get(LANGUAGE_SESSION_KEY)) if session is not None else None
    cookie = supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    if chosen or saved or cookie:
        return chosen or saved or cookie
    if user is not None and user.is_authenticated and not Access.of(user).acts_for_organisation:
        return supported_language(translation.get_language_from_request(request)) or LITHUANIAN
    return LITHUANIAN


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (Content-Language, Vary) with Fondas's rule
    for choosing the language (`request_language`)."""

    def process_request(self, request):
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


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
