"""Benchmark of the selection (issue 8, "Performance"): a closed call with 5,000
evaluated applications in 10 envelopes (5 with a budget of their own, 5
sharing the rest of the call's), 3 evaluators on each with criterion scores.
It prints the time and SQL query count of

- the ranking page (GET manage:ranking through the Django test client as an
  officer; where that page is not there yet, the ranking selector alone),
- the funding decision (grants.services.selection.call_decide, which contracts
  every approved application's project),
- one raw SQL ranking query on the same data (ROW_NUMBER() OVER (PARTITION BY
  envelope ORDER BY score DESC, submitted_at, number)), and the ratio
  page ÷ raw (goal: at most 3×).

    .venv/bin/python benchmarks/selection_bench.py [--applications 5000] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fondas_bench .venv/bin/python benchmarks/selection_bench.py

The data live in a throwaway database: a SQLite file in FONDAS_BENCH_DIR
(default var/bench), or, when DATABASE_URL names a PostgreSQL database, a
sibling database `<name>_bench` (dropped and created again; the named database
is not touched), as benchmarks/report_bench.py does. Rows are bulk-inserted;
a run takes a minute or two."""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

GOAL_PAGE_OVER_RAW = 3.0
VILNIUS = ZoneInfo("Europe/Vilnius")
ENVELOPES = 10
EVALUATORS = 3


def prepare_environment() -> None:
    from report_bench import _postgres_bench_url, bench_dir

    folder = bench_dir()
    folder.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = _postgres_bench_url(url)
    else:
        database = folder / "selection_bench.sqlite3"
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


def build(n_applications: int):
    """The call and its applications, evaluated; returns (call, officer)."""
    from clusters.models import Organisation, OrganisationType
    from core.models import Role, User
    from grants.demo import ensure_cost_categories, load_seed_facts
    from grants.models import (
        Application,
        ApplicationBudgetLine,
        ApplicationStatus,
        AssignmentStatus,
        Call,
        CallStatus,
        CriterionScore,
        Envelope,
        EvaluationCriterion,
        EvaluatorAssignment,
    )
    from grants.services import call_create, instrument_create, programme_create
    from grants.services.selection import evaluator_score, mean_score

    rng = random.Random(8)
    now = datetime.now(tz=VILNIUS)
    categories = ensure_cost_categories(load_seed_facts()["demo_assumptions"]["cost_categories"])
    staff = categories["STAFF"]
    officer = User.objects.create_user(username="bench-officer", password=None, role=Role.OFFICER)
    applicant = User.objects.create_user(username="bench-applicant", password=None, role=Role.APPLICANT)
    evaluators = [
        User.objects.create_user(username=f"bench-evaluator-{i}", password=None, role=Role.EVALUATOR)
        for i in range(EVALUATORS)
    ]
    programme = programme_create(
        actor=None,
        code="BENCH",
        name_lt="Atrankos bandymas",
        period_start=now.date() - timedelta(days=3650),
        period_end=now.date() + timedelta(days=3650),
    )
    instrument = instrument_create(
        actor=None,
        programme=programme,
        code="BENCH",
        name_lt="Atrankos bandymo priemonė",
        allocation_amount=Decimal("2000000000.00"),
        funding_rate=Decimal("70.00"),
        max_grant_amount=Decimal("400000.00"),
        state_aid_regime="gber",
        cost_categories=[staff],
    )
    call = call_create(
        actor=None,
        instrument=instrument,
        code="BENCH-01",
        title_lt="Atrankos bandymo kvietimas",
        budget_amount=Decimal("600000000.00"),
        opens_at=now - timedelta(days=120),
        closes_at=now - timedelta(days=60),
        funding_rate=Decimal("70.00"),
        max_grant_amount=Decimal("400000.00"),
        min_own_contribution_percent=Decimal("30.00"),
        eligible_applicant_types=[OrganisationType.NGO],
        quality_threshold=Decimal("60.00"),
    )
    Call.objects.filter(pk=call.pk).update(status=CallStatus.CLOSED)
    call.refresh_from_db()
    # Budgets of about a third of what the applications ask: every list is cut.
    per_envelope = n_applications // ENVELOPES * Decimal("250000") / 3
    envelopes = Envelope.objects.bulk_create(
        [
            Envelope(
                call=call,
                code=f"E{i:02d}",
                name_lt=f"Vokas {i}",
                budget_amount=per_envelope.quantize(Decimal("0.01")) if i < ENVELOPES // 2 else None,
                funding_rate=Decimal("70.00"),
                max_grant_amount=Decimal("400000.00"),
            )
            for i in range(ENVELOPES)
        ]
    )
    Call.objects.filter(pk=call.pk).update(budget_amount=per_envelope * ENVELOPES)
    call.refresh_from_db()
    criteria = EvaluationCriterion.objects.bulk_create(
        [
            EvaluationCriterion(call=call, code=f"K{i}", name_lt=f"Kriterijus {i}", weight=w, max_score=10)
            for i, w in enumerate((Decimal(30), Decimal(30), Decimal(25), Decimal(15)), start=1)
        ]
    )
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"Asociacija „Bandymas {i}“",
                legal_code=f"{300000000 + i}",
                organisation_type=OrganisationType.NGO,
                region="vilnius",
            )
            for i in range(n_applications // 5)
        ]
    )
    started = now - timedelta(days=100)
    scores = []
    applications = []
    for i in range(n_applications):
        eligible = Decimal(rng.randint(100_000, 500_000))
        grant = min((eligible * Decimal("0.7")).quantize(Decimal("0.01")), Decimal("400000.00"))
        evaluation = [[Decimal(rng.randint(3, 10)) for _ in criteria] for _ in range(EVALUATORS)]
        per_evaluator = [
            evaluator_score([(s, c.max_score, c.weight) for s, c in zip(row, criteria, strict=True)])
            for row in evaluation
        ]
        scores.append((evaluation, per_evaluator))
        applications.append(
            Application(
                call=call,
                envelope=envelopes[i % ENVELOPES],
                applicant=organisations[i % len(organisations)],
                created_by=applicant,
                status=ApplicationStatus.EVALUATED,
                number=f"BENCH-01-{i + 1:05d}",
                submitted_at=started + timedelta(minutes=7 * i),
                title=f"Projektas {i + 1}",
                summary="Bandymas.",
                start_date=now.date() + timedelta(days=90),
                end_date=now.date() + timedelta(days=800),
                eligible_cost=eligible,
                grant_requested=grant,
                own_contribution=eligible - grant,
                de_minimis_received=Decimal(0),
                declares_no_double_funding=True,
                declares_data_accurate=True,
                score=mean_score(per_evaluator),
            )
        )
    Application.objects.bulk_create(applications, batch_size=1000)
    ApplicationBudgetLine.objects.bulk_create(
        [ApplicationBudgetLine(application=a, cost_category=staff, amount=a.eligible_cost) for a in applications],
        batch_size=2000,
    )
    assignments = []
    for application, (_, per_evaluator) in zip(applications, scores, strict=True):
        for evaluator, score in zip(evaluators, per_evaluator, strict=True):
            assignments.append(
                EvaluatorAssignment(
                    application=application,
                    evaluator=evaluator,
                    status=AssignmentStatus.COMPLETED,
                    assigned_by=officer,
                    assigned_at=started,
                    declared_at=started,
                    completed_at=started,
                    score=score,
                )
            )
    EvaluatorAssignment.objects.bulk_create(assignments, batch_size=2000)
    rows = []
    for k, assignment in enumerate(assignments):
        evaluation = scores[k // EVALUATORS][0][k % EVALUATORS]
        rows += [
            CriterionScore(assignment=assignment, criterion=c, score=s)
            for c, s in zip(criteria, evaluation, strict=True)
        ]
    CriterionScore.objects.bulk_create(rows, batch_size=5000)
    return call, officer


RAW_RANKING = """
SELECT id, envelope_id, score, grant_requested,
       ROW_NUMBER() OVER (PARTITION BY envelope_id ORDER BY score DESC, submitted_at, number) AS rank,
       SUM(grant_requested) OVER (
           PARTITION BY envelope_id ORDER BY score DESC, submitted_at, number ROWS UNBOUNDED PRECEDING
       ) AS cumulative
FROM grants_application
WHERE call_id = %s AND status IN ('evaluated', 'approved', 'reserve', 'rejected')
ORDER BY envelope_id, rank
"""


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5, help="Runs of the page and the raw query; the median counts.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    args = parser.parse_args()
    prepare_environment()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from grants.models import Application
    from grants.selectors.ranking import ranking
    from grants.services.selection import call_decide

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        call, officer = build(args.applications)
        print(
            f"data: {args.applications:,} applications, {ENVELOPES} envelopes, {EVALUATORS} evaluators each: "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )

        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        client = Client()
        client.force_login(officer)
        try:
            url = reverse("manage:ranking", args=[call.pk])
        except NoReverseMatch:
            url = None

        def page():
            if url is None:
                pools = ranking(call)
                return sum(len(p.rows) for p in pools)
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return len(response.content)

        def raw():
            with connection.cursor() as cursor:
                cursor.execute(RAW_RANKING, [call.pk])
                return cursor.fetchall()

        page()  # warm: templates, translations
        page_s, page_q = timed(page, args.repeat)
        raw_s, raw_q = timed(raw, args.repeat)
        selector_s, selector_q = timed(lambda: ranking(call), args.repeat)
        decide_s, decide_q = timed(lambda: call_decide(actor=officer, call=call, reasons="Bandymas."), 1)

        outcome = dict(Application.objects.filter(call=call).values_list("status").annotate(n=Count("pk")))
        ratio = page_s / raw_s if raw_s else float("inf")
        print()
        print(f"Selection benchmark ({engine}, {args.applications:,} applications)")
        what = "ranking page (GET manage:ranking)" if url else "ranking selector (no ranking page yet)"
        print(f"  {what:<44} {page_s * 1000:9.1f} ms  {page_q:6d} queries")
        print(f"  {'ranking selector alone':<44} {selector_s * 1000:9.1f} ms  {selector_q:6d} queries")
        print(f"  {'raw SQL ranking (ROW_NUMBER window)':<44} {raw_s * 1000:9.1f} ms  {raw_q:6d} queries")
        print(f"  {'decision (call_decide)':<44} {decide_s * 1000:9.1f} ms  {decide_q:6d} queries")
        verdict = "ok" if ratio <= GOAL_PAGE_OVER_RAW else "MISSED"
        print(f"  page ÷ raw: {ratio:.1f}× (goal ≤ {GOAL_PAGE_OVER_RAW:.0f}×) {verdict}")
        print(f"  outcome: {', '.join(f'{status} {n:,}' for status, n in sorted(outcome.items()))}")
    finally:
        if not args.keep and engine.startswith("postgres"):
            from report_bench import drop_postgres_bench_database

            connection.close()
            drop_postgres_bench_database()


if __name__ == "__main__":
    main()
