"""Reads of the cluster registry: the filtered list (as of a day), one cluster's
page and the projects of its organisations. Every read costs a fixed number of
queries whatever the number of rows; strategy flags and maturity come only from
the dated rows (ClusterCommitment, MaturityAssessment)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from clusters.models import (
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
)
from clusters.selectors.organisations import organisation_id_for
from clusters.selectors.scorecard import clusters_behind
from core.errors import ApplicationError
from core.i18n import active_language, localized
from core.money import to_money
from core.permissions import Access
from core.queries import MONEY, sum_subquery

# The label levels from the highest: a cluster's label on a day is its highest valid one.
LABEL_RANK = {LabelLevel.GOLD: 3, LabelLevel.SILVER: 2, LabelLevel.BRONZE: 1}
LABEL_ANY = "any"
LABEL_NONE = "none"
MATURITY_NONE = "none"
YES, NO = "yes", "no"
STATE_ACTIVE, STATE_DISSOLVED = "active", "dissolved"


def _open_on(day: date) -> Q:
    """A period (joined_on/left_on) that holds on `day`: it counts from the day
    it starts until the day before it ends."""
    return Q(joined_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gt=day))


def _commitment_on(day: date) -> Q:
    return Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def _label_valid_on(day: date) -> Q:
    return Q(awarded_on__lte=day, valid_until__gt=day)


def _label_rank() -> Case:
    return Case(
        *(When(level=level, then=Value(rank)) for level, rank in LABEL_RANK.items()), output_field=IntegerField()
    )


def clusters_on(day: date) -> QuerySet[Cluster]:
    """Every cluster with its coordinator and, as of `day`: `member_count`
    (distinct organisations with a membership open on the day), `label_level`
    and `label_valid_until` (its highest valid label), `network_count`,
    `maturity_level_on` (the latest assessment on or before the day) and
    `current_networks`/`current_commitments` (prefetched lists): three queries a
    page (the page, and the two prefetches)."""
    members = (
        ClusterMember.objects.filter(cluster=OuterRef("pk"))
        .filter(_open_on(day))
        .order_by()
        .values("cluster")
        .annotate(n=Count("organisation", distinct=True))
        .values("n")
    )
    labels = (
        ExcellenceLabel.objects.filter(cluster=OuterRef("pk"))
        .filter(_label_valid_on(day))
        .annotate(rank=_label_rank())
        .order_by("-rank", "-valid_until")
    )
    networks = (
        NetworkMembership.objects.filter(cluster=OuterRef("pk"))
        .filter(_open_on(day))
        .order_by()
        .values("cluster")
        .annotate(n=Count("pk"))
        .values("n")
    )
    maturity = MaturityAssessment.objects.filter(cluster=OuterRef("pk"), assessed_on__lte=day).order_by("-assessed_on")
    return (
        Cluster.objects.select_related("coordinator")
        .annotate(
            member_count=Coalesce(Subquery(members, output_field=IntegerField()), Value(0)),
            label_level=Subquery(labels.values("level")[:1], output_field=CharField()),
            label_valid_until=Subquery(labels.values("valid_until")[:1], output_field=DateField()),
            network_count=Coalesce(Subquery(networks, output_field=IntegerField()), Value(0)),
            maturity_level_on=Subquery(maturity.values("level")[:1], output_field=IntegerField()),
        )
        .prefetch_related(
            Prefetch(
                "network_memberships",
                queryset=NetworkMembership.objects.filter(_open_on(day)).order_by("network"),
                to_attr="current_networks",
            ),
            Prefetch(
                "commitments",
                queryset=ClusterCommitment.objects.filter(_commitment_on(day)).order_by("kind"),
                to_attr="current_commitments",
            ),
        )
        .order_by("name", "pk")
    )


def _clusters_behind(target_id: str, day: date) -> QuerySet[Cluster]:
    """The clusters counted in a national target's value on `day` (the
    scorecard's own rule, clusters.selectors.scorecard.clusters_behind)."""
    try:
        return clusters_behind(target_id, day)
    except (LookupError, ValueError) as error:
        raise ApplicationError(
            _("There is no national target “%(target)s”.") % {"target": target_id}, field="target"
        ) from error


def clusters_filtered(params: dict, day: date | None = None) -> QuerySet[Cluster]:
    """The registry list as of `day` (today by default), narrowed by `params`
    (all optional): `q` (part of the name, the coordinator's name or company
    code), `sector`, `region` (the coordinator's), `label` ("any", "none" or a
    LabelLevel: valid on the day), `network` ("yes"/"no": in an international
    network on the day), `commitments` (CommitmentKind values, each held on the
    day), `maturity` (a MaturityLevel or "none": the latest assessment on or
    before the day), `state` ("active"/"dissolved" on the day) and `target` (a
    national target's id: the clusters behind it, the scorecard's rule).
    Raises ApplicationError(field="target") for a target it cannot read."""
    day = day or timezone.localdate()
    clusters = clusters_on(day)
    text = (params.get("q") or "").strip()
    if text:
        clusters = clusters.filter(
            Q(name__icontains=text) | Q(coordinator__name__icontains=text) | Q(coordinator__legal_code__startswith=text)
        )
    if params.get("sector"):
        clusters = clusters.filter(sector=params["sector"])
    if params.get("region"):
        clusters = clusters.filter(coordinator__region=params["region"])
    label = params.get("label")
    if label:
        valid = ExcellenceLabel.objects.filter(cluster=OuterRef("pk")).filter(_label_valid_on(day))
        if label == LABEL_NONE:
            clusters = clusters.filter(~Exists(valid))
        elif label == LABEL_ANY:
            clusters = clusters.filter(Exists(valid))
        else:
            clusters = clusters.filter(Exists(valid.filter(level=label)))
    network = params.get("network")
    if network in (YES, NO):
        in_network = Exists(NetworkMembership.objects.filter(cluster=OuterRef("pk")).filter(_open_on(day)))
        clusters = clusters.filter(in_network if network == YES else ~in_network)
    for kind in params.get("commitments") or ():
        clusters = clusters.filter(
            Exists(ClusterCommitment.objects.filter(cluster=OuterRef("pk"), kind=kind).filter(_commitment_on(day)))
        )
    maturity = params.get("maturity")
    if maturity == MATURITY_NONE:
        clusters = clusters.filter(maturity_level_on__isnull=True)
    elif maturity:
        clusters = clusters.filter(maturity_level_on=int(maturity))
    state = params.get("state")
    if state == STATE_ACTIVE:
        clusters = clusters.filter(established_on__lte=day).filter(
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day)
        )
    elif state == STATE_DISSOLVED:
        clusters = clusters.filter(dissolved_on__lte=day)
    if params.get("target"):
        clusters = clusters.filter(pk__in=_clusters_behind(params["target"], day).values("pk"))
    return clusters


def cluster_sectors() -> list[str]:
    """The sectors the registry's clusters name, for the filter: one query."""
    return list(Cluster.objects.exclude(sector="").order_by("sector").values_list("sector", flat=True).distinct())


# -- one cluster -----------------------------------------------------------------------


@dataclass(frozen=True)
class LabelRow:
    label: ExcellenceLabel
    status: str  # "valid", "expired" or "future" on the day

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"

    @property
    def status_label(self) -> str:
        return {"valid": _("Valid"), "expired": _("Expired"), "future": _("Not yet valid")}[self.status]


@dataclass
class ClusterDetail:
    """Everything the cluster's page shows, as of `day`."""

    cluster: Cluster
    day: date
    members: list[ClusterMember]
    member_count: int
    labels: list[LabelRow]
    networks: list[NetworkMembership]
    commitments: list[ClusterCommitment]
    maturity: list[MaturityAssessment]
    activities: list[ClusterActivity]
    flags_on_day: list[str] = field(default_factory=list)
    # The projects of its organisations, when the caller adds them (cluster_projects).
    projects: list = field(default_factory=list)

    @property
    def valid_label(self) -> ExcellenceLabel | None:
        valid = [row.label for row in self.labels if row.is_valid]
        return max(valid, key=lambda label: (LABEL_RANK[label.level], label.valid_until), default=None)

    @property
    def maturity_on_day(self) -> MaturityAssessment | None:
        past = [a for a in self.maturity if a.assessed_on <= self.day]
        return past[-1] if past else None

    @property
    def is_dissolved(self) -> bool:
        return self.cluster.dissolved_on is not None and self.cluster.dissolved_on <= self.day


def _label_status(label: ExcellenceLabel, day: date) -> str:
    if label.awarded_on > day:
        return "future"
    return "valid" if label.valid_until > day else "expired"


def cluster_detail(pk: int, day: date | None = None) -> ClusterDetail:
    """One cluster (404 when there is none) with its coordinator, members over
    time (by join date), labels with their status on `day`, networks, strategy
    flags with their dates, maturity history and activities: seven queries."""
    day = day or timezone.localdate()
    cluster = get_object_or_404(Cluster.objects.select_related("coordinator"), pk=pk)
    members = list(cluster.memberships.select_related("organisation").order_by("joined_on", "organisation__name", "pk"))
    # Distinct organisations: the rules allow no overlap, counted distinct all the same.
    member_count = len(
        {m.organisation_id for m in members if m.joined_on <= day and (m.left_on is None or m.left_on > day)}
    )
    labels = [LabelRow(label, _label_status(label, day)) for label in cluster.labels.order_by("-awarded_on", "pk")]
    commitments = list(cluster.commitments.order_by("kind", "started_on", "pk"))
    kinds_on_day = {c.kind for c in commitments if c.started_on <= day and (c.ended_on is None or c.ended_on > day)}
    return ClusterDetail(
        cluster=cluster,
        day=day,
        members=members,
        member_count=member_count,
        labels=labels,
        networks=list(cluster.network_memberships.order_by("joined_on", "network", "pk")),
        commitments=commitments,
        maturity=list(cluster.maturity_assessments.order_by("assessed_on", "pk")),
        activities=list(cluster.activities.order_by("-held_on", "pk")),
        flags_on_day=[label for kind, label in CommitmentKind.choices if kind in kinds_on_day],
    )


# -- projects of the cluster's organisations --------------------------------------------


def _project_model():
    """grants.Project, reached through Organisation's reverse relation: clusters
    sits below grants (.importlinter) and does not import it; the join is the
    database's, as for any relation."""
    return Organisation._meta.get_field("projects").related_model


@dataclass(frozen=True)
class IndicatorProgress:
    code: str
    name: str
    unit: str
    target: Decimal
    achieved: Decimal

    @property
    def reached(self) -> bool:
        return self.achieved >= self.target


@dataclass
class ClusterProject:
    pk: int
    code: str
    title: str
    instrument_code: str
    instrument_name: str
    beneficiary_id: int
    beneficiary_name: str
    is_coordinator: bool
    status_label: str
    grant_amount: Decimal
    paid_total: Decimal
    indicators: list[IndicatorProgress] = field(default_factory=list)

    @property
    def indicators_reached(self) -> int:
        return sum(1 for i in self.indicators if i.reached)


def cluster_organisation_ids(cluster: Cluster) -> QuerySet:
    """The coordinator and every organisation that is or was a member (a subquery)."""
    return (
        Organisation.objects.filter(Q(pk=cluster.coordinator_id) | Q(cluster_memberships__cluster=cluster))
        .values("pk")
        .distinct()
    )


def cluster_projects(cluster: Cluster, *, user=None) -> list[ClusterProject]:
    """Every project (any instrument) whose beneficiary is the cluster's
    coordinator or an organisation that is or was its member, with its grant,
    what has been paid and each indicator's target and achieved value: two
    queries. With `user`, only the projects that user may see (officers and
    auditors all; an applicant its organisation's, as beneficiary or partner)."""
    project_model = _project_model()
    field_of = project_model._meta.get_field
    payment_model = field_of("payments").related_model
    target_model = field_of("indicator_targets").related_model
    value_model = field_of("indicator_values").related_model
    projects = project_model.objects.filter(beneficiary_id__in=cluster_organisation_ids(cluster))
    if user is not None:
        access = Access.of(user)
        if not access.sees_all_data:
            organisation_id = organisation_id_for(user) if access.acts_for_organisation else None
            if organisation_id is None:
                return []
            partnered = project_model.partners.through.objects.filter(organisation_id=organisation_id)
            projects = projects.filter(Q(beneficiary_id=organisation_id) | Q(pk__in=partnered.values("project_id")))
    status_labels = dict(field_of("status").choices)
    language = active_language()
    rows = (
        projects.annotate(
            paid_total=sum_subquery(payment_model.objects.all(), "project", "amount"),
            instrument_label=localized("instrument__name", language),
        )
        .values(
            "pk",
            "code",
            "title",
            "instrument__code",
            "instrument_label",
            "beneficiary_id",
            "beneficiary__name",
            "status",
            "grant_amount",
            "paid_total",
        )
        .order_by("instrument__code", "code")
    )
    result = {
        row["pk"]: ClusterProject(
            pk=row["pk"],
            code=row["code"],
            title=row["title"],
            instrument_code=row["instrument__code"],
            instrument_name=row["instrument_label"],
            beneficiary_id=row["beneficiary_id"],
            beneficiary_name=row["beneficiary__name"],
            is_coordinator=row["beneficiary_id"] == cluster.coordinator_id,
            status_label=str(status_labels.get(row["status"], row["status"])),
            grant_amount=to_money(row["grant_amount"]),
            paid_total=to_money(row["paid_total"]),
        )
        for row in rows
    }
    if not result:
        return []
    achieved = (
        value_model.objects.filter(project=OuterRef("project"), indicator=OuterRef("indicator"))
        .order_by()
        .values("project", "indicator")
        .annotate(total=Sum("value"))
        .values("total")
    )
    targets = (
        target_model.objects.filter(project_id__in=list(result))
        .annotate(
            achieved=Coalesce(Subquery(achieved, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY),
            indicator_label=localized("indicator__name", language),
        )
        .values("project_id", "indicator__code", "indicator_label", "indicator__unit", "target_value", "achieved")
        .order_by("project_id", "indicator__code")
    )
    for row in targets:
        result[row["project_id"]].indicators.append(
            IndicatorProgress(
                code=row["indicator__code"],
                name=row["indicator_label"],
                unit=row["indicator__unit"],
                target=to_money(row["target_value"]),
                achieved=to_money(row["achieved"]),
            )
        )
    return list(result.values())
