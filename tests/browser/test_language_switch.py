"""The language switcher in a real browser: an officer whose browser asks for
English switches to Lithuanian, the page changes, and the choice stays after a
reload and after logging in again (it is kept in the profile)."""

import os

import pytest
from playwright.sync_api import Page, expect

from core.models import Role, User
from grants import demo
from tests.artifacts import SCREENSHOTS
from tests.factories import UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

PASSWORD = "fondas-test-password"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-GB"}


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()


@pytest.mark.django_db(transaction=True)
def test_switching_the_language_changes_the_page_and_is_remembered(page: Page, live_server):
    demo.seed_demo()  # the home page shows the programme's figures
    officer = UserFactory(role=Role.OFFICER, username="ruta", password=PASSWORD)
    log_in(page, live_server.url, "ruta")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Home")).to_be_visible()

    page.get_by_role("button", name="Lietuviškai").click()
    expect(page.locator("html")).to_have_attribute("lang", "lt")
    expect(page.get_by_role("link", name="Pradžia")).to_be_visible()
    expect(page.get_by_role("button", name="Atsijungti")).to_be_visible()
    expect(page.get_by_text("8 480 000,00 €").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "fondas-officer-home-lt.png"), full_page=True)
    officer.refresh_from_db()
    assert officer.language == "lt"

    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "lt")

    page.get_by_role("button", name="Atsijungti").click()
    page.context.clear_cookies()
    log_in(page, live_server.url, "ruta")
    expect(page.locator("html")).to_have_attribute("lang", "lt")

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Home")).to_be_visible()
    expect(page.get_by_text("€8,480,000.00").first).to_be_visible()
    assert User.objects.get(pk=officer.pk).language == "en"
