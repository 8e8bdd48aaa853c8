"""The API docs work without the internet: Swagger UI and ReDoc are served by
Fondas itself (drf-spectacular-sidecar). Every request that leaves the machine is
refused here, and the docs still list the report endpoints."""

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from core.models import Role
from tests.factories import UserFactory

# Also set by tests/browser/conftest.py; repeated so that the module runs on its own.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

PASSWORD = "fondas-test-password"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


@pytest.fixture
def offline(page: Page) -> list[str]:
    """Aborts every request to a host other than this machine; returns the URLs
    of those the page would need (anything but an image, which ReDoc hides when
    its "by Redocly" logo cannot load)."""
    refused: list[str] = []

    def route(route):
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname not in LOCAL_HOSTS:
            if route.request.resource_type != "image":
                refused.append(f"{route.request.resource_type} {url}")
            route.abort()
        else:
            route.continue_()

    page.route("**/*", route)
    return refused


def _log_in(page: Page, live_server) -> None:
    officer = UserFactory(role=Role.OFFICER)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", officer.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")


def _watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "response",
        lambda response: problems.append(f"HTTP {response.status} {response.url}") if response.status >= 400 else None,
    )
    return problems


def test_swagger_ui_lists_the_report_endpoints_offline(page: Page, live_server, transactional_db, offline):
    problems = _watch(page)
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/api/docs/")
    operations = page.locator(".opblock-summary")
    expect(operations.filter(has_text="/api/v1/reports/").first).to_be_visible(timeout=15_000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/reports/{id}/download/")).to_be_visible()
    expect(operations.filter(has_text="Request a report")).to_be_visible()
    assert offline == []
    assert problems == []


def test_redoc_lists_the_report_endpoints_offline(page: Page, live_server, transactional_db, offline):
    problems = _watch(page)
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/api/redoc/")
    expect(page.get_by_role("heading", name="List report jobs")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("heading", name="Download the report's PDF")).to_be_visible()
    assert offline == []
    assert problems == []
