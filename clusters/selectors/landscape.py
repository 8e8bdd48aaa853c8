"""The cluster landscape on a day measured against the national targets of the
cluster policy (clusters/data/national_targets.json)."""

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterMember,
    ExcellenceLabel,
    LabelLevel,
    MaturityLevel,
    NetworkMembership,
)
from core.i18n import LITHUANIAN, active_language
from core.money import percent

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
class TargetRow:
    """A national target and where the registry stands against it; `text` and
    `basis` are in the language active when it was built."""

    text: str
    comparison: str
    target: Decimal
    unit: str
    actual: Decimal | None
    basis: str

    @property
    def met(self) -> bool | None:
        if self.actual is None:
            return None
        return self.actual > self.target if self.comparison == ">" else self.actual >= self.target

    @property
    def is_percent(self) -> bool:
        return self.unit.startswith("%")


@dataclass(frozen=True)
class LabelCount:
    level: str
    label: str
    clusters: int


@dataclass(frozen=True)
class Landscape:
    cluster_count: int
    member_organisations: int
    new_initiatives: int
    labelled_clusters: int
    labels: list[LabelCount]
    network_clusters: int
    network_memberships: int
    activities: dict[str, int]
    targets: list[TargetRow]

    @property
    def network_share(self) -> Decimal | None:
        return percent(self.network_clusters, self.cluster_count)


def _active_on(day: date) -> Q:
    return Q(left_on__isnull=True) | Q(left_on__gt=day)


def cluster_landscape(day: date) -> Landscape:
    """The clusters established by `day`, their members, networks, labels and
    activities on that day, against the national targets: six queries. Labels
    and texts are in the active language."""
    active_network = NetworkMembership.objects.filter(cluster=OuterRef("pk"), joined_on__lte=day).filter(
        _active_on(day)
    )
    clusters = (
        Cluster.objects.filter(established_on__lte=day)
        .annotate(in_network=Exists(active_network))
        .aggregate(
            total=Count("pk"),
            new=Count("pk", filter=Q(is_new_initiative=True)),
            new_sustainable=Count("pk", filter=Q(is_new_initiative=True, considers_sustainability=True)),
            networks=Count("pk", filter=Q(in_network=True)),
            circular=Count("pk", filter=Q(has_circular_economy_strategy=True)),
            digital=Count("pk", filter=Q(has_digitisation_strategy=True)),
            pact=Count("pk", filter=Q(in_pact_for_skills=True)),
            mature=Count("pk", filter=Q(maturity_level=MaturityLevel.SELF_SUFFICIENT)),
        )
    )
    network_memberships = (
        NetworkMembership.objects.filter(cluster__established_on__lte=day, joined_on__lte=day)
        .filter(_active_on(day))
        .count()
    )
    members = (
        ClusterMember.objects.filter(cluster__established_on__lte=day, joined_on__lte=day)
        .filter(_active_on(day))
        .aggregate(n=Count("organisation", distinct=True))["n"]
    )
    valid_labels = ExcellenceLabel.objects.filter(
        cluster__established_on__lte=day, awarded_on__lte=day, valid_until__gt=day
    )
    by_level = {
        row["level"]: row["n"]
        for row in valid_labels.order_by().values("level").annotate(n=Count("cluster", distinct=True))
    }
    labelled = valid_labels.aggregate(n=Count("cluster", distinct=True))["n"]
    activities = {
        row["kind"]: row["n"]
        for row in ClusterActivity.objects.filter(cluster__established_on__lte=day, held_on__lte=day)
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
        targets=_target_rows(clusters, by_level, activities),
    )


def _target_rows(clusters: dict, by_level: dict, activities: dict) -> list[TargetRow]:
    """Each national target with the registry's current value and what it counts."""
    total, new = clusters["total"], clusters["new"]

    def share(name: str) -> tuple[Decimal | None, str]:
        basis = ngettext("%(part)d of %(total)d cluster", "%(part)d of %(total)d clusters", total) % {
            "part": clusters[name],
            "total": total,
        }
        return percent(clusters[name], total), basis

    new_sustainable = ngettext("%(part)d of %(total)d new initiative", "%(part)d of %(total)d new initiatives", new) % {
        "part": clusters["new_sustainable"],
        "total": new,
    }
    actual = {
        "networks": share("networks"),
        "gold_label": (Decimal(by_level.get(LabelLevel.GOLD, 0)), _("clusters with a valid Gold label")),
        "circular": share("circular"),
        "sustainability": (percent(clusters["new_sustainable"], new), new_sustainable),
        "digital": share("digital"),
        "pact_for_skills": (Decimal(clusters["pact"]), _("clusters in the Pact for Skills")),
        "training": (Decimal(activities.get(ActivityKind.TRAINING, 0)), _("training activities held")),
        "mature": share("mature"),
    }
    return [
        TargetRow(
            text=target.text,
            comparison=target.comparison,
            target=target.value,
            unit=target.unit,
            actual=actual[target.id][0] if target.id in actual else None,
            basis=actual[target.id][1] if target.id in actual else _("not measured by the registry"),
        )
        for target in national_targets()
    ]
