"""A real Celery worker for the integration tests (and the benchmark): the
project's app and tasks, unchanged, started as `celery -A config worker` would
be, with three test-only knobs read from the environment. They live here, not
in the production code:

- FONDAS_TEST_QUEUE: the queue this test session's tasks go through, so that
  messages of earlier runs or of other users of the same Redis never mix in;
- FONDAS_TEST_RENDER_DELAY: seconds every render and section render waits
  before rendering, so that a test can kill the worker child mid-render;
  with FONDAS_TEST_IGNORE_SOFT_LIMIT=1 the wait goes on through the soft time
  limit, as a render stuck in C code would, so that only the hard limit stops it;
- FONDAS_TEST_PROJECTS_PER_SECTION: a small section size, so that a small
  portfolio is rendered in several sections by several workers.

Every render logs "fondas-test render <report id> <kind> pid <pid>", so that a
test can tell whether a delivery rendered anything.

Usage: python -m tests.integration.worker [celery worker options]
"""

import logging
import os
import sys
import time
from functools import wraps


def _instrument(pdf, name: str, delay: float, ignore_soft_limit: bool) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    original = getattr(pdf, name)
    logger = logging.getLogger("fondas.test")

    @wraps(original)
    def wrapper(**kwargs):
        logger.warning("fondas-test %s %s pid %s", name, kwargs.get("report_id"), os.getpid())
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            try:
                time.sleep(max(0.0, deadline - time.monotonic()))
            except SoftTimeLimitExceeded:
                if not ignore_soft_limit:
                    raise
        return original(**kwargs)

    setattr(pdf, name, wrapper)


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from config.celery import app
    from reports import documents
    from reports.kinds.implementation import ImplementationKind

    delay = float(os.environ.get("FONDAS_TEST_RENDER_DELAY") or 0)
    ignore_soft_limit = os.environ.get("FONDAS_TEST_IGNORE_SOFT_LIMIT") == "1"
    for name in ("render_report", "render_section"):
        _instrument(documents, name, delay, ignore_soft_limit)
    if os.environ.get("FONDAS_TEST_PROJECTS_PER_SECTION"):
        ImplementationKind.rows_per_section = int(os.environ["FONDAS_TEST_PROJECTS_PER_SECTION"])
    if os.environ.get("FONDAS_TEST_QUEUE"):
        app.conf.task_default_queue = os.environ["FONDAS_TEST_QUEUE"]
    app.worker_main(["worker", *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
