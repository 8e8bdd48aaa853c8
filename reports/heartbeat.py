"""The heartbeat of a step a worker process holds. WeasyPrint lays a section
out for minutes without calling back, so the sign of life comes from a daemon
thread, not from the render: every HEARTBEAT_INTERVAL it writes the job's and
the step's heartbeat (reports.services.steps.report_step_beat) until the step
ends. A process that dies takes its thread with it, so the heartbeat stops
with the worker and the sweeper sees the loss after LOST_AFTER.

    with heartbeat(job_id=job.pk, run=run, step_kind=ReportStepKind.SECTION, index=3, task=ref):
        content = render_section(...)
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connections

from reports import conf
from reports.services.steps import TaskRef, report_step_beat

logger = logging.getLogger(__name__)


class Heartbeat(threading.Thread):
    """Beats until stopped, or until the step is no longer this delivery's
    (finished, taken over, the job left RUNNING or the run). Uses this thread's
    own database connection and closes it when it ends."""

    def __init__(self, *, job_id, run: int, step_kind: str, index: int, task: TaskRef, interval: float):
        super().__init__(name=f"report-heartbeat-{job_id}-{step_kind}-{index}", daemon=True)
        self.key = {"job_id": job_id, "run": run, "step_kind": step_kind, "index": index, "task": task}
        self.interval = interval
        self.beats = 0
        self._stop_event = threading.Event()

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.interval):
                try:
                    if not report_step_beat(**self.key):
                        return
                    self.beats += 1
                except DatabaseError:
                    # The database may be back by the next beat; if it is not,
                    # the step is treated as lost, which costs a render, not a file.
                    logger.warning("Report job %s: heartbeat not written.", self.key["job_id"], exc_info=True)
        finally:
            connections.close_all()  # this thread's connections only


@contextmanager
def heartbeat(*, job_id, run: int, step_kind: str, index: int = 0, task: TaskRef) -> Iterator[Heartbeat]:
    """Beat for the step while the block runs; stop when it ends, however it ends."""
    thread = Heartbeat(
        job_id=job_id, run=run, step_kind=step_kind, index=index, task=task, interval=conf.HEARTBEAT_INTERVAL
    )
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()
        # A beat in flight finishes within a database round trip; do not hold
        # the task up longer than that (the thread is a daemon either way).
        thread.join(timeout=5)
