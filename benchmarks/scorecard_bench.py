"""Benchmark of the national scorecard (issue 10): 5,000 clusters established
from 2005 to this year, 100,000 memberships, and labels, networks, strategy
flags, maturity assessments and activities in proportion, bulk-inserted. It
prints the time and SQL query count of

- the scorecard selector (clusters.selectors.scorecard.scorecard: every target
  today and its trend as of 31 December of each year since the first cluster),
- the scorecard page (GET /clusters/scorecard/ as an officer: the selector and
  the SVG charts),
- ONE raw SQL query computing the same current values (today only, conditional
  aggregation over the clusters), and the ratio selector ÷ raw (goal ≤ 3×).

    .venv/bin/python benchmarks/scorecard_bench.py [--clusters 5000] [--keep]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fondas_scorebench .venv/bin/python benchmarks/scorecard_bench.py

The data live in a throwaway database: a SQLite file in FONDAS_BENCH_DIR
(default var/bench), or the PostgreSQL database DATABASE_URL names, which is
DROPPED and created again (give it a name of its own, e.g. fondas_scorebench)."""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_SELECTOR_OVER_RAW = 3.0
MEMBERS_PER_CLUSTER = 20


def bench_dir() -> Path:
    return Path(os.environ.get("FONDAS_BENCH_DIR") or ROOT / "var" / "bench")


def _postgres_recreate(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def _postgres_drop(url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def prepare_environment() -> None:
    folder = bench_dir()
    folder.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        _postgres_recreate(url)
    else:
        database = folder / "scorecard_bench.sqlite3"
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


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


def build(n_clusters: int, today: date) -> dict[str, int]:
    """The registry, bulk-inserted; returns the row counts."""
    from clusters.models import (
        ActivityKind,
        Cluster,
        ClusterActivity,
        ClusterCommitment,
        ClusterMember,
        CommitmentKind,
        ExcellenceLabel,
        LabelLevel,
        MaturityAssessment,
        NetworkMembership,
        Organisation,
        OrganisationType,
        Region,
    )

    rng = random.Random(10)
    n_orgs = n_clusters * 4
    Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"UAB Įmonė {i}",
                legal_code=f"3{i:08d}",
                organisation_type=OrganisationType.SME,
                is_sme=True,
                region=Region.VILNIUS,
            )
            for i in range(n_orgs)
        ],
        batch_size=5000,
    )
    org_ids = list(Organisation.objects.values_list("pk", flat=True))
    last = today - timedelta(days=1)
    clusters = [
        Cluster(
            name=f"Klasteris {i}",
            coordinator_id=org_ids[i],
            established_on=_day(rng, date(2005, 1, 1), last),
            is_new_initiative=rng.random() < 0.2,
            dissolved_on=None,
        )
        for i in range(n_clusters)
    ]
    for cluster in rng.sample(clusters, n_clusters // 50):  # some dissolved
        cluster.dissolved_on = _day(rng, cluster.established_on + timedelta(days=365), today + timedelta(days=365))
    Cluster.objects.bulk_create(clusters, batch_size=5000)
    clusters = list(Cluster.objects.order_by("pk").only("pk", "established_on"))
    members, labels, networks, commitments, assessments, activities = [], [], [], [], [], []
    kinds = list(CommitmentKind.values)
    for cluster in clusters:
        start = cluster.established_on
        for org in rng.sample(org_ids, MEMBERS_PER_CLUSTER):
            joined = _day(rng, start, last)
            left = _day(rng, joined, today + timedelta(days=900)) if rng.random() < 0.15 else None
            members.append(ClusterMember(cluster_id=cluster.pk, organisation_id=org, joined_on=joined, left_on=left))
        if rng.random() < 0.3:
            awarded = _day(rng, start, last)
            level = rng.choice([LabelLevel.BRONZE, LabelLevel.SILVER, LabelLevel.GOLD])
            labels.append(
                ExcellenceLabel(
                    cluster_id=cluster.pk, level=level, awarded_on=awarded, valid_until=awarded + timedelta(days=730)
                )
            )
        for k in range(rng.choice([0, 1, 1, 2])):
            joined = _day(rng, start, last)
            left = _day(rng, joined, today + timedelta(days=900)) if rng.random() < 0.3 else None
            networks.append(
                NetworkMembership(cluster_id=cluster.pk, network=f"Tinklas {k}", joined_on=joined, left_on=left)
            )
        for kind in kinds:
            if rng.random() < 0.6:
                started = _day(rng, start, last)
                ended = _day(rng, started, today + timedelta(days=900)) if rng.random() < 0.2 else None
                commitments.append(
                    ClusterCommitment(cluster_id=cluster.pk, kind=kind, started_on=started, ended_on=ended)
                )
        days = sorted({_day(rng, start, last) for _ in range(3)})
        for level, day in enumerate(days, start=1):
            assessments.append(
                MaturityAssessment(cluster_id=cluster.pk, level=min(level + rng.randint(0, 1), 4), assessed_on=day)
            )
        for _ in range(4):
            kind = rng.choice([ActivityKind.TRAINING, ActivityKind.CONSULTATION, ActivityKind.MATURITY_SESSION])
            activities.append(
                ClusterActivity(cluster_id=cluster.pk, kind=kind, held_on=_day(rng, start, last), title="Veikla")
            )
    for model, rows in (
        (ClusterMember, members),
        (ExcellenceLabel, labels),
        (NetworkMembership, networks),
        (ClusterCommitment, commitments),
        (MaturityAssessment, assessments),
        (ClusterActivity, activities),
    ):
        model.objects.bulk_create(rows, batch_size=5000)
    return {
        "organisations": n_orgs,
        "clusters": len(clusters),
        "memberships": len(members),
        "labels": len(labels),
        "networks": len(networks),
        "commitments": len(commitments),
        "assessments": len(assessments),
        "activities": len(activities),
    }


def raw_current_values(day: date) -> tuple:
    """ONE query: the same current values as the scorecard's (today only)."""
    from django.db import connection

    from clusters.selectors.scorecard import year_before

    sql = """
    SELECT COUNT(*),
      SUM(CASE WHEN c.is_new_initiative THEN 1 ELSE 0 END),
      SUM(CASE WHEN EXISTS (SELECT 1 FROM clusters_networkmembership n WHERE n.cluster_id = c.id
          AND n.joined_on <= %(d)s AND (n.left_on IS NULL OR n.left_on > %(d)s)) THEN 1 ELSE 0 END),
      SUM(CASE WHEN EXISTS (SELECT 1 FROM clusters_excellencelabel l WHERE l.cluster_id = c.id AND l.level = 'gold'
          AND l.awarded_on <= %(d)s AND l.valid_until > %(d)s) THEN 1 ELSE 0 END),
      SUM(CASE WHEN EXISTS (SELECT 1 FROM clusters_clustercommitment k WHERE k.cluster_id = c.id
          AND k.kind = 'circular_economy' AND k.started_on <= %(d)s AND (k.ended_on IS NULL OR k.ended_on > %(d)s))
          THEN 1 ELSE 0 END),
      SUM(CASE WHEN EXISTS (SELECT 1 FROM clusters_clustercommitment k WHERE k.cluster_id = c.id
          AND k.kind = 'digitisation' AND k.started_on <= %(d)s AND (k.ended_on IS NULL OR k.ended_on > %(d)s))
          THEN 1 ELSE 0 END),
      SUM(CASE WHEN c.is_new_initiative AND EXISTS (SELECT 1 FROM clusters_clustercommitment k
          WHERE k.cluster_id = c.id AND k.kind = 'sustainability' AND k.started_on <= %(d)s
          AND (k.ended_on IS NULL OR k.ended_on > %(d)s)) THEN 1 ELSE 0 END),
      SUM(CASE WHEN EXISTS (SELECT 1 FROM clusters_clustercommitment k WHERE k.cluster_id = c.id
          AND k.kind = 'pact_for_skills' AND k.started_on <= %(d)s AND (k.ended_on IS NULL OR k.ended_on > %(d)s))
          THEN 1 ELSE 0 END),
      SUM(CASE WHEN (SELECT m.level FROM clusters_maturityassessment m WHERE m.cluster_id = c.id
          AND m.assessed_on <= %(d)s ORDER BY m.assessed_on DESC LIMIT 1) = 4 THEN 1 ELSE 0 END),
      SUM((SELECT COUNT(*) FROM clusters_clusteractivity a WHERE a.cluster_id = c.id AND a.kind = 'training'
          AND a.held_on > %(since)s AND a.held_on <= %(d)s))
    FROM clusters_cluster c
    WHERE c.established_on <= %(d)s AND (c.dissolved_on IS NULL OR c.dissolved_on > %(d)s)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"d": day, "since": year_before(day)})
        return tuple(int(v or 0) for v in cursor.fetchone())


def _timed(function, repeat: int) -> tuple[float, int, object]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, result = [], 0, None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = function()
            times.append(time.perf_counter() - started)
        queries = len(captured)
    return statistics.median(times), queries, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5, help="Runs of each measurement; the median counts.")
    parser.add_argument("--keep", action="store_true", help="Keep the benchmark database afterwards.")
    args = parser.parse_args()
    prepare_environment()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from clusters.selectors.scorecard import scorecard
    from core.models import Role, User

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    try:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - started:.1f} s", flush=True)
        today = timezone.localdate()
        started = time.perf_counter()
        counts = build(args.clusters, today)
        print(
            "data: "
            + ", ".join(f"{n:,} {what}" for what, n in counts.items())
            + f": {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        if engine == "postgresql":
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

        selector_s, selector_q, card = _timed(lambda: scorecard(today), args.repeat)
        raw_s, raw_q, raw = _timed(lambda: raw_current_values(today), args.repeat)
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        officer = User.objects.create_user(username="bench-officer", role=Role.OFFICER)
        client = Client()
        client.force_login(officer)

        def page():
            response = client.get("/clusters/scorecard/")
            assert response.status_code == 200, response.status_code
            return response

        page_s, page_q, _response = _timed(page, args.repeat)

        # The selector and the raw query agree on today's values.
        t = {target.id: target for target in card.targets}
        ours = (
            card.cluster_count,
            card.new_initiatives,
            t["networks"].part,
            t["gold_label"].part,
            t["circular"].part,
            t["digital"].part,
            t["sustainability"].part,
            t["pact_for_skills"].part,
            t["mature"].part,
            t["training"].part,
        )
        assert ours == raw, (ours, raw)
        ratio = selector_s / raw_s if raw_s else float("inf")
        verdict = "OK" if ratio <= GOAL_SELECTOR_OVER_RAW else "ABOVE GOAL"
        print()
        print(f"Scorecard benchmark ({engine}, {counts['clusters']:,} clusters, {len(card.trend_days)} trend days)")
        print(f"  {'scorecard selector (today + trend)':<44} {selector_s * 1000:9.1f} ms  {selector_q:6d} queries")
        print(f"  {'scorecard page (GET, charts)':<44} {page_s * 1000:9.1f} ms  {page_q:6d} queries")
        print(f"  {'raw SQL, current values only (1 query)':<44} {raw_s * 1000:9.1f} ms  {raw_q:6d} queries")
        print(f"  selector ÷ raw: {ratio:.1f}× (goal ≤ {GOAL_SELECTOR_OVER_RAW:.0f}×) {verdict}")
        print("  today: " + ", ".join(f"{t.id} {t.value}" for t in card.targets))
    finally:
        if not args.keep and engine == "postgresql":
            _postgres_drop(os.environ["DATABASE_URL"])


if __name__ == "__main__":
    main()
