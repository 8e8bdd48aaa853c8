"""The scorecard in a real Chromium: an officer opens the national scorecard
(today, and with a bad day: the message by the field) and a cluster's page, in
Lithuanian and English; axe-core finds nothing, the pages reflow at 320 px and
the charts are there without JavaScript. Screenshots fondas-scorecard-*.png in
tests.artifacts.SCREENSHOTS."""

import pytest
from playwright.sync_api import Browser, expect

from clusters.models import Cluster
from core.models import Role
from tests.artifacts import SCREENSHOTS
from tests.browser.test_accessibility import LANGUAGES, WIDE, _log_in
from tests.browser.test_accessibility_selection import SelectionAudit
from tests.clusters.scorecard_fixtures import demo_registry  # noqa: F401 - a fixture
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_the_scorecard_and_a_cluster_page_pass_axe_in_both_languages(
    browser: Browser,
    live_server,
    transactional_db,
    demo_registry,  # noqa: F811 - the fixture imported above
):
    officer = UserFactory(role=Role.OFFICER)
    cluster = Cluster.objects.order_by("established_on").first()
    audit = SelectionAudit()
    base = live_server.url
    for code in LANGUAGES:
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        _log_in(page, live_server, officer, code)
        page.goto(f"{base}/clusters/scorecard/")
        expect(page.locator("h1")).to_have_count(1)
        expect(page.locator("svg.trend-chart[role=img]")).to_have_count(8)
        expect(page.locator("#scorecard-targets tbody tr")).to_have_count(8)
        page.screenshot(path=str(SCREENSHOTS / f"fondas-scorecard-{code}.png"), full_page=True)
        audit.check(page, "scorecard", code)

        # A day that is not one: the message by the field, the scorecard of today below.
        page.goto(f"{base}/clusters/scorecard/?day=2024-02-30")
        expect(page.locator("#field-day .error")).to_be_visible()
        audit.check(page, "scorecard-error", code)

        # A past day: the figures of that day, linked to the registry list of that day.
        page.goto(f"{base}/clusters/scorecard/?day=2019-12-31")
        expect(page.locator("#scorecard-summary time")).to_have_attribute("datetime", "2019-12-31")
        audit.check(page, "scorecard-2019", code, reflow=False)

        # The clusters behind a target, in the registry.
        page.goto(f"{base}/clusters/scorecard/")
        page.locator("tr[data-target=digital] a[href*='target=digital']").click()
        page.wait_for_load_state()
        assert "target=digital" in page.url
        page.goto(f"{base}/clusters/{cluster.pk}/")
        expect(page.locator("h1")).to_have_count(1)
        page.screenshot(path=str(SCREENSHOTS / f"fondas-scorecard-cluster-{code}.png"), full_page=True)
        audit.check(page, "scorecard-cluster", code)
        context.close()

    # Without JavaScript the charts are there: they are drawn on the server.
    context = browser.new_context(viewport=WIDE, java_script_enabled=False)
    page = context.new_page()
    _log_in_without_js(page, base, officer)
    page.goto(f"{base}/clusters/scorecard/")
    expect(page.locator("svg.trend-chart").first).to_be_visible()
    context.close()
    audit.assert_clean()


def _log_in_without_js(page, base: str, user) -> None:
    from tests.browser.test_accessibility import PASSWORD

    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
