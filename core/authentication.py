"""API token authentication that also applies the user's saved language.

LanguageMiddleware runs before DRF authenticates a token, so for token clients
it sees an anonymous user; once the token names the user, their saved language
applies when the request did not ask for one with Accept-Language (the same
rule as for session clients: core.middleware.request_language)."""

from django.utils import translation
from rest_framework.authentication import TokenAuthentication

from core.i18n import supported_language


class LanguageTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and not request.META.get("HTTP_ACCEPT_LANGUAGE"):
            saved = supported_language(getattr(result[0], "language", ""))
            if saved:
                translation.activate(saved)
                request._request.LANGUAGE_CODE = saved
        return result
