"""Where tests keep what a person should look at afterwards (screenshots of
pages and report pages): var/test-artifacts/screenshots, or FONDAS_SCREENSHOTS."""

import os
from pathlib import Path

SCREENSHOTS = Path(
    os.environ.get("FONDAS_SCREENSHOTS", Path(__file__).resolve().parents[1] / "var" / "test-artifacts" / "screenshots")
)
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
