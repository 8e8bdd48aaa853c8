"""An officer's report journey in Chromium: log in, request a programme report,
see it queued with a progress bar, and (the render run in this process, since
no worker runs here) watch the page's polling turn it into a download whose
bytes match the SHA-256 that Fondas stored.

Screenshots of the form and the list are written to /tmp/fondas-reports-*.png."""

import hashlib
import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core.models import Role
from reports.models import ReportJob, ReportJobStatus
from reports.services import jobs
from reports.tasks import report_job_render
from tests.factories import UserFactory, make_instrument, make_project

# Also set by tests/browser/conftest.py; repeated so that the module runs on its own.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser

PASSWORD = "fondas-test-password"
from tests.artifacts import SCREENSHOTS  # noqa: E402


@pytest.fixture
def dispatched(monkeypatch):
    """Jobs handed to the broker, recorded instead of sent: no worker runs here,
    and the test renders them itself."""
    sent: list[str] = []

    def record(*, job_id) -> bool:
        sent.append(str(job_id))
        return True

    monkeypatch.setattr(jobs, "report_job_dispatch", record)
    return sent


@pytest.fixture
def portfolio(transactional_db):
    first = make_instrument(code="BCLT", allocation="5000000.00")
    second = make_instrument(code="INOCONNECT", allocation="2500000.00")
    for instrument, count in ((first, 3), (second, 2)):
        for _ in range(count):
            make_project(instrument, lines={"STAFF": "40000.00", "EQUIP": "10000.00"})
    return first.programme


def _log_in(page: Page, live_server, user) -> None:
    page.goto(f"{live_server.url}/accounts/login/?next=/reports/new/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    expect(page).to_have_url(f"{live_server.url}/reports/new/")


def test_officer_requests_a_programme_report_and_downloads_it(page: Page, live_server, portfolio, dispatched):
    officer = UserFactory(role=Role.OFFICER, first_name="Rūta", last_name="Petraitienė")
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    # Failed loads are checked by URL; base.html links no favicon, so the browser's guess is not a problem.
    page.on(
        "response",
        lambda response: (
            problems.append(f"HTTP {response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico")
            else None
        ),
    )

    # The form: only the chosen kind's fields show.
    _log_in(page, live_server, officer)
    page.select_option("select[name=kind]", "audit_trail")
    expect(page.locator("#field-date_from")).to_be_visible()
    expect(page.locator("#field-programme_id")).to_be_hidden()
    page.select_option("select[name=kind]", "programme")
    expect(page.locator("#field-programme_id")).to_be_visible()
    expect(page.locator("#field-date_from")).to_be_hidden()
    expect(page.locator("#field-project_id")).to_be_hidden()
    page.select_option("select[name=programme_id]", str(portfolio.pk))
    page.screenshot(path=str(SCREENSHOTS / "fondas-reports-form.png"), full_page=True)

    # Half a period: the service's error comes back by its field, the data kept.
    page.fill("input[name=period_start]", "2021-01-01")
    page.click("text=Request report")
    expect(page.locator("#field-period_end .error")).to_have_text("The period needs an end date.")
    expect(page.locator("input[name=period_start]")).to_have_value("2021-01-01")
    expect(page.locator("select[name=programme_id]")).to_have_value(str(portfolio.pk))
    expect(page.locator("#field-date_from")).to_be_hidden()
    page.screenshot(path=str(SCREENSHOTS / "fondas-reports-form-error.png"), full_page=True)
    assert not ReportJob.objects.exists()

    page.fill("input[name=period_start]", "")
    page.click("text=Request report")

    # The list: the new job, queued, with its progress bar; nothing rendered yet.
    expect(page).to_have_url(f"{live_server.url}/reports/")
    job = ReportJob.objects.get()
    assert dispatched == [str(job.pk)]
    row = page.locator(f"#job-{job.pk}")
    expect(page.locator(".messages")).to_contain_text("requested")
    expect(row).to_have_attribute("data-job-status", "queued")
    expect(row.locator("[role=progressbar]")).to_be_visible()
    expect(row.locator("[data-role=status]")).to_have_text("Queued")
    expect(row).to_contain_text(portfolio.name_en)  # the report is in the page's language, English
    expect(row).to_contain_text("Rūta Petraitienė")
    page.screenshot(path=str(SCREENSHOTS / "fondas-reports-list-queued.png"), full_page=True)

    # A worker's work, done here; the page is not reloaded, its polling notices.
    page.evaluate("window.__fondasSamePage = true")
    report_job_render.apply(args=[str(job.pk)])
    job.refresh_from_db()
    assert job.status == ReportJobStatus.SUCCEEDED, job.error

    expect(row).to_have_attribute("data-job-status", "succeeded", timeout=15_000)
    expect(row.locator("[data-role=status]")).to_have_text("Succeeded")
    # The one live region says so once, naming the report.
    expect(page.locator("[data-live]")).to_have_text(f"Report {job.short_id} is ready.")
    assert page.evaluate("window.__fondasSamePage") is True, "the row was updated by polling, not by a reload"
    link = row.locator("a.download")
    expect(link).to_be_visible()
    expect(row).to_contain_text(f"{job.output.page_count} page")
    expect(row.locator(".sha code")).to_contain_text(job.output.sha256[:16])
    page.screenshot(path=str(SCREENSHOTS / "fondas-reports-list.png"), full_page=True)

    # The download: the stored PDF, byte for byte.
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == job.output.filename
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == job.output.sha256

    response = page.request.get(f"{live_server.url}/api/v1/reports/{job.pk}/download/")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-sha256"] == job.output.sha256

    assert problems == []
