"""Every write to the cluster registry: one transaction and one audit event each."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from clusters.models import (
    ActivityKind,
    Cluster,
    ClusterActivity,
    ClusterMember,
    ExcellenceLabel,
    LabelLevel,
    NetworkMembership,
    Organisation,
    OrganisationType,
    OrganisationUser,
)
from clusters.validators import validate_company_code
from core.audit import audit_record, field_values
from core.errors import ApplicationError
from core.models import AuditEventType, Role


def organisation_create(
    *, actor, name: str, legal_code: str, organisation_type: str, region: str, sector: str = ""
) -> Organisation:
    try:
        validate_company_code(legal_code)
    except ValidationError as exc:
        raise ApplicationError(exc.messages[0], field="legal_code") from exc
    if organisation_type not in OrganisationType.values:
        raise ApplicationError(f"Unknown organisation type '{organisation_type}'.", field="organisation_type")
    if Organisation.objects.filter(legal_code=legal_code).exists():
        raise ApplicationError(
            f"An organisation with company code {legal_code} is already registered.", field="legal_code"
        )
    with transaction.atomic():
        organisation = Organisation.objects.create(
            name=name, legal_code=legal_code, organisation_type=organisation_type, region=region, sector=sector
        )
        audit_record(
            actor=actor,
            obj=organisation,
            event_type=AuditEventType.CREATED,
            new=field_values(organisation, ["name", "legal_code"]),
        )
    return organisation


def organisation_user_link(*, actor, user, organisation: Organisation) -> OrganisationUser:
    if user.role != Role.APPLICANT:  # a property of the account, not of the acting user
        raise ApplicationError("Only applicant accounts act for an organisation.", field="user")
    with transaction.atomic():
        link, _ = OrganisationUser.objects.update_or_create(user=user, defaults={"organisation": organisation})
        audit_record(
            actor=actor,
            obj=link,
            event_type=AuditEventType.LINKED,
            new={"user": user.pk, "organisation": organisation.pk},
        )
    return link


def cluster_create(*, actor, name: str, coordinator: Organisation, established_on: date, **attributes) -> Cluster:
    with transaction.atomic():
        cluster = Cluster.objects.create(
            name=name, coordinator=coordinator, established_on=established_on, **attributes
        )
        ClusterMember.objects.create(cluster=cluster, organisation=coordinator, joined_on=established_on)
        audit_record(
            actor=actor,
            obj=cluster,
            event_type=AuditEventType.CREATED,
            new={"name": name, "coordinator": coordinator.pk},
        )
    return cluster


def cluster_member_add(*, actor, cluster: Cluster, organisation: Organisation, joined_on: date) -> ClusterMember:
    if cluster.memberships.filter(organisation=organisation, left_on__isnull=True).exists():
        raise ApplicationError(f"{organisation} is already a member of {cluster}.", field="organisation")
    with transaction.atomic():
        member = ClusterMember.objects.create(cluster=cluster, organisation=organisation, joined_on=joined_on)
        audit_record(actor=actor, obj=member, event_type=AuditEventType.JOINED, new={"joined_on": joined_on})
    return member


def cluster_member_leave(*, actor, member: ClusterMember, left_on: date) -> ClusterMember:
    if left_on < member.joined_on:
        raise ApplicationError("A member cannot leave before it joined.", field="left_on")
    with transaction.atomic():
        member = ClusterMember.objects.select_for_update().get(pk=member.pk)
        old = {"left_on": member.left_on}
        member.left_on = left_on
        member.save(update_fields=["left_on"])
        audit_record(actor=actor, obj=member, event_type=AuditEventType.LEFT, old=old, new={"left_on": left_on})
    return member


def excellence_label_award(
    *, actor, cluster: Cluster, level: str, awarded_on: date, valid_until: date
) -> ExcellenceLabel:
    if level not in LabelLevel.values:
        raise ApplicationError(f"Unknown label level '{level}'.", field="level")
    if valid_until <= awarded_on:
        raise ApplicationError("A label must be valid until after the day it is awarded.", field="valid_until")
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
        raise ApplicationError(f"Unknown activity kind '{kind}'.", field="kind")
    with transaction.atomic():
        activity = ClusterActivity.objects.create(cluster=cluster, kind=kind, held_on=held_on, title=title)
        audit_record(
            actor=actor, obj=activity, event_type=AuditEventType.RECORDED, new={"kind": kind, "held_on": held_on}
        )
    return activity
