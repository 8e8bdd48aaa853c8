"""The national cluster-policy scorecard: every national target
(clusters/data/national_targets.json) computed live from the dated records of
the cluster registry as of a day, with its trend (the value as of 31 December
of each year from the first cluster's year to last year, plus the day itself),
the EU benchmarks beside it, and the clusters behind each figure.

The ONE selector behind the scorecard page, its API, the scorecard report and
the programme report's landscape chapter. Nothing is snapshotted: a value on a
past day is read from the records' start and end dates.

Definitions, as of a day D (docs/domain.md, "The national scorecard"):
- a cluster counts when established_on <= D and it is not dissolved
  (dissolved_on blank or after D);
- a dated record (network membership, strategy commitment) holds on D when it
  started on or before D and has not ended (end blank or after D); a label is
  valid when awarded_on <= D < valid_until;
- maturity on D is the level of the latest assessment on or before D;
- training initiatives are activities of kind "training" held in the 12 months
  up to D (after the same day a year earlier, up to and including D).

Queries: one for the first cluster's year, one computing every target for every
trend day at once (a derived table of the days joined with each record
family and grouped by day): two in all, whatever the number of clusters and years."""

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import connection
from django.db.models import Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterCommitment,
    CommitmentKind,
    ExcellenceLabel,
    LabelLevel,
    MaturityAssessment,
    MaturityLevel,
    NetworkMembership,
)
from clusters.selectors.landscape import NationalTarget, national_targets
from core.money import percent

EU_BENCHMARKS_PATH = Path(__file__).resolve().parent.parent / "data" / "eu_benchmarks.json"

# Target ids the registry measures (the others in the data file show "not measured").
SHARE_TARGETS = ("networks", "circular", "digital", "mature")
TARGET_IDS = (
    "networks",
    "gold_label",
    "circular",
    "sustainability",
    "digital",
    "pact_for_skills",
    "training",
    "mature",
)
COMMITMENT_OF = {
    "circular": CommitmentKind.CIRCULAR_ECONOMY,
    "digital": CommitmentKind.DIGITISATION,
    "sustainability": CommitmentKind.SUSTAINABILITY,
    "pact_for_skills": CommitmentKind.PACT_FOR_SKILLS,
}


def scorecard_today() -> date:
    """Today in Vilnius (settings.TIME_ZONE)."""
    return timezone.localdate()


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class TrendPoint:
    day: date
    value: Decimal | None
    # True for the scorecard's own day (the last point), False for a 31 December.
    is_day: bool = False

    @property
    def label(self) -> str:
        return self.day.isoformat() if self.is_day else str(self.day.year)


@dataclass(frozen=True)
class ScorecardTarget:
    """A national target and the registry against it on the day. `part` and
    `whole` are the counts behind a share (whole None for a count target);
    `clusters` is the number of clusters behind the value (the registry list's
    `?target=<id>` shows them)."""

    id: str
    text: str
    comparison: str
    target: Decimal
    unit: str
    value: Decimal | None
    part: int | None
    whole: int | None
    clusters: int | None
    basis: str
    measured: bool
    trend: list[TrendPoint] = field(default_factory=list)

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value > self.target if self.comparison == ">" else self.value >= self.target

    @property
    def is_percent(self) -> bool:
        return self.unit.startswith("%")

    @property
    def actual(self) -> Decimal | None:
        """The name the landscape chapter used for the value."""
        return self.value

    @property
    def comparison_sign(self) -> str:
        return "≥" if self.comparison == ">=" else ">"


@dataclass(frozen=True)
class EuShare:
    key: str
    label: str
    clusters: int
    share: Decimal


@dataclass(frozen=True)
class EuPremium:
    key: str
    label: str
    percent: Decimal


@dataclass(frozen=True)
class EuBenchmarks:
    total: int
    shares: list[EuShare]
    premiums: list[EuPremium]
    source: str


@dataclass(frozen=True)
class Scorecard:
    day: date
    cluster_count: int
    new_initiatives: int
    targets: list[ScorecardTarget]
    trend_days: list[date]
    eu: EuBenchmarks

    @property
    def is_empty(self) -> bool:
        return self.cluster_count == 0

    @property
    def met_count(self) -> int:
        return sum(1 for t in self.targets if t.met)

    @property
    def measured_count(self) -> int:
        return sum(1 for t in self.targets if t.value is not None)

    def target(self, target_id: str) -> ScorecardTarget | None:
        return next((t for t in self.targets if t.id == target_id), None)


@cache
def _eu_data(path: Path | None = None) -> dict:
    return json.loads((path or EU_BENCHMARKS_PATH).read_text(encoding="utf-8"))


def eu_benchmarks() -> EuBenchmarks:
    """The EU benchmarks (European Cluster Panorama figures as published, see
    clusters/data/eu_benchmarks.json): shares of high-, medium- and basic-performing
    regional industrial clusters in Europe, computed as % of all, and the
    productivity premiums. Labels in the active language."""
    data = _eu_data()["eu_benchmarks"]
    total = int(data["regional_industrial_clusters"])
    shares = [
        EuShare("high", _("High-performing clusters"), int(data["high_performing"]), Decimal(0)),
        EuShare("medium", _("Medium-performing clusters"), int(data["medium_performing"]), Decimal(0)),
        EuShare("basic", _("Basic-performing clusters"), int(data["basic_performing"]), Decimal(0)),
    ]
    shares = [EuShare(s.key, s.label, s.clusters, percent(s.clusters, total)) for s in shares]
    premium = data["productivity_above_average_pct"]
    labels = {
        "all_clusters": _("All clusters"),
        "basic": _("Basic-performing clusters"),
        "medium": _("Medium-performing clusters"),
        "high": _("High-performing clusters"),
        "exporting_with_vs_without_clusters": _("Exporting regions with strong clusters vs. without"),
    }
    premiums = [EuPremium(key, labels.get(key, key), Decimal(str(value))) for key, value in premium.items()]
    return EuBenchmarks(total=total, shares=shares, premiums=premiums, source=_eu_data()["source"])


def trend_days(first_year: int | None, day: date) -> list[date]:
    """31 December of each year from `first_year` to the year before `day`, then `day`."""
    if first_year is None:
        return [day]
    return [date(year, 12, 31) for year in range(first_year, day.year) if date(year, 12, 31) < day] + [day]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _days_sql(days: list[date]) -> tuple[str, list]:
    """A derived table `days(d, since)`: each trend day and the day a year
    before it (the start of the training window, exclusive)."""
    placeholder = "(CAST(%s AS date), CAST(%s AS date))" if connection.vendor == "postgresql" else "(%s, %s)"
    params: list = []
    for day in days:
        params += [day, year_before(day)]
    return ", ".join([placeholder] * len(days)), params


def _counts_by_day(days: list[date]) -> dict[date, dict[str, int]]:
    """Every count the targets need, for every day, in one query: the clusters
    alive on each day (a join of the days with the clusters), then per record
    family one join of those with the records that hold on the day, grouped by
    day. Maturity spans run from an assessment to the next one (LEAD)."""
    cluster, network, label = _table(Cluster), _table(NetworkMembership), _table(ExcellenceLabel)
    commitment, assessment, activity = _table(ClusterCommitment), _table(MaturityAssessment), _table(ClusterActivity)
    values, params = _days_sql(days)
    kinds = {
        "circular": CommitmentKind.CIRCULAR_ECONOMY.value,
        "digital": CommitmentKind.DIGITISATION.value,
        "sustainability": CommitmentKind.SUSTAINABILITY.value,
        "pact_for_skills": CommitmentKind.PACT_FOR_SKILLS.value,
    }
    commitment_joins = "\n".join(
        f"LEFT JOIN com {name} ON {name}.d = days.d AND {name}.kind = '{kind}'" for name, kind in kinds.items()
    )
    # Only table names and the code's own constants are interpolated; the days are parameters.
    sql = f"""
    WITH days(d, since) AS (VALUES {values}),
    alive AS (
      SELECT days.d, days.since, c.id, c.is_new_initiative AS new FROM days
      JOIN {cluster} c ON c.established_on <= days.d AND (c.dissolved_on IS NULL OR c.dissolved_on > days.d)),
    base AS (SELECT d, COUNT(*) AS total, SUM(CASE WHEN new THEN 1 ELSE 0 END) AS new FROM alive GROUP BY d),
    net AS (
      SELECT a.d, COUNT(DISTINCT a.id) AS n FROM alive a JOIN {network} n ON n.cluster_id = a.id
      AND n.joined_on <= a.d AND (n.left_on IS NULL OR n.left_on > a.d) GROUP BY a.d),
    gold AS (
      SELECT a.d, COUNT(DISTINCT a.id) AS n FROM alive a JOIN {label} l ON l.cluster_id = a.id
      AND l.level = '{LabelLevel.GOLD.value}' AND l.awarded_on <= a.d AND l.valid_until > a.d GROUP BY a.d),
    com AS (
      SELECT a.d, k.kind, COUNT(DISTINCT a.id) AS n, COUNT(DISTINCT CASE WHEN a.new THEN a.id END) AS n_new
      FROM alive a JOIN {commitment} k ON k.cluster_id = a.id
      AND k.started_on <= a.d AND (k.ended_on IS NULL OR k.ended_on > a.d) GROUP BY a.d, k.kind),
    spans AS (
      SELECT cluster_id, level, assessed_on,
        LEAD(assessed_on) OVER (PARTITION BY cluster_id ORDER BY assessed_on) AS next_on FROM {assessment}),
    mat AS (
      SELECT a.d, COUNT(*) AS n FROM alive a JOIN spans m ON m.cluster_id = a.id
      AND m.level = {int(MaturityLevel.SELF_SUFFICIENT)} AND m.assessed_on <= a.d
      AND (m.next_on IS NULL OR m.next_on > a.d) GROUP BY a.d),
    tr AS (
      SELECT a.d, COUNT(*) AS n, COUNT(DISTINCT a.id) AS clusters FROM alive a JOIN {activity} t
      ON t.cluster_id = a.id AND t.kind = '{ActivityKind.TRAINING.value}'
      AND t.held_on > a.since AND t.held_on <= a.d GROUP BY a.d)
    SELECT days.d, base.total, base.new, net.n AS networks, gold.n AS gold_label,
      circular.n AS circular, digital.n AS digital, sustainability.n_new AS sustainability,
      pact_for_skills.n AS pact_for_skills, mat.n AS mature, tr.n AS training, tr.clusters AS training_clusters
    FROM days
    LEFT JOIN base ON base.d = days.d
    LEFT JOIN net ON net.d = days.d
    LEFT JOIN gold ON gold.d = days.d
    {commitment_joins}
    LEFT JOIN mat ON mat.d = days.d
    LEFT JOIN tr ON tr.d = days.d
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [col[0] for col in cursor.description]
        rows = cursor.fetchall()
    result = {}
    for row in rows:
        values_by_name = dict(zip(columns, row, strict=True))
        day = values_by_name.pop("d")
        if isinstance(day, str):  # SQLite returns the VALUES column as text
            day = date.fromisoformat(day)
        result[day] = {name: int(value or 0) for name, value in values_by_name.items()}
    return result


def _value(target_id: str, counts: dict[str, int]) -> Decimal | None:
    if target_id in SHARE_TARGETS:
        return percent(counts[target_id], counts["total"])
    if target_id == "sustainability":
        return percent(counts["sustainability"], counts["new"])
    if target_id in ("gold_label", "pact_for_skills", "training"):
        # A count is a count even of nothing, but with no cluster there is no registry to count.
        return Decimal(counts[target_id]) if counts["total"] else None
    return None


def _basis(target_id: str, counts: dict[str, int]) -> str:
    total, new = counts["total"], counts["new"]
    if target_id in SHARE_TARGETS:
        return ngettext("%(part)d of %(total)d cluster", "%(part)d of %(total)d clusters", total) % {
            "part": counts[target_id],
            "total": total,
        }
    if target_id == "sustainability":
        return ngettext("%(part)d of %(total)d new initiative", "%(part)d of %(total)d new initiatives", new) % {
            "part": counts["sustainability"],
            "total": new,
        }
    if target_id == "gold_label":
        return _("clusters with a valid Gold label")
    if target_id == "pact_for_skills":
        return _("clusters in the Pact for Skills")
    if target_id == "training":
        return ngettext(
            "trainings held in the 12 months up to the day, by %(n)d cluster",
            "trainings held in the 12 months up to the day, by %(n)d clusters",
            counts["training_clusters"],
        ) % {"n": counts["training_clusters"]}
    return _("not measured by the registry")


def _clusters_count(target_id: str, counts: dict[str, int]) -> int | None:
    if target_id == "training":
        return counts["training_clusters"]
    if target_id in TARGET_IDS:
        return counts[target_id]
    return None


def _target(target: NationalTarget, counts: dict[str, int], trend: list[TrendPoint]) -> ScorecardTarget:
    measured = target.id in TARGET_IDS
    return ScorecardTarget(
        id=target.id,
        text=target.text,
        comparison=target.comparison,
        target=target.value,
        unit=target.unit,
        value=_value(target.id, counts),
        part=counts[target.id] if measured else None,
        whole=(counts["new"] if target.id == "sustainability" else counts["total"])
        if target.id in (*SHARE_TARGETS, "sustainability")
        else None,
        clusters=_clusters_count(target.id, counts),
        basis=_basis(target.id, counts),
        measured=measured,
        trend=trend if measured else [],
    )


def scorecard(day: date | None = None) -> Scorecard:
    """The scorecard as of `day` (today in Vilnius by default): two queries."""
    day = day or scorecard_today()
    first = Cluster.objects.filter(established_on__lte=day).aggregate(first=Min("established_on"))["first"]
    days = trend_days(first.year if first else None, day)
    by_day = _counts_by_day(days)
    counts = by_day[day]
    targets = []
    for target in national_targets():
        trend = [TrendPoint(d, _value(target.id, by_day[d]), is_day=d == day) for d in days] if first else []
        targets.append(_target(target, counts, trend))
    return Scorecard(
        day=day,
        cluster_count=counts["total"],
        new_initiatives=counts["new"],
        targets=targets,
        trend_days=days if first else [],
        eu=eu_benchmarks(),
    )


def _alive(day: date) -> Q:
    return Q(established_on__lte=day) & (Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day))


def _holding(kind: str, day: date) -> Exists:
    return Exists(
        ClusterCommitment.objects.filter(cluster=OuterRef("pk"), kind=kind, started_on__lte=day).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=day)
        )
    )


def clusters_behind(target_id: str, day: date | None = None) -> QuerySet[Cluster]:
    """The clusters behind a target's value on `day` (today by default): those
    counted in its numerator (for training: the clusters that held a training in
    the 12 months up to the day). Unknown target id: ValueError."""
    if target_id not in TARGET_IDS:
        raise ValueError(f"Unknown scorecard target {target_id!r}.")
    day = day or scorecard_today()
    clusters = Cluster.objects.filter(_alive(day))
    if target_id == "networks":
        condition = Exists(
            NetworkMembership.objects.filter(cluster=OuterRef("pk"), joined_on__lte=day).filter(
                Q(left_on__isnull=True) | Q(left_on__gt=day)
            )
        )
    elif target_id == "gold_label":
        condition = Exists(
            ExcellenceLabel.objects.filter(
                cluster=OuterRef("pk"), level=LabelLevel.GOLD, awarded_on__lte=day, valid_until__gt=day
            )
        )
    elif target_id == "training":
        condition = Exists(
            ClusterActivity.objects.filter(
                cluster=OuterRef("pk"), kind=ActivityKind.TRAINING, held_on__gt=year_before(day), held_on__lte=day
            )
        )
    elif target_id == "mature":
        latest = (
            MaturityAssessment.objects.filter(cluster=OuterRef("pk"), assessed_on__lte=day)
            .order_by("-assessed_on")
            .values("level")[:1]
        )
        return clusters.annotate(latest_level=Subquery(latest)).filter(latest_level=MaturityLevel.SELF_SUFFICIENT)
    else:
        condition = _holding(COMMITMENT_OF[target_id], day)
        if target_id == "sustainability":
            clusters = clusters.filter(is_new_initiative=True)
    return clusters.filter(condition)


__all__ = [
    "EU_BENCHMARKS_PATH",
    "EuBenchmarks",
    "Scorecard",
    "ScorecardTarget",
    "TARGET_IDS",
    "TrendPoint",
    "clusters_behind",
    "eu_benchmarks",
    "scorecard",
    "trend_days",
]
