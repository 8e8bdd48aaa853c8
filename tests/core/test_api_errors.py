"""Every answer under /api/ is JSON in the one error shape, whatever refused the
request: URL resolution, Django's request limits, the JSON parser, pagination,
DRF's negotiation and method checks, or an unexpected error. Each probe that once
answered HTML or 500 is reproduced here."""

import json
import uuid

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import RequestFactory
from django.utils import translation
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.serializers import ModelSerializer
from rest_framework.test import APIClient, APIRequestFactory

from core import views
from core.api import Pagination
from core.models import User
from tests.factories import UserFactory

REPORTS = "/api/v1/reports/"


@pytest.fixture
def api(officer):
    # In English: some tests below read the messages' English wording.
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(officer)
    return client


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.parametrize("path", [f"{REPORTS}a.b/", f"{REPORTS}../", "/api/v1/no-such-thing/", "/api/"])
def test_an_unknown_api_url_is_a_json_404(api, path):
    error = _error(api.get(path), 404)
    assert error["code"] == "not_found"


@pytest.mark.parametrize("path", [f"{REPORTS}a.b/", "/api/v1/no-such-thing/"])
def test_with_debug_on_an_unknown_api_url_is_still_a_json_404(api, settings, path):
    settings.DEBUG = True
    assert _error(api.get(path), 404)["code"] == "not_found"


def test_an_api_url_without_its_trailing_slash_says_so(api):
    error = _error(api.get(REPORTS.rstrip("/")), 404)
    assert REPORTS in error["message"]
    assert _error(api.get("/api/v1/nothing"), 404)["message"] == "Not found."


def test_pages_outside_the_api_keep_html_errors(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_body_of_ten_megabytes_is_a_json_413(api):
    body = json.dumps({"kind": "programme", "params": {"note": "x" * (10 * 1024 * 1024)}})
    error = _error(api.post(REPORTS, body, content_type="application/json"), 413)
    assert error["code"] == "request_too_large"


def test_django_refusing_a_large_body_answers_json_under_the_api_and_html_elsewhere():
    factory = RequestFactory()
    api_answer = views.bad_request(factory.post(REPORTS), RequestDataTooBig("too big"))
    assert _error(api_answer, 413)["code"] == "request_too_large"
    page_answer = views.bad_request(factory.post("/reports/new/"), RequestDataTooBig("too big"))
    assert page_answer.status_code == 400
    assert not page_answer["Content-Type"].startswith("application/json")


def test_an_unexpected_error_under_the_api_is_a_json_500():
    error = _error(views.server_error(RequestFactory().get(REPORTS)), 500)
    assert error["code"] == "server_error"


def test_a_view_that_crashes_answers_the_json_500(api, monkeypatch):
    from reports.apis import ReportJobViewSet

    def crash(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(ReportJobViewSet, "get_queryset", crash)
    api.raise_request_exception = False
    error = _error(api.get(REPORTS), 500)
    assert error["code"] == "server_error"
    assert "boom" not in error["message"]


def test_json_nested_a_thousand_levels_deep_is_a_400(api):
    for depth in (1_000, 100_000):
        body = '{"kind": "programme", "params": ' + "[" * depth + "]" * depth + "}"
        error = _error(api.post(REPORTS, body, content_type="application/json"), 400)
        assert error["code"] == "parse_error"
        assert "nested" in error["message"]


@pytest.mark.parametrize(
    "raw,field",
    [
        ('{"kind": "audit_trail", "params": {"object_id": "a\\u0000b"}}', "params.object_id"),
        ('{"kind": "audit_trail", "params": {"object_id": "\\ud800"}}', "params.object_id"),
        ('{"kind": "audit_trail", "params": {"ids": ["ok", "\\udfff"]}}', "params.ids[1]"),
        ('{"kind": "audit_trail\\u0000"}', "kind"),
    ],
)
def test_text_postgresql_cannot_store_is_a_400_naming_the_field(api, raw, field):
    error = _error(api.post(REPORTS, raw, content_type="application/json"), 400)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_a_key_with_a_lone_surrogate_is_named_in_valid_utf8(api):
    raw = '{"kind": "programme", "params": {"\\ud800": 1}}'
    response = api.post(REPORTS, raw, content_type="application/json")
    error = _error(response, 400)
    assert list(error["fields"]) == ["params.\\ud800"]


def test_method_media_type_and_accept_errors_are_in_the_shape(api):
    assert _error(api.delete(REPORTS), 405)["code"] == "method_not_allowed"
    assert _error(api.post(REPORTS, "kind=x", content_type="text/plain"), 415)["code"] == "unsupported_media_type"
    assert _error(api.get(REPORTS, HTTP_ACCEPT="application/xml"), 406)["code"] == "not_acceptable"


def test_an_anonymous_client_gets_the_shape(db):
    error = _error(APIClient().get(REPORTS), 403)
    assert error["code"] == "not_authenticated"


@pytest.mark.parametrize("page", ["0", "-1", "2", "abc"])
def test_a_page_that_does_not_exist_is_a_400_naming_page(api, page):
    error = _error(api.get(REPORTS, {"page": page}), 400)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["page"]
    assert "from 1 to 1" in error["fields"]["page"][0]


class _UserSerializer(ModelSerializer):
    class Meta:
        model = User
        fields = ["username"]


class _Users(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = _UserSerializer
    pagination_class = Pagination
    queryset = User.objects.order_by("username")


def test_the_core_pagination_serves_pages_and_refuses_impossible_ones(db):
    UserFactory.create_batch(3)
    view = _Users.as_view()
    factory = APIRequestFactory()
    second = view(factory.get("/api/users/", {"page": 2, "page_size": 2}))
    assert second.status_code == 200
    assert second.data["count"] == 3
    assert len(second.data["results"]) == 1
    with translation.override("en"):  # no middleware here to pick the language
        past = view(factory.get("/api/users/", {"page": 3, "page_size": 2}))
        past.render()
    assert _error(past, 400)["fields"]["page"] == ["Page 3 does not exist; choose a whole number from 1 to 2."]


def test_the_schema_documents_the_error_shape_on_every_operation(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    error_ref = {"$ref": "#/components/schemas/Error"}
    operations = {
        (method.upper(), path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert operations
    for (method, path), operation in operations.items():
        responses = operation["responses"]
        for code in ("403", "406", "429", "500"):
            assert responses[code]["content"]["application/json"]["schema"] == error_ref, (method, path, code)
        if "{" in path:
            assert "404" in responses, (method, path)
        if method == "POST":
            assert {"400", "413", "415"} <= set(responses), (method, path)
    assert "400" in operations[("GET", REPORTS)]["responses"]
    assert "Error" in schema["components"]["schemas"]


@pytest.mark.parametrize("action,accept", [("", "text/html"), ("download/", "application/pdf")])
def test_errors_are_json_whatever_the_client_accepts(api, action, accept):
    response = api.get(f"{REPORTS}{uuid.uuid4()}/{action}", HTTP_ACCEPT=accept)
    assert _error(response, 404)["code"] == "not_found"
