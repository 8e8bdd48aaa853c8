"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's
live server. They skip when /usr/bin/chromium is missing, and fail instead when
FONDAS_REQUIRE_SERVICES=1 says the machine must have it."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread; the test still
# uses the ORM there (to set up data and run a render), which Django otherwise refuses.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is not installed (scripts/install.sh --dev installs it)"
        if os.environ.get("FONDAS_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return {
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "accept_downloads": True}
