"""Tunables of the report job pipeline, from the environment like every other
setting. They live here rather than in config/settings so that the pipeline's
knobs sit beside the code that reads them; config/celery.py reads the sweep
interval and the broker timeouts from here too (this module imports nothing
from Django, so the Celery app can import it before settings are loaded)."""

import os


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


# A job whose worker was lost (killed by the hard time limit, the out-of-memory
# killer or a crash) is started again at most this many times in all; the next
# loss fails it with an error that says so, so a render that kills its worker
# every time never loops.
MAX_ATTEMPTS = int(_number("FONDAS_REPORT_MAX_ATTEMPTS", 3))

# How often Celery beat runs the sweeper (seconds).
SWEEP_INTERVAL = _number("FONDAS_REPORT_SWEEP_INTERVAL", 30)

# A queued job that was never handed to the broker (it was down when the
# report was requested) is sent by the sweeper once it is this old (seconds);
# the grace leaves the request's own on-commit dispatch time to finish.
UNSENT_GRACE = _number("FONDAS_REPORT_UNSENT_GRACE", 10)

# A queued job handed to the broker this long ago (seconds) and still not
# started is sent again: its message may have been lost with a broker that
# keeps no data. A duplicate message costs nothing: the job is started once.
REDISPATCH_AFTER = _number("FONDAS_REPORT_REDISPATCH_AFTER", 300)

# While a worker process holds a step of a job (render, section, merge), a
# thread writes the job's and the step's heartbeat this often (seconds),
# WeasyPrint's layout included. Keep it well under LOST_AFTER.
HEARTBEAT_INTERVAL = _number("FONDAS_REPORT_HEARTBEAT_INTERVAL", 20)

# A step whose heartbeat is older than this (seconds) has lost its worker: a
# live holder writes one every HEARTBEAT_INTERVAL. The sweeper then queues the
# job again as a new run (counting an attempt) and a redelivered message takes
# the step over. Several missed heartbeats, so that a busy database or a
# paused machine does not count as a loss; the cost of a lost worker is about
# LOST_AFTER + SWEEP_INTERVAL + the render.
LOST_AFTER = _number("FONDAS_REPORT_LOST_AFTER", 120)

# A running job that holds no step (its sections or merge wait in the queue
# behind other reports) is left alone this long (seconds) without a sign of
# life before the sweeper assumes that the messages were lost and queues it
# again: a long queue is not a lost worker.
WAITING_LOST_AFTER = _number("FONDAS_REPORT_WAITING_LOST_AFTER", 1020)

# Publishing a job must never hold a request up for long: one quick retry
# (a pooled connection may be stale after a broker restart), then give up and
# leave the job to the sweeper.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}

# Redis socket timeouts (seconds): without them a publish to a broker that
# accepts connections but does not answer waits forever.
BROKER_SOCKET_CONNECT_TIMEOUT = _number("FONDAS_BROKER_SOCKET_CONNECT_TIMEOUT", 1)
BROKER_SOCKET_TIMEOUT = _number("FONDAS_BROKER_SOCKET_TIMEOUT", 1)

# Transient errors (database, broker, storage) are retried with exponential
# backoff: 2, 4, 8, … seconds, at most RETRY_BACKOFF_MAX, at most MAX_RETRIES times.
MAX_RETRIES = int(_number("FONDAS_REPORT_MAX_RETRIES", 5))
RETRY_BACKOFF_MAX = int(_number("FONDAS_REPORT_RETRY_BACKOFF_MAX", 120))
