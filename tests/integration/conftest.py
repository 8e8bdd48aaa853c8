"""Fixtures that run real Celery workers against PostgreSQL and Redis.

The tests skip only when CELERY_BROKER_URL is not a redis:// URL or the
database is not PostgreSQL, and fail instead when FONDAS_REQUIRE_SERVICES=1
(CI). A configured Redis that does not answer is always a failure.

Each test session sends its tasks through its own queue; each worker is a
subprocess in its own process group, started on the test database and the
test process's media folder, and stopped by its process id when the test ends."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from config.celery import app
from tests.integration.broker import use_broker

ROOT = Path(__file__).resolve().parents[2]
SESSION_QUEUE = f"fondas-it-{uuid.uuid4().hex[:12]}"


def _services_missing() -> str | None:
    if not str(settings.CELERY_BROKER_URL).startswith("redis://"):
        return "CELERY_BROKER_URL is not a redis:// URL"
    if connection.vendor != "postgresql":
        return "DATABASE_URL is not PostgreSQL"
    return None


def require_services() -> None:
    """Skip (or, under FONDAS_REQUIRE_SERVICES=1, fail) without the real services."""
    reason = _services_missing()
    if reason:
        if os.environ.get("FONDAS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, and FONDAS_REQUIRE_SERVICES=1 requires the real services.")
        pytest.skip(reason)
    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {settings.CELERY_BROKER_URL} does not answer: {exc}")


@pytest.fixture(autouse=True)
def _require_services():
    require_services()


def database_url() -> str:
    """The test database (pytest-django's test_<name>) as a DATABASE_URL."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def wait_for(predicate: Callable[[], object], *, timeout: float, what: str, log: "Worker | None" = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    tail = f"\n--- worker log ---\n{log.tail()}" if log else ""
    pytest.fail(f"Timed out after {timeout} s waiting for {what}.{tail}")


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    name: str
    stopped: bool = field(default=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def is_child(self, pid: int) -> bool:
        """Whether `pid` is one of this worker's pool processes."""
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return False
        ppid = next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:"))
        return int(ppid) == self.pid

    def stop(self) -> None:
        """Warm shutdown, then kill the worker's own process group if it lingers."""
        if self.stopped:
            return
        self.stopped = True
        if self.process.poll() is None:
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


@pytest.fixture(scope="session")
def session_queue():
    """This session's queue, empty at the start and removed at the end."""
    require_services()
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(SESSION_QUEUE)
    yield SESSION_QUEUE
    client.delete(SESSION_QUEUE)


@pytest.fixture
def publish_to_session_queue(session_queue):
    """This process publishes through the session's queue on the configured Redis."""
    with use_broker(
        settings.CELERY_BROKER_URL, transport_options=dict(app.conf.broker_transport_options), queue=session_queue
    ):
        yield session_queue


@pytest.fixture
def start_worker(transactional_db, session_queue, tmp_path) -> Iterator[Callable[..., Worker]]:
    """start_worker(broker_url=..., beat=False, concurrency=2, **env) -> Worker."""
    started: list[Worker] = []

    def start(*, broker_url: str | None = None, beat: bool = False, concurrency: int = 2, **extra_env) -> Worker:
        name = f"fondas-it-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        log_path = tmp_path / f"worker-{len(started)}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url or settings.CELERY_BROKER_URL,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "FONDAS_TEST_QUEUE": session_queue,
            **{key: str(value) for key, value in extra_env.items()},
        }
        command = [
            sys.executable,
            "-m",
            "tests.integration.worker",
            "--loglevel",
            "INFO",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--hostname",
            name,
            "--queues",
            session_queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if beat:
            command += ["--beat", "--schedule", str(tmp_path / f"beat-{len(started)}")]
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(process=process, log_path=log_path, name=name)
        started.append(worker)
        wait_for(
            lambda: " ready." in worker.log() or process.poll() is not None,
            timeout=60,
            what="the worker to start",
            log=worker,
        )
        if process.poll() is not None:
            pytest.fail(f"The worker exited with {process.returncode}:\n{worker.tail()}")
        return worker

    yield start
    for worker in started:
        worker.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RedisServer:
    """A throwaway redis-server of this test, never the machine's shared one."""

    port: int
    workdir: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed; the broker-outage test starts its own.")
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(answers, timeout=10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(port=free_port(), workdir=tmp_path)
    server.start()
    yield server
    server.stop()
