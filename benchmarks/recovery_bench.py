"""How long a report takes to recover when a whole worker is lost (a machine
dies: its main process, pool children and beat killed at once), with the
pipeline's settings as they are (FONDAS_REPORT_LOST_AFTER, _SWEEP_INTERVAL,
_HEARTBEAT_INTERVAL from the environment or their defaults).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fondas_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/6 \\
    .venv/bin/python benchmarks/recovery_bench.py [--projects 3000] [--settle 5]

It builds a throwaway PostgreSQL database `<name>_bench` (the named database
is not touched), runs migrate, seed_demo and generate_load, requests the
programme report of the generated portfolio (two sections at 3,000 projects),
and starts a worker with beat (`celery -A config worker -B` through
tests/integration/worker.py for a queue of its own, two pool processes) in its
own process group. When both sections are being
laid out it waits `--settle` seconds, SIGKILLs the whole process group, starts
a new worker with beat two seconds later, and prints the time from the kill
to the requeue and to the downloadable file, the attempts and the files stored.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
WORK_DIR = ROOT / "var" / "bench-recovery"
sys.path.insert(0, str(ROOT))


def _bench_database(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def _drop_database(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


class Worker:
    """A worker with beat in its own process group (its own session)."""

    def __init__(self, name: str, queue: str):
        self.log_path = WORK_DIR / f"{name}.log"
        command = [
            sys.executable,
            "-m",
            "tests.integration.worker",  # the project's worker, sending to this run's own queue
            "--beat",
            "--schedule",
            str(WORK_DIR / f"{name}-beat"),
            "--loglevel",
            "INFO",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--hostname",
            f"{name}@%h",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        env = {**os.environ, "FONDAS_TEST_QUEUE": queue}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (this interpreter, Celery)
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 90
        while " ready." not in self.log_path.read_text(errors="replace"):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.kill()
                raise RuntimeError(f"The worker did not start; see {self.log_path}")
            time.sleep(0.2)

    def kill(self) -> None:
        """The whole worker at once, as when its machine dies."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=3000, help="Projects for generate_load (default 3000).")
    parser.add_argument("--settle", type=float, default=5, help="Seconds of layout before the kill (default 5).")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")) or not os.environ.get("CELERY_BROKER_URL", "").startswith(
        "redis://"
    ):
        sys.exit("Set DATABASE_URL to PostgreSQL and CELERY_BROKER_URL to Redis (a lost worker's messages stay out).")
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    queue = f"fondas-recovery-{uuid.uuid4().hex[:10]}"
    os.environ["DATABASE_URL"] = _bench_database(url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    os.environ["MEDIA_ROOT"] = str(WORK_DIR / "media")

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from config.celery import app
    from core.models import AuditEvent, AuditEventType, Role, User
    from grants.models import Programme
    from reports import conf
    from reports.models import ReportFile, ReportJobStatus, ReportJobStep, ReportStepKind
    from reports.services import jobs

    app.conf.task_default_queue = queue
    workers: list[Worker] = []
    try:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("generate_load", projects=args.projects, stdout=open(os.devnull, "w"))  # noqa: SIM115
        officer, _ = User.objects.get_or_create(username="bench-officer", defaults={"role": Role.OFFICER})
        programme = Programme.objects.get(code="LOAD")
        print(
            f"LOST_AFTER {conf.LOST_AFTER:g} s, SWEEP_INTERVAL {conf.SWEEP_INTERVAL:g} s, "
            f"HEARTBEAT_INTERVAL {conf.HEARTBEAT_INTERVAL:g} s; {args.projects:,} projects",
            flush=True,
        )

        workers.append(Worker("doomed", queue))
        job = jobs.report_job_request(actor=officer, kind="programme", params={"programme_id": programme.pk})
        requested = time.monotonic()
        while True:
            job.refresh_from_db()
            held = ReportJobStep.objects.filter(job=job, step=ReportStepKind.SECTION, finished_at__isnull=True)
            if job.section_count >= 2 and held.count() >= 2:
                break
            if job.status != ReportJobStatus.RUNNING and time.monotonic() - requested > 60:
                raise RuntimeError(f"The report did not reach its sections: {job.status} {job.error}")
            time.sleep(0.1)
        time.sleep(args.settle)
        job.refresh_from_db()
        print(f"killing the whole worker at {job.progress} %, {job.section_count} sections", flush=True)
        workers[0].kill()
        killed, killed_at = time.monotonic(), timezone.now()
        time.sleep(2)
        workers.append(Worker("rescuer", queue))
        print(f"new worker with beat ready {time.monotonic() - killed:.1f} s after the kill", flush=True)

        while True:
            job.refresh_from_db()
            if job.status in (ReportJobStatus.SUCCEEDED, ReportJobStatus.FAILED):
                break
            if time.monotonic() - killed > 1800:
                raise RuntimeError("Not recovered within 30 minutes.")
            time.sleep(0.2)
        recovered_in = time.monotonic() - killed
        lost = AuditEvent.objects.filter(
            object_id=str(job.pk), event_type=AuditEventType.WORKER_LOST, occurred_at__gte=killed_at
        )
        print(f"status {job.status}; attempts {job.attempts}; files {ReportFile.objects.filter(job=job).count()}")
        print(f"worker_lost audit events {lost.count()}")
        for event in lost:
            print(f"kill → requeued by the sweeper: {(event.occurred_at - killed_at).total_seconds():.1f} s")
        print(f"kill → downloadable file:       {recovered_in:.1f} s")
        if job.status != ReportJobStatus.SUCCEEDED:
            raise RuntimeError(job.error)
    finally:
        for worker in workers:
            worker.kill()
        import redis

        redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).delete(queue)
        _drop_database(os.environ["DATABASE_URL"])


if __name__ == "__main__":
    main()
