"""An officer clicks through Fondas in Chromium: home → instrument → project,
then the same pages at 320 px wide, where nothing may scroll sideways (WCAG
1.4.10 Reflow); the skip link is the first thing the keyboard reaches.

Screenshots are written to /tmp/fondas-pages-*.png."""

import os
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from core.models import Role
from grants.models import ProjectStatus
from grants.services import payment_create, project_transition
from tests.factories import IndicatorFactory, OrganisationFactory, UserFactory, make_call, make_instrument, make_project

# Also set by tests/browser/conftest.py; repeated so that the module runs on its own.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

PASSWORD = "fondas-test-password"
from tests.artifacts import SCREENSHOTS  # noqa: E402


@pytest.fixture
def portfolio(transactional_db):
    indicator = IndicatorFactory(name="Digital innovation hubs supported", unit="hubs")
    hubs = make_instrument(code="DIH", allocation="17600000.00", indicators={indicator: "12"})
    make_instrument(code="BCL", allocation="5000000.00")
    call = make_call(hubs, code="DIH-2020-1", budget="3000000.00")
    beneficiary = OrganisationFactory(name="VšĮ Skaitmeninių inovacijų centras su labai ilgu pavadinimu")
    projects = [
        make_project(hubs, call=call, beneficiary=beneficiary if i == 0 else None, code=f"DIH-{i:04d}")
        for i in range(30)
    ]
    first = projects[0]
    project_transition(actor=None, project=first, to_status=ProjectStatus.IN_IMPLEMENTATION)
    payment_create(actor=None, project=first, kind="advance", paid_on=date(2020, 3, 1), amount=Decimal("2100.00"))
    first.partners.add(OrganisationFactory(name="UAB Partneris"))
    return hubs, first


def _log_in(page: Page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/")


def _sideways(page: Page) -> list[str]:
    """The elements that stick out of the viewport on the right (empty when
    the page does not scroll sideways), outside regions that scroll on their own."""
    return page.evaluate(
        """() => {
            const root = document.documentElement;
            if (root.scrollWidth <= root.clientWidth) return [];
            const out = [];
            for (const el of document.body.querySelectorAll("*")) {
                if (el.closest(".table-scroll")) continue;
                const box = el.getBoundingClientRect();
                if (box.right > root.clientWidth + 1) out.push(`${el.tagName}.${el.className} ${box.right}px`);
            }
            return out.length ? out.slice(0, 10) : [`scrollWidth ${root.scrollWidth}`];
        }"""
    )


def test_officer_clicks_from_home_to_instrument_to_project(page: Page, live_server, portfolio):
    hubs, first = portfolio
    officer = UserFactory(role=Role.OFFICER, first_name="Rūta", last_name="Petraitienė")
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(f"page error: {error}"))
    page.on("response", lambda r: failures.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)

    _log_in(page, live_server, officer)
    # The financial progress table comes first, the expenditure by instrument after it.
    expect(page.locator("table.money caption").first).to_contain_text("Financial progress by instrument")
    expect(page.locator("table.money caption").nth(1)).to_contain_text("Expenditure by instrument")
    expect(page.locator("tr.total").first).to_contain_text("Total")
    page.screenshot(path=str(SCREENSHOTS / "fondas-pages-home.png"), full_page=True)

    # The keyboard reaches the skip link first, and it is visible when focused.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    page.get_by_role("link", name=f"{hubs.name} {hubs.code}").click()
    expect(page).to_have_url(f"{live_server.url}/instruments/{hubs.pk}/")
    expect(page.locator("h1")).to_contain_text(hubs.name)
    expect(page.locator("#project-count")).to_contain_text("30 projects")
    page.fill("#id_q", "skaitmenini")
    page.click("text=Show projects")
    expect(page.locator("#projects tbody tr")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOTS / "fondas-pages-instrument.png"), full_page=True)

    page.get_by_role("link", name=first.code, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/projects/{first.pk}/")
    expect(page.locator("#project-facts")).to_contain_text("UAB Partneris")
    expect(page.locator("#status-history")).to_contain_text("In implementation")
    expect(page.locator("#payments")).to_contain_text("2,100.00")
    page.screenshot(path=str(SCREENSHOTS / "fondas-pages-project.png"), full_page=True)

    # Back up through the breadcrumb.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=hubs.name).click()
    expect(page).to_have_url(f"{live_server.url}/instruments/{hubs.pk}/")
    assert failures == []


def test_pages_reflow_at_320_pixels(page: Page, live_server, portfolio):
    hubs, first = portfolio
    officer = UserFactory(role=Role.OFFICER, first_name="Rūta", last_name="Petraitienė")
    _log_in(page, live_server, officer)
    page.set_viewport_size({"width": 320, "height": 640})
    for name, path in (
        ("home", "/"),
        ("instrument", f"/instruments/{hubs.pk}/"),
        ("project", f"/projects/{first.pk}/"),
        ("not-found", "/no-such-page/"),
    ):
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=str(SCREENSHOTS / f"fondas-pages-320-{name}.png"), full_page=True)
        assert _sideways(page) == [], f"{path} scrolls sideways at 320 px"
        # wide tables scroll inside their own region, which the keyboard can reach
        for region in page.locator(".table-scroll").all():
            assert region.get_attribute("tabindex") == "0"
            assert region.get_attribute("aria-labelledby") or region.get_attribute("aria-label")
