"""Writes to the cluster registry: clusters, members, labels, networks,
strategy flags, maturity and activities; one transaction and one audit event each."""

from datetime import date

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

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
    MaturityLevel,
    NetworkMembership,
    Organisation,
)
from core.audit import audit_record, field_values
from core.concurrency import version_bump, version_check
from core.errors import ApplicationError
from core.models import AuditEventType

# The strategy flags and maturity level that clusters once held as columns;
# `cluster_create` still takes them (the demo data and the admin pass them) and
# records them as dated rows from the day the cluster was established.
LEGACY_COMMITMENTS = {
    "has_circular_economy_strategy": CommitmentKind.CIRCULAR_ECONOMY,
    "has_digitisation_strategy": CommitmentKind.DIGITISATION,
    "considers_sustainability": CommitmentKind.SUSTAINABILITY,
    "in_pact_for_skills": CommitmentKind.PACT_FOR_SKILLS,
}
CLUSTER_FIELDS = ("name", "coordinator", "sector", "established_on", "dissolved_on", "is_new_initiative")


def _has_column(name: str) -> bool:
    """Whether Cluster still has the old column `name` (clusters/0006 drops them)."""
    try:
        Cluster._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _cluster_values_check(
    *, name: str, established_on: date | None, dissolved_on: date | None, exclude_pk: int | None = None
) -> str:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("A cluster needs a name."), field="name")
    if established_on is None:
        raise ApplicationError(_("Give the day the cluster was established."), field="established_on")
    if dissolved_on is not None and dissolved_on < established_on:
        raise ApplicationError(
            _("A cluster cannot be dissolved before it was established on %(date)s.")
            % {"date": established_on.isoformat()},
            field="dissolved_on",
        )
    if Cluster.objects.filter(name=name).exclude(pk=exclude_pk).exists():
        raise ApplicationError(_("A cluster named “%(name)s” is already registered.") % {"name": name}, field="name")
    return name


def cluster_create(
    *,
    actor,
    name: str,
    coordinator: Organisation,
    established_on: date,
    sector: str = "",
    is_new_initiative: bool = False,
    dissolved_on: date | None = None,
    maturity_level: int | None = None,
    commitments: list[str] | tuple = (),
    **legacy_flags,
) -> Cluster:
    """A cluster, with its coordinator as its first member from the day it was
    established. `maturity_level` becomes its first maturity assessment and
    `commitments` (CommitmentKind values, or the old boolean keywords
    `has_digitisation_strategy=True`...) its strategy flags, both from
    `established_on`."""
    unknown = set(legacy_flags) - set(LEGACY_COMMITMENTS)
    if unknown:
        raise TypeError(f"cluster_create() got unexpected keyword arguments {sorted(unknown)}")
    if maturity_level is not None and maturity_level not in MaturityLevel.values:
        raise ApplicationError(
            _("Unknown maturity level “%(value)s”.") % {"value": maturity_level}, field="maturity_level"
        )
    kinds = list(dict.fromkeys([*commitments, *(LEGACY_COMMITMENTS[k] for k, on in legacy_flags.items() if on)]))
    for kind in kinds:
        if kind not in CommitmentKind.values:
            raise ApplicationError(_("Unknown strategy flag “%(value)s”.") % {"value": kind}, field="commitments")
    name = _cluster_values_check(name=name, established_on=established_on, dissolved_on=dissolved_on)
    columns = {}
    # Until clusters/0006 drops the old columns, they are kept equal to the dated rows.
    if maturity_level is not None and _has_column("maturity_level"):
        columns["maturity_level"] = maturity_level
    for legacy, kind in LEGACY_COMMITMENTS.items():
        if _has_column(legacy):
            columns[legacy] = kind in kinds
    with transaction.atomic():
        cluster = Cluster.objects.create(
            name=name,
            coordinator=coordinator,
            established_on=established_on,
            sector=(sector or "").strip(),
            is_new_initiative=bool(is_new_initiative),
            dissolved_on=dissolved_on,
            **columns,
        )
        audit_record(
            actor=actor,
            obj=cluster,
            event_type=AuditEventType.CREATED,
            new={"name": name, "coordinator": coordinator.pk},
        )
        member = ClusterMember.objects.create(cluster=cluster, organisation=coordinator, joined_on=established_on)
        audit_record(actor=actor, obj=member, event_type=AuditEventType.JOINED, new={"joined_on": established_on})
        if maturity_level is not None:
            assessment = MaturityAssessment.objects.create(
                cluster=cluster, level=maturity_level, assessed_on=established_on
            )
            audit_record(
                actor=actor,
                obj=assessment,
                event_type=AuditEventType.RECORDED,
                new={"level": maturity_level, "assessed_on": established_on},
            )
        for kind in kinds:
            commitment = ClusterCommitment.objects.create(cluster=cluster, kind=kind, started_on=established_on)
            audit_record(
                actor=actor,
                obj=commitment,
                event_type=AuditEventType.CREATED,
                new={"kind": kind, "started_on": established_on},
            )
    return cluster


def cluster_update(
    *,
    actor,
    cluster: Cluster,
    version: int | None,
    name: str,
    coordinator: Organisation,
    established_on: date,
    sector: str = "",
    is_new_initiative: bool = False,
    dissolved_on: date | None = None,
) -> Cluster:
    """Change a cluster's own data (optimistic locking: `version` is the one the
    edit was made from). A new coordinator must be a member on the day of the
    change; nothing of the cluster may fall before `established_on` or after
    `dissolved_on`."""
    with transaction.atomic():
        locked = Cluster.objects.select_for_update().get(pk=cluster.pk)
        version_check(locked, version)
        name = _cluster_values_check(
            name=name, established_on=established_on, dissolved_on=dissolved_on, exclude_pk=locked.pk
        )
        first_joined = locked.memberships.order_by("joined_on").values_list("joined_on", flat=True).first()
        if first_joined is not None and first_joined < established_on:
            raise ApplicationError(
                _("A member joined on %(date)s; the cluster cannot be established after that.")
                % {"date": first_joined.isoformat()},
                field="established_on",
            )
        if dissolved_on is not None:
            late = locked.memberships.filter(joined_on__gte=dissolved_on).order_by("-joined_on").first()
            if late is not None:
                raise ApplicationError(
                    _("A member joined on %(date)s; the cluster cannot be dissolved before that.")
                    % {"date": late.joined_on.isoformat()},
                    field="dissolved_on",
                )
        if coordinator.pk != locked.coordinator_id:
            today = timezone.localdate()
            is_member = (
                locked.memberships.filter(organisation=coordinator, joined_on__lte=today)
                .filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
                .exists()
            )
            if not is_member:
                raise ApplicationError(
                    _("%(organisation)s is not a member of %(cluster)s; add it as a member first.")
                    % {"organisation": coordinator, "cluster": locked},
                    field="coordinator",
                )
        values = {
            "name": name,
            "coordinator": coordinator,
            "sector": (sector or "").strip(),
            "established_on": established_on,
            "dissolved_on": dissolved_on,
            "is_new_initiative": bool(is_new_initiative),
        }
        old = field_values(
            locked, ["name", "coordinator_id", "sector", "established_on", "dissolved_on", "is_new_initiative"]
        )
        for attribute, value in values.items():
            setattr(locked, attribute, value)
        new = field_values(
            locked, ["name", "coordinator_id", "sector", "established_on", "dissolved_on", "is_new_initiative"]
        )
        changed = [k for k in new if new[k] != old[k]]
        version_bump(locked)
        locked.save(update_fields=[*values, "version"])
        audit_record(
            actor=actor,
            obj=locked,
            event_type=AuditEventType.UPDATED,
            old={k: old[k] for k in changed},
            new={**{k: new[k] for k in changed}, "version": locked.version},
        )
    return locked


def cluster_member_period_check(
    *,
    cluster: Cluster,
    organisation: Organisation,
    joined_on: date,
    left_on: date | None = None,
    others: list[tuple[date, date | None]] | tuple = (),
) -> None:
    """The rules of one membership of `organisation` in `cluster`, against its
    `others` (joined_on, left_on) in the same cluster: it starts once the cluster
    exists, ends after it starts, and overlaps none of them, so the organisation
    is counted once. Also for forms that validate before they save."""
    if cluster.established_on is not None and joined_on < cluster.established_on:
        raise ApplicationError(
            _("%(organisation)s cannot join %(cluster)s before it was established on %(date)s.")
            % {"organisation": organisation, "cluster": cluster, "date": cluster.established_on.isoformat()},
            field="joined_on",
        )
    if left_on is not None and left_on < joined_on:
        raise ApplicationError(_("A member cannot leave before it joined."), field="left_on")
    for other_joined, other_left in others:
        if (other_left is None or other_left >= joined_on) and (left_on is None or left_on >= other_joined):
            if other_left is None:
                raise ApplicationError(
                    _("%(organisation)s is already a member of %(cluster)s.")
                    % {"organisation": organisation, "cluster": cluster},
                    field="organisation",
                )
            raise ApplicationError(
                _("%(organisation)s was a member of %(cluster)s until %(date)s; it can join again only after that.")
                % {"organisation": organisation, "cluster": cluster, "date": other_left.isoformat()},
                field="joined_on",
            )


def _within_life(cluster: Cluster, day: date, field: str) -> None:
    """A dated record of `cluster` falls while the cluster exists."""
    if day < cluster.established_on:
        raise ApplicationError(
            _("The date cannot be before %(cluster)s was established on %(date)s.")
            % {"cluster": cluster, "date": cluster.established_on.isoformat()},
            field=field,
        )
    if cluster.dissolved_on is not None and day >= cluster.dissolved_on:
        raise ApplicationError(
            _("%(cluster)s was dissolved on %(date)s; the date must be before that.")
            % {"cluster": cluster, "date": cluster.dissolved_on.isoformat()},
            field=field,
        )


def cluster_member_add(
    *, actor, cluster: Cluster, organisation: Organisation, joined_on: date, left_on: date | None = None
) -> ClusterMember:
    """An organisation joins a cluster (see `cluster_member_period_check`);
    `left_on` records a past membership in one go."""
    if organisation is None:
        raise ApplicationError(_("Choose the organisation that joins."), field="organisation")
    if joined_on is None:
        raise ApplicationError(_("Give the day the organisation joined."), field="joined_on")
    with transaction.atomic():
        # The lock serialises joins to one cluster, so two at once cannot overlap.
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        others = cluster.memberships.filter(organisation=organisation).values_list("joined_on", "left_on")
        cluster_member_period_check(
            cluster=cluster, organisation=organisation, joined_on=joined_on, left_on=left_on, others=others
        )
        if cluster.dissolved_on is not None and joined_on >= cluster.dissolved_on:
            _within_life(cluster, joined_on, "joined_on")
        member = ClusterMember.objects.create(
            cluster=cluster, organisation=organisation, joined_on=joined_on, left_on=left_on
        )
        audit_record(actor=actor, obj=member, event_type=AuditEventType.JOINED, new={"joined_on": joined_on})
        if left_on is not None:
            audit_record(actor=actor, obj=member, event_type=AuditEventType.LEFT, new={"left_on": left_on})
    return member


def cluster_member_leave(*, actor, member: ClusterMember, left_on: date) -> ClusterMember:
    """A member leaves on `left_on` (it is no longer counted from that day)."""
    if left_on is None:
        raise ApplicationError(_("Give the day the member left."), field="left_on")
    with transaction.atomic():
        member = ClusterMember.objects.select_for_update().select_related("cluster", "organisation").get(pk=member.pk)
        if member.left_on is not None:
            raise ApplicationError(
                _("%(member)s already left on %(date)s.") % {"member": member, "date": member.left_on.isoformat()},
                field="left_on",
            )
        if left_on < member.joined_on:
            raise ApplicationError(_("A member cannot leave before it joined."), field="left_on")
        if member.organisation_id == member.cluster.coordinator_id:
            raise ApplicationError(
                _("%(organisation)s coordinates %(cluster)s; it cannot leave while it coordinates it.")
                % {"organisation": member.organisation, "cluster": member.cluster},
                field="member",
            )
        old = {"left_on": member.left_on}
        member.left_on = left_on
        member.save(update_fields=["left_on"])
        audit_record(actor=actor, obj=member, event_type=AuditEventType.LEFT, old=old, new={"left_on": left_on})
    return member


def excellence_label_award(
    *, actor, cluster: Cluster, level: str, awarded_on: date, valid_until: date
) -> ExcellenceLabel:
    """An ECEI label, valid from `awarded_on` until the day before `valid_until`
    (it no longer counts on `valid_until`)."""
    if level not in LabelLevel.values:
        raise ApplicationError(_("Unknown label level “%(value)s”.") % {"value": level}, field="level")
    if awarded_on is None:
        raise ApplicationError(_("Give the day the label was awarded."), field="awarded_on")
    if valid_until is None or valid_until <= awarded_on:
        raise ApplicationError(_("A label must be valid until after the day it is awarded."), field="valid_until")
    with transaction.atomic():
        label = ExcellenceLabel.objects.create(
            cluster=cluster, level=level, awarded_on=awarded_on, valid_until=valid_until
        )
        audit_record(
            actor=actor,
            obj=label,
            event_type=AuditEventType.AWARDED,
            new=field_values(label, ["level", "awarded_on", "valid_until"]),
        )
    return label


def excellence_label_withdraw(*, actor, label: ExcellenceLabel, withdrawn_on: date) -> ExcellenceLabel:
    """The label stops counting on `withdrawn_on` (its validity ends early)."""
    if withdrawn_on is None:
        raise ApplicationError(_("Give the day the label is withdrawn."), field="withdrawn_on")
    with transaction.atomic():
        label = ExcellenceLabel.objects.select_for_update().select_related("cluster").get(pk=label.pk)
        if withdrawn_on <= label.awarded_on:
            raise ApplicationError(
                _("A label can be withdrawn only after the day it was awarded, %(date)s.")
                % {"date": label.awarded_on.isoformat()},
                field="withdrawn_on",
            )
        if withdrawn_on >= label.valid_until:
            raise ApplicationError(
                _("The label is valid only until %(date)s; it cannot be withdrawn after that.")
                % {"date": label.valid_until.isoformat()},
                field="withdrawn_on",
            )
        old = {"valid_until": label.valid_until}
        label.valid_until = withdrawn_on
        label.save(update_fields=["valid_until"])
        audit_record(
            actor=actor, obj=label, event_type=AuditEventType.UPDATED, old=old, new={"valid_until": withdrawn_on}
        )
    return label


def network_membership_add(
    *, actor, cluster: Cluster, network: str, joined_on: date, left_on: date | None = None
) -> NetworkMembership:
    """The cluster joins an international network; two periods in one network never overlap."""
    network = (network or "").strip()
    if not network:
        raise ApplicationError(_("Name the network the cluster joins."), field="network")
    if joined_on is None:
        raise ApplicationError(_("Give the day the cluster joined the network."), field="joined_on")
    if left_on is not None and left_on < joined_on:
        raise ApplicationError(_("A cluster cannot leave a network before it joined it."), field="left_on")
    with transaction.atomic():
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        for other in cluster.network_memberships.filter(network=network):
            if (other.left_on is None or other.left_on >= joined_on) and (
                left_on is None or left_on >= other.joined_on
            ):
                if other.left_on is None:
                    raise ApplicationError(
                        _("%(cluster)s is already a member of %(network)s.") % {"cluster": cluster, "network": network},
                        field="network",
                    )
                raise ApplicationError(
                    _("%(cluster)s was a member of %(network)s until %(date)s; it can join again only after that.")
                    % {"cluster": cluster, "network": network, "date": other.left_on.isoformat()},
                    field="joined_on",
                )
        membership = NetworkMembership.objects.create(
            cluster=cluster, network=network, joined_on=joined_on, left_on=left_on
        )
        audit_record(
            actor=actor,
            obj=membership,
            event_type=AuditEventType.JOINED,
            new={"network": network, "joined_on": joined_on, **({"left_on": left_on} if left_on else {})},
        )
    return membership


def network_membership_end(*, actor, membership: NetworkMembership, left_on: date) -> NetworkMembership:
    if left_on is None:
        raise ApplicationError(_("Give the day the cluster left the network."), field="left_on")
    with transaction.atomic():
        membership = NetworkMembership.objects.select_for_update().get(pk=membership.pk)
        if membership.left_on is not None:
            raise ApplicationError(
                _("The cluster already left %(network)s on %(date)s.")
                % {"network": membership.network, "date": membership.left_on.isoformat()},
                field="left_on",
            )
        if left_on < membership.joined_on:
            raise ApplicationError(_("A cluster cannot leave a network before it joined it."), field="left_on")
        membership.left_on = left_on
        membership.save(update_fields=["left_on"])
        audit_record(
            actor=actor, obj=membership, event_type=AuditEventType.LEFT, old={"left_on": None}, new={"left_on": left_on}
        )
    return membership


def cluster_commitment_start(
    *, actor, cluster: Cluster, kind: str, started_on: date, note: str = ""
) -> ClusterCommitment:
    """A strategy flag holds from `started_on`; one kind's periods never overlap."""
    if kind not in CommitmentKind.values:
        raise ApplicationError(_("Unknown strategy flag “%(value)s”.") % {"value": kind}, field="kind")
    if started_on is None:
        raise ApplicationError(_("Give the day the commitment started."), field="started_on")
    with transaction.atomic():
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        _within_life(cluster, started_on, "started_on")
        for other in cluster.commitments.filter(kind=kind):
            if other.ended_on is None or other.ended_on >= started_on:
                raise ApplicationError(
                    _("%(cluster)s already holds “%(kind)s” from %(date)s.")
                    % {"cluster": cluster, "kind": other.get_kind_display(), "date": other.started_on.isoformat()},
                    field="kind",
                )
        commitment = ClusterCommitment.objects.create(
            cluster=cluster, kind=kind, started_on=started_on, note=(note or "").strip()
        )
        audit_record(
            actor=actor,
            obj=commitment,
            event_type=AuditEventType.CREATED,
            new={"kind": kind, "started_on": started_on, "note": commitment.note},
        )
    return commitment


def cluster_commitment_end(*, actor, commitment: ClusterCommitment, ended_on: date) -> ClusterCommitment:
    """The flag no longer holds from `ended_on`."""
    if ended_on is None:
        raise ApplicationError(_("Give the day the commitment ended."), field="ended_on")
    with transaction.atomic():
        commitment = ClusterCommitment.objects.select_for_update().get(pk=commitment.pk)
        if commitment.ended_on is not None:
            raise ApplicationError(
                _("This strategy flag already ended on %(date)s.") % {"date": commitment.ended_on.isoformat()},
                field="ended_on",
            )
        if ended_on < commitment.started_on:
            raise ApplicationError(
                _("A strategy flag cannot end before it started on %(date)s.")
                % {"date": commitment.started_on.isoformat()},
                field="ended_on",
            )
        commitment.ended_on = ended_on
        commitment.save(update_fields=["ended_on"])
        audit_record(
            actor=actor,
            obj=commitment,
            event_type=AuditEventType.UPDATED,
            old={"ended_on": None},
            new={"ended_on": ended_on},
        )
    return commitment


def maturity_assessment_record(*, actor, cluster: Cluster, level: int, assessed_on: date) -> MaturityAssessment:
    """A dated assessment; the latest one on or before a day is the cluster's maturity then."""
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = None
    if level not in MaturityLevel.values:
        raise ApplicationError(_("Choose a maturity level."), field="level")
    if assessed_on is None:
        raise ApplicationError(_("Give the day of the assessment."), field="assessed_on")
    with transaction.atomic():
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        _within_life(cluster, assessed_on, "assessed_on")
        if cluster.maturity_assessments.filter(assessed_on=assessed_on).exists():
            raise ApplicationError(
                _("%(cluster)s was already assessed on %(date)s.")
                % {"cluster": cluster, "date": assessed_on.isoformat()},
                field="assessed_on",
            )
        assessment = MaturityAssessment.objects.create(cluster=cluster, level=level, assessed_on=assessed_on)
        audit_record(
            actor=actor,
            obj=assessment,
            event_type=AuditEventType.RECORDED,
            new={"level": level, "assessed_on": assessed_on},
        )
    return assessment


def cluster_activity_record(*, actor, cluster: Cluster, kind: str, held_on: date, title: str) -> ClusterActivity:
    if kind not in ActivityKind.values:
        raise ApplicationError(_("Unknown activity kind “%(value)s”.") % {"value": kind}, field="kind")
    if held_on is None:
        raise ApplicationError(_("Give the day the activity was held."), field="held_on")
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("An activity needs a title."), field="title")
    with transaction.atomic():
        activity = ClusterActivity.objects.create(cluster=cluster, kind=kind, held_on=held_on, title=title)
        audit_record(
            actor=actor, obj=activity, event_type=AuditEventType.RECORDED, new={"kind": kind, "held_on": held_on}
        )
    return activity
