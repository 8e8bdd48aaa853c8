"""Fondas URLs: HTML pages, the admin, the REST API, its schema and its docs
(Swagger UI and ReDoc served from this machine), and the error handlers."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.auth_forms import FondasAuthenticationForm
from core.views import api_not_found, language_set

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=FondasAuthenticationForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # django-allauth: sign-up, e-mail confirmation, password reset. Its own login and
    # logout URLs are the same paths as the two above, which answer first.
    path("accounts/", include("allauth.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("i18n/setlang/", language_set, name="set_language"),
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("reports.api_urls")),
    path("api/v1/", include("grants.api_urls")),
    path("api/v1/", include("grants.api_urls_claims")),
    path("api/v1/", include("grants.api_urls_amendments")),
    path("api/v1/", include("grants.api_urls_workspace")),
    path("api/v1/", include("core.api_urls_audit")),
    path("api/v1/", include("clusters.api_urls_registry")),
    path("api/v1/", include("clusters.api_urls_scorecard")),
    re_path(r"^api/", api_not_found),  # after every API route
    path("organisation/", include("clusters.urls")),
    path("clusters/scorecard/", include("clusters.urls_scorecard")),
    path("clusters/", include("clusters.urls_registry")),
    path("claims/", include("grants.urls_claims")),
    path("manage/claims/", include("grants.urls_verification")),
    path("manage/projects/", include("grants.urls_workspace")),
    path("amendments/", include("grants.urls_amendments")),
    path("audit/", include("core.urls_audit")),
    path("", include("grants.urls_applicant")),
    path("manage/", include("grants.urls_officer")),
    path("", include("grants.urls")),
]

# JSON in the API's error shape under /api/, the HTML error pages elsewhere.
handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
