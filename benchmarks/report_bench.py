"""Benchmark of the programme implementation report, on the demo data and on a
large generated portfolio (`generate_load --projects N`).

    .venv/bin/python benchmarks/report_bench.py [--projects 10000] [--skip-load] [--keep]

It builds its own throwaway database: a SQLite file under var/bench, or, when
DATABASE_URL names a PostgreSQL database, a sibling database `<name>_bench`
(dropped and created again; the named database is not touched). Then it runs
migrate and seed_demo, and for each portfolio prints:

- gather: time and SQL queries to read all of the report's data (builders);
  the query count must not grow with the number of projects;
- render: the whole report rendered in one process (reports.pdf.render_report,
  sections and merge included): time, pages, pages per second, and the peak
  resident memory of that process (getrusage maxrss) with its baseline before
  rendering;
- bare: WeasyPrint alone laying out the same report as one HTML document
  (generated beforehand, not timed);
- end to end: from the request to a downloadable file through real Celery
  worker processes (1, then 2; one pool process each), on Redis when
  CELERY_BROKER_URL is set, else on the filesystem broker, in a queue of its
  own; and its ratio to the bare render.
"""

import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------------------- environment


def _postgres_bench_url(url: str) -> str:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def prepare_environment() -> None:
    """Settings for this process and the workers it starts (they inherit them)."""
    if BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR)
    (BENCH_DIR / "media").mkdir(parents=True)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        os.environ["DATABASE_URL"] = _postgres_bench_url(url)
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    os.environ["MEDIA_ROOT"] = str(BENCH_DIR / "media")
    os.environ["FONDAS_BENCH_QUEUE"] = f"fondas-bench-{uuid.uuid4().hex[:10]}"


def setup_django() -> None:
    import django

    django.setup()
    from config.celery import app

    # The benchmark's own queue: no other worker on this machine takes its tasks.
    app.conf.task_default_queue = os.environ["FONDAS_BENCH_QUEUE"]


def drop_postgres_bench_database() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        from django.db import connections

        connections.close_all()
        import psycopg

        parts = urlsplit(url)
        admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


# --------------------------------------------------------------------------- child processes


def child_render(kind: str, params: dict) -> dict:
    """The whole report in this process, as a worker renders a one-section job."""
    from django.utils import timezone

    from reports import pdf

    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    rendered = pdf.render_report(kind=kind, params=params, report_id=str(uuid.uuid4()), as_of=timezone.now())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "pages": rendered.page_count,
        "bytes": len(rendered.content),
        "baseline_kib": baseline_kib,
        "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def child_bare(kind: str, params: dict) -> dict:
    """WeasyPrint alone on the report as one HTML document."""
    from django.utils import timezone
    from weasyprint import HTML

    from reports import pdf

    pdf.PROJECTS_PER_SECTION = 10**9  # one document holding every project
    html = pdf._section_html(kind, params, str(uuid.uuid4()), timezone.now(), 0, page_numbers=True)
    started = time.perf_counter()
    document = HTML(string=html, base_url=pdf._base_url(), url_fetcher=pdf.StaticFilesFetcher()).render()
    content = document.write_pdf()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "pages": len(document.pages),
        "bytes": len(content),
        "html_bytes": len(html),
        "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
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


def run_child(mode: str, kind: str, params: dict) -> dict:
    output = subprocess.run(  # noqa: S603 (this script, this interpreter)
        [sys.executable, __file__, "--child", mode, kind, json.dumps(params)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# --------------------------------------------------------------------------- measurements


def gather(kind: str, params: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reports import builders, pdf

    cutoff = builders.Cutoff.for_params(params, timezone.now())
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        report = builders.build_implementation_report(cutoff=cutoff, programme_id=params["programme_id"])
        seconds = time.perf_counter() - started
    rows = sum(len(group.rows) for group in report.project_groups)
    per_section = []
    for index in range(pdf.section_count(kind, params)):
        with CaptureQueriesContext(connection) as section_queries:
            builders.build_implementation_report(
                cutoff=cutoff,
                programme_id=params["programme_id"],
                include_front=index == 0,
                project_start=index * pdf.PROJECTS_PER_SECTION,
                project_stop=(index + 1) * pdf.PROJECTS_PER_SECTION,
            )
        per_section.append(len(section_queries))
    return {"seconds": seconds, "queries": len(queries), "rows": rows, "section_queries": per_section}


class Workers:
    """N real worker processes, each in its own process group, stopped by pid."""

    def __init__(self, count: int):
        self.processes = []
        self.logs = []
        for n in range(count):
            log_path = BENCH_DIR / f"worker-{count}-{n}.log"
            self.logs.append(log_path)
            with log_path.open("wb") as log:
                self.processes.append(
                    subprocess.Popen(  # noqa: S603
                        [sys.executable, __file__, "--child", "worker", f"bench-{count}-{n}@%h"],
                        cwd=ROOT,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 90
        while not all(" ready." in path.read_text(errors="replace") for path in self.logs):
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


def end_to_end(kind: str, params: dict, workers: int) -> dict:
    from core.models import Role, User
    from reports.models import ReportJob, ReportJobStatus
    from reports.services import jobs

    officer, _ = User.objects.get_or_create(username="bench-officer", defaults={"role": Role.OFFICER})
    pool = Workers(workers)
    try:
        started = time.perf_counter()
        job = jobs.report_job_request(actor=officer, kind=kind, params=params)  # dispatched on commit
        while True:
            job = ReportJob.objects.select_related("output").get(pk=job.pk)
            if job.status in (ReportJobStatus.SUCCEEDED, ReportJobStatus.FAILED):
                break
            if time.perf_counter() - started > 3600:
                raise RuntimeError("The report did not finish within an hour.")
            time.sleep(0.1)
        seconds = time.perf_counter() - started
    finally:
        pool.stop()
    if job.status != ReportJobStatus.SUCCEEDED:
        raise RuntimeError(f"The report failed: {job.error}")
    return {
        "seconds": seconds,
        "pages": job.output.page_count,
        "sections": job.section_count,
        "bytes": job.output.byte_size,
    }


def measure(label: str, programme_id: int) -> dict:
    from reports import builders, pdf

    kind = "programme"
    params = pdf.validate_params(kind, {"programme_id": programme_id})
    result = {
        "label": label,
        "projects": builders.count_projects(programme_id=programme_id),
        "sections": pdf.section_count(kind, params),
    }
    print(f"\n== {label}: {result['projects']} projects, {result['sections']} section(s)", flush=True)
    result["gather"] = gather(kind, params)
    print("   gather", result["gather"], flush=True)
    result["render"] = run_child("render", kind, params)
    print("   render", result["render"], flush=True)
    result["bare"] = run_child("bare", kind, params)
    print("   bare  ", result["bare"], flush=True)
    for count in (1, 2):
        result[f"e2e_{count}"] = end_to_end(kind, params, count)
        print(f"   e2e {count} worker(s)", result[f"e2e_{count}"], flush=True)
    return result


def mib(result: dict, key: str) -> int:
    return result["render"][key] // 1024


def print_summary(results: list[dict], broker: str, database: str) -> None:
    print(f"\nProgramme implementation report — database {database}, broker {broker}, {os.cpu_count()} CPUs")
    header = f"{'':38}" + "".join(f"{r['label']:>22}" for r in results)
    print(header)

    def row(title: str, fn) -> None:
        print(f"{title:38}" + "".join(f"{fn(r):>22}" for r in results))

    row("projects", lambda r: f"{r['projects']:,}")
    row("sections", lambda r: r["sections"])
    row("gather: time", lambda r: f"{r['gather']['seconds']:.3f} s")
    row("gather: SQL queries (all data)", lambda r: r["gather"]["queries"])
    row("gather: SQL queries per section", lambda r: "/".join(map(str, r["gather"]["section_queries"])))
    row("render (one process): time", lambda r: f"{r['render']['seconds']:.1f} s")
    row("render: pages", lambda r: r["render"]["pages"])
    row("render: pages per second", lambda r: f"{r['render']['pages'] / r['render']['seconds']:.1f}")
    row("render: peak RSS (before render)", lambda r: f"{mib(r, 'peak_kib')} ({mib(r, 'baseline_kib')}) MiB")
    row("bare WeasyPrint, one HTML: time", lambda r: f"{r['bare']['seconds']:.1f} s")
    row("bare: pages / peak RSS", lambda r: f"{r['bare']['pages']} / {r['bare']['peak_kib'] // 1024} MiB")
    row("request → downloadable, 1 worker", lambda r: f"{r['e2e_1']['seconds']:.1f} s")
    row("request → downloadable, 2 workers", lambda r: f"{r['e2e_2']['seconds']:.1f} s")
    row("pipeline / bare render, 1 worker", lambda r: f"{r['e2e_1']['seconds'] / r['bare']['seconds']:.2f}")
    row("pipeline / bare render, 2 workers", lambda r: f"{r['e2e_2']['seconds'] / r['bare']['seconds']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=10000, help="Projects for generate_load (default 10000).")
    parser.add_argument("--skip-load", action="store_true", help="Measure the demo data only.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    args = parser.parse_args()

    prepare_environment()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from grants.models import Programme

    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = settings.CELERY_BROKER_URL.split(":", 1)[0]
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"migrate + seed_demo: {time.perf_counter() - started:.1f} s", flush=True)
        results = [measure("demo", Programme.objects.exclude(code="LOAD").get().pk)]
        if not args.skip_load:
            started = time.perf_counter()
            call_command("generate_load", projects=args.projects, stdout=open(os.devnull, "w"))  # noqa: SIM115
            print(f"generate_load --projects {args.projects}: {time.perf_counter() - started:.1f} s", flush=True)
            results.append(measure(f"load {args.projects:,}", Programme.objects.get(code="LOAD").pk))
        print_summary(results, broker, database)
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
            measure_child = {"render": child_render, "bare": child_bare}[mode]
            print(json.dumps(measure_child(sys.argv[3], json.loads(sys.argv[4]))))
    else:
        main()
