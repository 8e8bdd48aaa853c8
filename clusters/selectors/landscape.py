"""The cluster landscape on a day measured against the national targets of the
cluster policy (clusters/data/national_targets.json)."""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterMember,
    ExcellenceLabel,
    LabelLevel,
    NetworkMembership,
)
from core.i18n import LITHUANIAN, active_language
from core.money import percent

if TYPE_CHECKING:
    from clusters.selectors.scorecard import Scorecard

NATIONAL_TARGETS_PATH = Path(__file__).resolve().parent.parent / "data" / "national_targets.json"


@dataclass(frozen=True)
class NationalTarget:
    """A target of the national cluster policy: `comparison` is '>' or '>='.
    `text_en` is the published wording, `text_lt` its Lithuanian one (blank
    when the data has none: the English wording is then shown)."""

    id: str
    text_en: str
    comparison: str
    value: Decimal
    unit: str
    text_lt: str = ""

    @property
    def text(self) -> str:
        """The wording in the active language."""
        return self.text_lt if active_language() == LITHUANIAN and self.text_lt else self.text_en


@cache
def national_targets(path: Path | None = None) -> tuple[NationalTarget, ...]:
    """The published targets, in the order the policy lists them."""
    data = json.loads((path or NATIONAL_TARGETS_PATH).read_text(encoding="utf-8"))
    return tuple(
        NationalTarget(
            id=item["id"],
            text_en=item["text"],
            text_lt=item.get("text_lt", ""),
            comparison=item["comparison"],
            value=Decimal(str(item["value"])),
            unit=item["unit"],
        )
        for item in data["national_targets"]
    )


@dataclass(frozen=True)
class LabelCount:
    level: str
    label: str
    clusters: int


@dataclass(frozen=True)
class Landscape:
    """The registry on a day for the programme report's chapter: the counts
    below, and the national scorecard (clusters.selectors.scorecard) whose
    targets, trends and charts the chapter shows, so that the report and the
    scorecard page never disagree."""

    cluster_count: int
    member_organisations: int
    new_initiatives: int
    labelled_clusters: int
    labels: list[LabelCount]
    network_clusters: int
    network_memberships: int
    activities: dict[str, int]
    scorecard: "Scorecard"

    @property
    def targets(self) -> list:
        return self.scorecard.targets

    @property
    def network_share(self) -> Decimal | None:
        return percent(self.network_clusters, self.cluster_count)


def _active_on(day: date) -> Q:
    return Q(left_on__isnull=True) | Q(left_on__gt=day)


def _alive_on(day: date, prefix: str = "") -> Q:
    """Clusters established by `day` and not dissolved by it."""
    return Q(**{f"{prefix}established_on__lte": day}) & (
        Q(**{f"{prefix}dissolved_on__isnull": True}) | Q(**{f"{prefix}dissolved_on__gt": day})
    )


def cluster_landscape(day: date) -> Landscape:
    """The clusters that exist on `day` (established by it, not dissolved), their
    members, networks, labels and activities on that day, and the national
    scorecard as of that day. Labels and texts are in the active language."""
    from clusters.selectors.scorecard import scorecard

    active_network = NetworkMembership.objects.filter(cluster=OuterRef("pk"), joined_on__lte=day).filter(
        _active_on(day)
    )
    clusters = (
        Cluster.objects.filter(_alive_on(day))
        .annotate(in_network=Exists(active_network))
        .aggregate(
            total=Count("pk"),
            new=Count("pk", filter=Q(is_new_initiative=True)),
            networks=Count("pk", filter=Q(in_network=True)),
        )
    )
    network_memberships = (
        NetworkMembership.objects.filter(_alive_on(day, "cluster__"), joined_on__lte=day)
        .filter(_active_on(day))
        .count()
    )
    members = (
        ClusterMember.objects.filter(_alive_on(day, "cluster__"), joined_on__lte=day)
        .filter(_active_on(day))
        .aggregate(n=Count("organisation", distinct=True))["n"]
    )
    valid_labels = ExcellenceLabel.objects.filter(_alive_on(day, "cluster__"), awarded_on__lte=day, valid_until__gt=day)
    by_level = {
        row["level"]: row["n"]
        for row in valid_labels.order_by().values("level").annotate(n=Count("cluster", distinct=True))
    }
    labelled = valid_labels.aggregate(n=Count("cluster", distinct=True))["n"]
    activities = {
        row["kind"]: row["n"]
        for row in ClusterActivity.objects.filter(_alive_on(day, "cluster__"), held_on__lte=day)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
    }
    return Landscape(
        cluster_count=clusters["total"],
        member_organisations=members,
        new_initiatives=clusters["new"],
        labelled_clusters=labelled,
        labels=[LabelCount(level=v, label=str(label), clusters=by_level.get(v, 0)) for v, label in LabelLevel.choices],
        network_clusters=clusters["networks"],
        network_memberships=network_memberships,
        activities={str(label): activities.get(kind, 0) for kind, label in ActivityKind.choices},
        scorecard=scorecard(day),
    )
