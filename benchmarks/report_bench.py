"""Benchmark of the programme implementation report: the pipeline (request →
queue → worker → stored, downloadable PDF) against WeasyPrint alone, on the
demo data and on a large generated portfolio (`generate_load --projects N`),
on the embedded filesystem broker and on Redis, with one and two workers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fondas_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/6 FONDAS_BENCH_DIR=/tmp/fondas-bench \\
    .venv/bin/python benchmarks/report_bench.py [--projects 10000] [--skip-load] [--keep]

Everything it creates lives in FONDAS_BENCH_DIR (default var/bench): the media
folder, the filesystem broker's folders, the worker logs, and a SQLite file
unless DATABASE_URL names a PostgreSQL database, in which case it uses a
sibling database `<name>_bench` (dropped and created again; the named database
is not touched). Redis is used when CELERY_BROKER_URL is a redis:// URL, in a
queue of the benchmark's own.

What is compared, and how it is kept fair:

- bare: WeasyPrint alone (reports.rendering.write_pdf, the pipeline's one call
  into WeasyPrint: PDF/A-3b, the same options) laying out the report as one
  HTML document, generated beforehand and not timed;
- render: the whole report in one process (reports.documents.render_report:
  data, HTML, layout, sections and merge);
- pipeline: from the request to a downloadable file through real Celery
  worker processes (one pool process each), started and warmed before the
  request (a long-running worker has loaded its fonts and templates);
- every measurement runs in a fresh process that renders the demo report once
  (untimed) before the timed one, so that no figure carries another's one-time
  font loading; the demo figures are the median of --repeat runs (default 3),
  the large portfolio's of one;
- memory is the process's own peak (VmHWM of /proc/self/status): getrusage's
  ru_maxrss survives fork and exec on Linux, so a child of this large process
  would report the parent's peak as its own.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_PIPELINE_OVER_BARE = 1.25
GOAL_TWO_OVER_ONE = 0.6


def bench_dir() -> Path:
    return Path(os.environ.get("FONDAS_BENCH_DIR") or ROOT / "var" / "bench")


# --------------------------------------------------------------------------- environment


def _postgres_admin(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql", path="/postgres"))


def _postgres_bench_url(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    with psycopg.connect(_postgres_admin(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def drop_postgres_bench_database() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(_postgres_admin(url), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')


def prepare_environment() -> list[str]:
    """Settings for this process and every process it starts (they inherit
    them); returns the broker URLs to measure."""
    folder = bench_dir()
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "media").mkdir(parents=True)
    # The filesystem broker's folders live under FONDAS_VAR_DIR/broker.
    for sub in ("in", "processed", "control"):
        (folder / "var" / "broker" / sub).mkdir(parents=True)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        os.environ["DATABASE_URL"] = _postgres_bench_url(url)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["FONDAS_VAR_DIR"] = str(folder / "var")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["FONDAS_BENCH_QUEUE"] = f"fondas-bench-{uuid.uuid4().hex[:10]}"
    brokers = ["filesystem://"]
    redis_url = os.environ.get("CELERY_BROKER_URL", "")
    if redis_url.startswith("redis://"):
        brokers.append(redis_url)
    os.environ["CELERY_BROKER_URL"] = brokers[0]
    return brokers


def setup_django() -> None:
    import django

    django.setup()
    from config.celery import app

    # The benchmark's own queue: no other worker on this machine takes its tasks.
    app.conf.task_default_queue = os.environ["FONDAS_BENCH_QUEUE"]


def peak_kib() -> int:
    """This process's own peak resident memory since it started (VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/status has no VmHWM")


# --------------------------------------------------------------------------- child processes


def _warm_up(demo: dict) -> None:
    """Render the demo report once: fonts, templates and imports are loaded."""
    from django.utils import timezone

    from reports import documents

    documents.render_report(kind=demo["kind"], params=demo["params"], report_id=str(uuid.uuid4()), as_of=timezone.now())


def _median_seconds(function, repeat: int):
    """The median time of `repeat` calls, and the last call's result."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def child_render(kind: str, params: dict, demo: dict, repeat: int) -> dict:
    """The whole report in this process, as one worker renders it alone."""
    from django.utils import timezone

    from reports import documents

    start = peak_kib()
    _warm_up(demo)
    baseline = peak_kib()
    seconds, rendered = _median_seconds(
        lambda: documents.render_report(kind=kind, params=params, report_id=str(uuid.uuid4()), as_of=timezone.now()),
        repeat,
    )
    return {
        "seconds": seconds,
        "start_kib": start,
        "pages": rendered.page_count,
        "bytes": len(rendered.content),
        "baseline_kib": baseline,
        "peak_kib": peak_kib(),
    }


def child_bare(kind: str, params: dict, demo: dict, repeat: int) -> dict:
    """WeasyPrint alone on the report as one HTML document, written as the
    pipeline writes it (reports.rendering.write_pdf: PDF/A-3b)."""
    from django.utils import timezone

    from reports import documents, rendering
    from reports.kinds import get_kind

    start = peak_kib()
    _warm_up(demo)
    spec = get_kind(kind)
    spec.rows_per_section = 10**9  # one document holding every project
    html = documents.section_html(kind, params, str(uuid.uuid4()), timezone.now(), 0, page_numbers=True)
    baseline = peak_kib()
    seconds, rendered = _median_seconds(lambda: rendering.write_pdf(html), repeat)
    return {
        "seconds": seconds,
        "start_kib": start,
        "pages": rendered.page_count,
        "bytes": len(rendered.content),
        "html_bytes": len(html),
        "baseline_kib": baseline,
        "peak_kib": peak_kib(),
    }


def child_worker(name: str) -> None:
    from config.celery import app

    app.worker_main(
        [
            "worker",
            "--loglevel",
            "INFO",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--hostname",
            name,
            "--queues",
            os.environ["FONDAS_BENCH_QUEUE"],
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


class Workers:
    """N real worker processes, each in its own process group, stopped by pid."""

    def __init__(self, count: int, tag: str):
        self.processes: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        for n in range(count):
            log_path = bench_dir() / f"worker-{tag}-{count}-{n}.log"
            self.logs.append(log_path)
            with log_path.open("wb") as log:
                self.processes.append(
                    subprocess.Popen(  # noqa: S603 (this script, this interpreter)
                        [sys.executable, __file__, "--child", "worker", f"bench-{tag}-{count}-{n}@%h"],
                        cwd=ROOT,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 90
        while not all("ready." in path.read_text(errors="replace") for path in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                self.stop()
                raise RuntimeError("A benchmark worker did not start; see " + ", ".join(map(str, self.logs)))
            time.sleep(0.2)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _request_and_wait(officer, kind: str, params: dict) -> dict:
    from reports.models import ReportJob, ReportJobStatus
    from reports.services import jobs

    started = time.perf_counter()
    job = jobs.report_job_request(actor=officer, kind=kind, params=params)  # dispatched on commit
    while True:
        job = ReportJob.objects.select_related("output").get(pk=job.pk)
        if job.status in (ReportJobStatus.SUCCEEDED, ReportJobStatus.FAILED):
            break
        waited = time.perf_counter() - started
        if waited > 3600:
            raise RuntimeError("The report did not finish within an hour.")
        # Look often at first (a small report takes seconds), then rarely: on a
        # machine with as many CPUs as workers, fast polling steals their CPU.
        time.sleep(min(0.25, max(0.02, waited / 200)))
    seconds = time.perf_counter() - started
    if job.status != ReportJobStatus.SUCCEEDED:
        raise RuntimeError(f"The report failed: {job.error}")
    return {
        "seconds": seconds,
        "queue_wait": (job.started_at - job.queued_at).total_seconds(),
        "pages": job.output.page_count,
        "sections": job.section_count,
    }


def child_pipeline(kind: str, params: dict, demo: dict, workers: int, repeat: int) -> dict:
    """Request → downloadable file through `workers` worker processes on the
    broker of CELERY_BROKER_URL, the workers started and warmed first."""
    from django.conf import settings

    from core.models import Role, User

    officer, _ = User.objects.get_or_create(username="bench-officer", defaults={"role": Role.OFFICER})
    tag = settings.CELERY_BROKER_URL.split(":", 1)[0]
    pool = Workers(workers, tag)
    try:
        # One demo report per worker, at once: each worker takes one and warms up.
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as threads:
            list(threads.map(lambda _: _closing(_request_and_wait, officer, **demo), range(workers)))
        runs = [_request_and_wait(officer, kind, params) for _ in range(repeat)]
        median = statistics.median(run["seconds"] for run in runs)
        return {**runs[-1], "seconds": median, "queue_wait": statistics.median(run["queue_wait"] for run in runs)}
    finally:
        pool.stop()


def _closing(function, *args, **kwargs):
    from django.db import connection

    try:
        return function(*args, **kwargs)
    finally:
        connection.close()


def run_child(mode: str, *args, env: dict | None = None) -> dict:
    child = subprocess.run(  # noqa: S603 (this script, this interpreter)
        [sys.executable, __file__, "--child", mode, json.dumps(args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    if child.returncode != 0:
        raise RuntimeError(f"The {mode} measurement failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- measurements


def measure(label: str, programme_id: int, demo: dict, brokers: list[str], repeat: int, pipeline_only: bool) -> dict:
    from reports import documents

    kind = "programme"
    params = documents.validate_params(kind, {"programme_id": programme_id})
    result = {"label": label, "sections": documents.section_count(kind, params), "pipeline": {}}
    print(f"\n== {label}: {result['sections']} section(s)", flush=True)
    if not pipeline_only:
        result["render"] = run_child("render", kind, params, demo, repeat)
        print("   render (one process)", result["render"], flush=True)
        result["bare"] = run_child("bare", kind, params, demo, repeat)
        print("   bare WeasyPrint     ", result["bare"], flush=True)
    for broker in brokers:
        name = broker.split(":", 1)[0]
        for count in (1, 2):
            figures = run_child("pipeline", kind, params, demo, count, repeat, env={"CELERY_BROKER_URL": broker})
            result["pipeline"][(name, count)] = figures
            print(f"   pipeline {name}, {count} worker(s)", figures, flush=True)
    return result


def print_summary(results: list[dict], brokers: list[str], database: str) -> None:
    names = [broker.split(":", 1)[0] for broker in brokers]
    print(
        f"\nProgramme implementation report — database {database}, brokers {', '.join(names)}, "
        f"{os.cpu_count()} CPUs; goals: pipeline ÷ bare ≤ {GOAL_PIPELINE_OVER_BARE}, "
        f"2 workers ÷ 1 worker ≤ {GOAL_TWO_OVER_ONE} (large portfolio)"
    )
    width = 24
    print(f"{'':44}" + "".join(f"{r['label']:>{width}}" for r in results))

    def row(title: str, fn) -> None:
        def cell(r) -> str:
            try:
                return str(fn(r))
            except KeyError:  # not measured (--pipeline-only)
                return "—"

        print(f"{title:44}" + "".join(f"{cell(r):>{width}}" for r in results))

    def mib(kib: int) -> str:
        return f"{kib // 1024}"

    row("sections", lambda r: r["sections"])
    row("pages", lambda r: next(iter(r["pipeline"].values()))["pages"])
    row("bare WeasyPrint (PDF/A-3b): time", lambda r: f"{r['bare']['seconds']:.2f} s")
    row(
        "bare: peak RSS (at start, warm), MiB",
        lambda r: f"{mib(r['bare']['peak_kib'])} ({mib(r['bare']['start_kib'])}, {mib(r['bare']['baseline_kib'])})",
    )
    row("render, one process: time", lambda r: f"{r['render']['seconds']:.2f} s")
    row(
        "render: peak RSS (at start, warm), MiB",
        lambda r: (
            f"{mib(r['render']['peak_kib'])} ({mib(r['render']['start_kib'])}, {mib(r['render']['baseline_kib'])})"
        ),
    )
    for name in names:
        for count in (1, 2):
            row(
                f"pipeline {name}, {count} worker(s): time",
                lambda r, k=(name, count): f"{r['pipeline'][k]['seconds']:.2f} s",
            )
            row(
                f"pipeline {name}, {count} worker(s): queue wait",
                lambda r, k=(name, count): f"{r['pipeline'][k]['queue_wait']:.2f} s",
            )
    for name in names:

        def over_bare(r, name=name):
            ratio = r["pipeline"][(name, 1)]["seconds"] / r["bare"]["seconds"]
            return f"{ratio:.2f} {'ok' if ratio <= GOAL_PIPELINE_OVER_BARE else 'MISSED'}"

        def two_over_one(r, name=name):
            ratio = r["pipeline"][(name, 2)]["seconds"] / r["pipeline"][(name, 1)]["seconds"]
            if r["sections"] < 2:
                return f"{ratio:.2f} (1 section)"
            return f"{ratio:.2f} {'ok' if ratio <= GOAL_TWO_OVER_ONE else 'MISSED'}"

        row(f"pipeline ÷ bare, {name}, 1 worker", over_bare)
        row(f"2 workers ÷ 1 worker, {name}", two_over_one)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10000, help="Projects for generate_load (default 10000).")
    parser.add_argument("--skip-load", action="store_true", help="Measure the demo data only.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of the demo report; the median counts.")
    parser.add_argument("--pipeline-only", action="store_true", help="Skip the one-process and bare renders.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    args = parser.parse_args()

    brokers = prepare_environment()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from grants.demo import load_seed_facts
    from grants.models import Programme

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"migrate + seed_demo: {time.perf_counter() - started:.1f} s", flush=True)
        assumed = load_seed_facts()["demo_assumptions"]
        demo_programme = Programme.objects.get(code=assumed["programme"]["code"]).pk
        demo = {"kind": "programme", "params": {"programme_id": demo_programme}}
        results = [measure("demo", demo_programme, demo, brokers, args.repeat, args.pipeline_only)]
        if not args.skip_load:
            started = time.perf_counter()
            call_command("generate_load", projects=args.projects, stdout=open(os.devnull, "w"))  # noqa: SIM115
            print(f"generate_load --projects {args.projects}: {time.perf_counter() - started:.1f} s", flush=True)
            load = Programme.objects.get(code="LOAD").pk
            results.append(measure(f"{args.projects:,} projects", load, demo, brokers, 1, args.pipeline_only))
        print_summary(results, brokers, database)
    finally:
        if not args.keep:
            drop_postgres_bench_database()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        setup_django()
        mode = sys.argv[2]
        if mode == "worker":
            child_worker(sys.argv[3])
        else:
            function = {"render": child_render, "bare": child_bare, "pipeline": child_pipeline}[mode]
            print(json.dumps(function(*json.loads(sys.argv[3]))))
    else:
        main()
