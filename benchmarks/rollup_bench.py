"""Benchmark of budget tracking (issue 9): 100,000 projects with about a million
expenditure items in payment claims (generate_load --claims-per-project
--items-per-claim), then the time and SQL query count of

- the instrument roll-up (grants.selectors.budget.budget_rollup("instrument")),
- the project page (GET project-detail through the Django test client, as a
  logged-in officer, on a project with claims),
- the claims queue (grants.selectors.claims.claims_queue, its first page of 50;
  where that selector is not there yet, the equivalent query, and it says so),
- ONE raw SQL aggregate over the same items (claimed and verified eligible per
  instrument, conditional sums over items ⋈ claims ⋈ projects), and the ratio
  roll-up ÷ raw (goal: at most 3×);

and, before the big load, the query counts of the project page and of the
instrument roll-up with 10 and with 1,000 projects (they must be equal).

    .venv/bin/python benchmarks/rollup_bench.py [--projects 100000] [--items 1000000] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fondas .venv/bin/python benchmarks/rollup_bench.py

Database: DATABASE_URL decides. A PostgreSQL URL: a sibling database
`<name>_bench` is dropped, created and used (the named one is not touched), as
benchmarks/report_bench.py does. No DATABASE_URL: a temporary PostgreSQL
database `fondas_bench` on 127.0.0.1:5432 (user postgres) when that server
answers, otherwise a SQLite file in FONDAS_BENCH_DIR (default var/bench). The
PostgreSQL database is dropped afterwards unless --keep. A full run loads for
several minutes."""

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

GOAL_ROLLUP_OVER_RAW = 3.0
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/fondas_bench"
CLAIMS_PER_PROJECT = 2
# Claims go to projects that have started (about 96 % of generate_load's).
STARTED_SHARE = 0.95


def _postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        admin = urlunsplit(urlsplit(url)._replace(scheme="postgresql", path="/postgres"))
        with psycopg.connect(admin, connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001 (any failure means: not usable, fall back to SQLite)
        return False


def _postgres_fresh(url: str) -> str:
    """Drop and create the database `url` names; return the URL."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(scheme="postgresql"))


def prepare_environment() -> None:
    from report_bench import _postgres_bench_url, bench_dir

    folder = bench_dir()
    folder.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = _postgres_bench_url(url)
    elif not url and _postgres_reachable(DEFAULT_POSTGRES):
        os.environ["DATABASE_URL"] = _postgres_fresh(DEFAULT_POSTGRES)
    else:
        database = folder / "rollup_bench.sqlite3"
        database.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["FONDAS_VAR_DIR"] = str(folder / "var")
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    import django

    django.setup()


def drop_database() -> None:
    from django.db import connections

    url = os.environ["DATABASE_URL"]
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    connections.close_all()
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def timed(function, repeat: int) -> tuple[float, int]:
    """Median seconds of `repeat` runs, and the SQL queries of one (counted by an
    execute wrapper: Django's query log keeps only the last 9,000)."""
    from django.db import connection

    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    seconds = []
    for _ in range(repeat):
        count = 0
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            function()
            seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), count


RAW_AGGREGATE = """
SELECT p.instrument_id,
       SUM(CASE WHEN c.status IN ('submitted', 'under_verification', 'returned', 'approved', 'paid')
                THEN i.claimed_amount END) AS claimed,
       SUM(CASE WHEN c.status IN ('approved', 'paid') THEN i.eligible_amount END) AS verified
FROM grants_expenditureitem i
JOIN grants_paymentclaim c ON c.id = i.claim_id
JOIN grants_project p ON p.id = c.project_id
GROUP BY p.instrument_id
"""


def load(projects: int, claims: int, items_per_claim: int) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command(
        "generate_load",
        projects=projects,
        claims_per_project=claims,
        items_per_claim=items_per_claim,
        batch_size=2000,
        stdout=open(os.devnull, "w"),  # noqa: SIM115
    )
    return time.perf_counter() - started


def analyze() -> None:
    """Planner statistics after a bulk load (autovacuum may not have run yet)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=1_000_000, help="Expenditure items wanted (at least).")
    parser.add_argument("--repeat", type=int, default=5, help="Runs of each measurement; the median counts.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    args = parser.parse_args()
    prepare_environment()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from core.models import Role, User
    from core.queries import sum_subquery
    from grants.models import CLAIM_OPEN_FOR_OFFICER, ExpenditureItem, PaymentClaim, Project
    from grants.selectors.budget import budget_rollup

    try:
        from grants.selectors.claims import claims_queue
    except ImportError:
        claims_queue = None

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    items_per_claim = max(1, math.ceil(args.items / (args.projects * CLAIMS_PER_PROJECT * STARTED_SHARE)))
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - started:.1f} s", flush=True)
        officer = User.objects.create_user(username="bench-officer", password=None, role=Role.OFFICER)
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        client.force_login(officer)

        def sample_project() -> Project:
            """A project with claims in several statuses, the page's worst case."""
            project_id = (
                PaymentClaim.objects.filter(status__in=CLAIM_OPEN_FOR_OFFICER).values("project_id").first()
                or PaymentClaim.objects.values("project_id").first()
            )["project_id"]
            return Project.objects.get(pk=project_id)

        def page_of(project: Project):
            url = reverse("project-detail", args=[project.pk])

            def page():
                response = client.get(url)
                assert response.status_code == 200, response.status_code
                return len(response.content)

            return page

        def rollup():
            return budget_rollup("instrument")

        # Query counts at two sizes, before the big load.
        counts = {}
        loaded = 0
        for size in (10, 1000):
            load(size - loaded, CLAIMS_PER_PROJECT, items_per_claim)
            loaded = size
            page = page_of(sample_project())
            page()  # warm: templates, translations
            counts[size] = (timed(page, 1)[1], timed(rollup, 1)[1])
        remaining = args.projects - loaded
        seconds = load(remaining, CLAIMS_PER_PROJECT, items_per_claim) if remaining > 0 else 0.0
        analyze()
        n_projects = Project.objects.count()
        n_claims = PaymentClaim.objects.count()
        n_items = ExpenditureItem.objects.count()
        print(
            f"data: {n_projects:,} projects, {n_claims:,} claims, {n_items:,} expenditure items "
            f"({CLAIMS_PER_PROJECT} claims × {items_per_claim} items per started project); "
            f"last load {seconds:.1f} s",
            flush=True,
        )

        def raw():
            with connection.cursor() as cursor:
                cursor.execute(RAW_AGGREGATE)
                return cursor.fetchall()

        today = timezone.localdate()
        if claims_queue is not None:
            queue_label = "claims queue (claims_queue, first 50)"

            def queue():
                return list(claims_queue(today)[:50])
        else:
            queue_label = "claims queue (EQUIVALENT query: no claims_queue yet)"

            def queue():
                items = ExpenditureItem.objects.all()
                return list(
                    PaymentClaim.objects.filter(status__in=CLAIM_OPEN_FOR_OFFICER)
                    .select_related("project")
                    .annotate(
                        claimed_total=sum_subquery(items, "claim", "claimed_amount"),
                        eligible_total=sum_subquery(items, "claim", "eligible_amount"),
                    )
                    .order_by("submitted_at", "pk")[:50]
                )

        page = page_of(sample_project())
        page()
        rollup()
        raw()
        rollup_s, rollup_q = timed(rollup, args.repeat)
        raw_s, raw_q = timed(raw, args.repeat)
        page_s, page_q = timed(page, args.repeat)
        queue_s, queue_q = timed(queue, args.repeat)
        ratio = rollup_s / raw_s if raw_s else float("inf")

        print()
        print(f"Roll-up benchmark ({engine}, {n_projects:,} projects, {n_items:,} expenditure items)")
        print(f"  {'instrument roll-up (budget_rollup)':<52} {rollup_s * 1000:9.1f} ms  {rollup_q:6d} queries")
        print(f"  {'raw SQL aggregate (items ⋈ claims ⋈ projects)':<52} {raw_s * 1000:9.1f} ms  {raw_q:6d} queries")
        print(f"  {'project page (GET project-detail, officer)':<52} {page_s * 1000:9.1f} ms  {page_q:6d} queries")
        print(f"  {queue_label:<52} {queue_s * 1000:9.1f} ms  {queue_q:6d} queries")
        verdict = "ok" if ratio <= GOAL_ROLLUP_OVER_RAW else "MISSED"
        print(f"  roll-up ÷ raw: {ratio:.2f}× (goal ≤ {GOAL_ROLLUP_OVER_RAW:.0f}×) {verdict}")
        for what, index in (("project page", 0), ("instrument roll-up", 1)):
            small, large = counts[10][index], counts[1000][index]
            same = "equal" if small == large else "DIFFERENT"
            print(f"  {what} queries: {small} with 10 projects, {large} with 1,000 ({same})")
    finally:
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
