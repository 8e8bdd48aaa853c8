"""Writes to the cluster registry: clusters, members, labels, networks,
strategy flags, maturity and activities; one transaction and one audit event each."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterMember,
    ExcellenceLabel,
    LabelLevel,
    MaturityLevel,
    NetworkMembership,
    Organisation,
)
from core.audit import audit_record, field_values
from core.errors import ApplicationError
from core.models import AuditEventType


def cluster_create(*, actor, name: str, coordinator: Organisation, established_on: date, **attributes) -> Cluster:
    """A cluster, with its coordinator as its first member from the day it was established."""
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("A cluster needs a name."), field="name")
    if "maturity_level" in attributes and attributes["maturity_level"] not in MaturityLevel.values:
        raise ApplicationError(
            _("Unknown maturity level “%(value)s”.") % {"value": attributes["maturity_level"]}, field="maturity_level"
        )
    if Cluster.objects.filter(name=name).exists():
        raise ApplicationError(_("A cluster named “%(name)s” is already registered.") % {"name": name}, field="name")
    with transaction.atomic():
        cluster = Cluster.objects.create(
            name=name, coordinator=coordinator, established_on=established_on, **attributes
        )
        audit_record(
            actor=actor,
            obj=cluster,
            event_type=AuditEventType.CREATED,
            new={"name": name, "coordinator": coordinator.pk},
        )
        member = ClusterMember.objects.create(cluster=cluster, organisation=coordinator, joined_on=established_on)
        audit_record(actor=actor, obj=member, event_type=AuditEventType.JOINED, new={"joined_on": established_on})
    return cluster


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


def cluster_member_add(*, actor, cluster: Cluster, organisation: Organisation, joined_on: date) -> ClusterMember:
    """An organisation joins a cluster (see `cluster_member_period_check`)."""
    with transaction.atomic():
        # The lock serialises joins to one cluster, so two at once cannot overlap.
        cluster = Cluster.objects.select_for_update().get(pk=cluster.pk)
        others = cluster.memberships.filter(organisation=organisation).values_list("joined_on", "left_on")
        cluster_member_period_check(cluster=cluster, organisation=organisation, joined_on=joined_on, others=others)
        member = ClusterMember.objects.create(cluster=cluster, organisation=organisation, joined_on=joined_on)
        audit_record(actor=actor, obj=member, event_type=AuditEventType.JOINED, new={"joined_on": joined_on})
    return member


def cluster_member_leave(*, actor, member: ClusterMember, left_on: date) -> ClusterMember:
    with transaction.atomic():
        member = ClusterMember.objects.select_for_update().select_related("cluster").get(pk=member.pk)
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
    if level not in LabelLevel.values:
        raise ApplicationError(_("Unknown label level “%(value)s”.") % {"value": level}, field="level")
    if valid_until <= awarded_on:
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


def network_membership_add(*, actor, cluster: Cluster, network: str, joined_on: date) -> NetworkMembership:
    network = (network or "").strip()
    if not network:
        raise ApplicationError(_("Name the network the cluster joins."), field="network")
    if cluster.network_memberships.filter(network=network, left_on__isnull=True).exists():
        raise ApplicationError(
            _("%(cluster)s is already a member of %(network)s.") % {"cluster": cluster, "network": network},
            field="network",
        )
    with transaction.atomic():
        membership = NetworkMembership.objects.create(cluster=cluster, network=network, joined_on=joined_on)
        audit_record(
            actor=actor,
            obj=membership,
            event_type=AuditEventType.JOINED,
            new={"network": network, "joined_on": joined_on},
        )
    return membership


def cluster_activity_record(*, actor, cluster: Cluster, kind: str, held_on: date, title: str) -> ClusterActivity:
    if kind not in ActivityKind.values:
        raise ApplicationError(_("Unknown activity kind “%(value)s”.") % {"value": kind}, field="kind")
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("An activity needs a title."), field="title")
    with transaction.atomic():
        activity = ClusterActivity.objects.create(cluster=cluster, kind=kind, held_on=held_on, title=title)
        audit_record(
            actor=actor, obj=activity, event_type=AuditEventType.RECORDED, new={"kind": kind, "held_on": held_on}
        )
    return activity
